"""The service as its own process refuses to start on an unusable policy configuration, and
says which file and field (or which setting) is wrong."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

POLICIES = Path(__file__).resolve().parents[4] / "deploy" / "policies"
COMMAND = [sys.executable, "-c", "from complaint_classifier.app import main; main()"]


def start(policies: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "POLICIES_DIR": str(policies), "HTTP_PORT": "1", **env}
    return subprocess.run(
        COMMAND, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_broken_policy_stops_start_up_naming_the_file_and_the_field(tmp_path: Path):
    shutil.copytree(POLICIES / "hospital", tmp_path / "hospital")
    path = tmp_path / "hospital" / "classification.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["defaults"]["severity"] = "catastrophic"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    finished = start(tmp_path, CLASSIFIER_DEFAULT_POLICY="hospital")

    assert finished.returncode == 2
    assert f"{path}: defaults.severity:" in finished.stderr
    assert "catastrophic" in finished.stderr


def test_a_setting_naming_an_unknown_policy_stops_start_up(tmp_path: Path):
    finished = start(POLICIES, CLASSIFIER_POLICY_BY_SOURCE='{"his": "hospitl"}')

    assert finished.returncode == 2
    assert "source 'his' maps to unknown policy 'hospitl'" in finished.stderr


def test_a_folder_without_routing_and_no_default_stops_start_up_saying_what_to_add(
    tmp_path: Path,
):
    shutil.copytree(POLICIES / "hospital", tmp_path / "hospital")
    finished = start(tmp_path)
    assert finished.returncode == 2
    assert "add" in finished.stderr and "routing.yaml" in finished.stderr
    assert "CLASSIFIER_DEFAULT_POLICY" in finished.stderr


def test_a_routing_file_naming_an_unknown_policy_stops_start_up(tmp_path: Path):
    shutil.copytree(POLICIES / "hospital", tmp_path / "hospital")
    (tmp_path / "routing.yaml").write_text("default: hospital\nsources: {his: hospitl}\n")
    finished = start(tmp_path)
    assert finished.returncode == 2
    assert "source 'his' maps to unknown policy 'hospitl'" in finished.stderr
