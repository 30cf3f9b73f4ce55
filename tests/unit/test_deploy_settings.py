"""Every environment variable the deployment sets is one the receiving service reads: a typo
(or a renamed setting) would otherwise be ignored silently, since settings ignore extras."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from complaint_runtime import ServiceSettings
from tests.unit.test_deploy_k8s import RUNTIME, SECRETS, container, image_env, references

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["intake", "classifier", "notifier", "archive"]
# Read by the Python interpreter or the shell, not by the service's settings.
PROCESS = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}


def env_names(settings: type[BaseSettings]) -> set[str]:
    prefix = str(settings.model_config.get("env_prefix", ""))
    names = set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias or field.alias
        if isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
        else:
            names.add(f"{prefix}{name}".upper())
    return names


def settings_of(service: str) -> type[ServiceSettings]:
    module_name = f"complaint_{service}.settings"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        if missing.name != module_name:
            raise
        pytest.fail(f"{service} is not built yet: {module_name} does not exist")
    classes = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, ServiceSettings) and cls.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"{module_name} should define one Settings class: {classes}"
    return classes[0]


def compose_env(service: str) -> set[str]:
    entry = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]
    return set(entry.get("environment", {}))


def kubernetes_env(service: str) -> set[str]:
    names = set(RUNTIME) | {variable["name"] for variable in container(service).get("env", [])}
    for kind, name, _ in references(service):
        for source in container(service)["envFrom"]:
            if kind == "Secret" and source.get("secretRef", {}).get("name") == name:
                names |= set(SECRETS[name]["stringData"])
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_compose_and_kubernetes_set_only_settings_the_service_reads(
    service: str,
) -> None:
    known = env_names(settings_of(service)) | PROCESS
    for where, names in [
        ("Dockerfile", set(image_env(service))),
        ("docker-compose.yml", compose_env(service)),
        ("deploy/k8s", kubernetes_env(service)),
    ]:
        assert names <= known, f"{where} sets what {service} never reads: {sorted(names - known)}"


def test_the_shared_settings_have_the_documented_names() -> None:
    names = env_names(ServiceSettings)
    assert {"KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SASL_PASSWORD", "MONGODB_URI", "HTTP_PORT"} <= names
    assert "NOT_A_SETTING" not in names
