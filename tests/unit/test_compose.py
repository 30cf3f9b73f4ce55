"""docker-compose.yml is accepted by the Compose specification (no engine runs here to ask)."""

from pathlib import Path

import jsonschema
import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# Vendored from docker-compose 1.29.2 (compose/config/compose_spec.json, Apache-2.0).
SCHEMA = Path(__file__).resolve().parents[1] / "support" / "compose_spec.json"


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_matches_the_compose_specification() -> None:
    import json

    jsonschema.validate(compose(), json.loads(SCHEMA.read_text()))


def test_compose_runs_kafka_in_kraft_mode_and_mongodb() -> None:
    services = compose()["services"]
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert services["mongo"]["image"].startswith("mongo:")


def test_compose_has_every_service_of_the_product() -> None:
    assert {"intake", "classifier", "notifier", "archive", "prometheus"} <= set(
        compose()["services"]
    )


def test_an_invalid_compose_file_is_refused_by_the_check() -> None:
    import json

    broken = compose()
    broken["services"]["kafka"]["ports"] = "19092:9092"  # must be a list
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json.loads(SCHEMA.read_text()))
