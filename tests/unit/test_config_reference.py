"""docs/CONFIGURATION.md is generated from the settings classes: it must be current and name
every variable any service reads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from complaint_runtime import ServiceSettings
from deploy import config_reference
from deploy.config_reference import (
    COMMAND,
    OUTPUT,
    ROOT,
    SERVICES,
    env_name,
    environment_reads,
    render,
    settings_class,
)

pytestmark = pytest.mark.unit


def test_the_configuration_reference_is_current() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(), f"run: {COMMAND}"


@pytest.mark.parametrize("service", ["runtime", *SERVICES])
def test_every_setting_is_documented_under_its_variable(service: str) -> None:
    cls = ServiceSettings if service == "runtime" else settings_class(service)
    text = OUTPUT.read_text(encoding="utf-8")
    for name, field in cls.model_fields.items():
        assert f"| `{env_name(name, field)}` |" in text, f"{service}.{name}"


def test_a_service_reads_the_variable_the_reference_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """An alias the reference prints is the name pydantic-settings actually reads."""
    cls = settings_class("archive")
    monkeypatch.setenv("ARCHIVE_PAGE_SIZE_MAX", "7")
    monkeypatch.setenv("HTTP_PORT", "9999")
    settings = cls()
    assert (settings.page_size_max, settings.http_port) == (7, 9999)


def test_the_stack_variables_are_found_in_the_scripts(tmp_path: Path) -> None:
    found = dict(environment_reads(ROOT / "deploy" / "local" / "stack.py"))
    assert found["KAFKA_PORT"] == "`19092`" and found["MONGO_PORT"] == "`27117`"
    script = tmp_path / "script.py"
    script.write_text('import os\nos.environ.get("NEW_KNOB", "3")\nos.environ["MUST"]\n')
    assert dict(environment_reads(script)) == {"NEW_KNOB": "`3`", "MUST": "**required**"}


def test_check_exits_1_on_a_stale_file_and_0_once_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "docs" / "CONFIGURATION.md"
    stale.parent.mkdir()
    stale.write_text(render().replace("`HTTP_PORT`", "`HTTP_PORTS`"), encoding="utf-8")
    monkeypatch.setattr(config_reference, "OUTPUT", stale)
    monkeypatch.setattr(config_reference, "ROOT", tmp_path)
    monkeypatch.setattr(sys, "argv", ["config_reference", "--check"])
    assert config_reference.main() == 1
    assert "out of date" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["config_reference"])
    assert config_reference.main() == 0
    monkeypatch.setattr(sys, "argv", ["config_reference", "--check"])
    assert config_reference.main() == 0
