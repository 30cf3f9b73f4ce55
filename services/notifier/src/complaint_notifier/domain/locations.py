"""Where the repository keeps the data files, for settings that default to it."""

from pathlib import Path

REPO_DEPLOY_DIR = Path(__file__).resolve().parents[5] / "deploy"
"""deploy/ of a source checkout (services/notifier/src/complaint_notifier/domain → repo root)."""
