"""The build stages' own uv commands, run on a copy of the build context (needs PyPI or a warm
uv cache): each image gets its service, its console script and nothing of the others."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.test_deploy_dockerfile import SERVICES, STAGES, chain, context_files

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def build_commands(target: str) -> list[list[str]]:
    commands = []
    for stage in chain(STAGES, f"build-{target}"):
        for run in stage.of("RUN"):
            words = run.words()
            assert words[0] == "uv", f"build stages only run uv: {run.args}"
            commands.append(words)
    return commands


@pytest.mark.timeout(600)
@pytest.mark.parametrize("service", SERVICES)
def test_the_build_stage_installs_the_service_and_only_its_dependencies(
    service: str, tmp_path: Path
) -> None:
    context = tmp_path / "context"
    for path in context_files():
        (context / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, context / path)
    venv = tmp_path / "venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    for command in build_commands(service):
        done = subprocess.run(command, cwd=context, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{shlex.join(command)}\n{done.stderr[-2000:]}"
    assert (venv / "bin" / f"complaint-{service}").exists()
    python = str(venv / "bin" / "python")
    probe = f"import complaint_{service}.app as app; assert callable(app.main)"
    imported = subprocess.run([python, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr[-2000:]
    for stranger in ["pytest", "ruff", *(f"complaint_{s}" for s in SERVICES if s != service)]:
        found = subprocess.run([python, "-c", f"import {stranger}"], capture_output=True)
        assert found.returncode != 0, f"the {service} image would contain {stranger}"
