"""The AsyncAPI document describes every topic and event and its examples are valid."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from complaint_events import EVENT_TYPES, TOPICS
from complaint_events.asyncapi import build_asyncapi
from complaint_events.export import ASYNCAPI_FILE

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    committed: dict[str, Any] = json.loads(ASYNCAPI_FILE.read_text("utf-8"))
    return committed


def test_committed_document_is_the_generated_one(document: dict[str, Any]) -> None:
    assert document == build_asyncapi()


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def resolve(document: dict[str, Any], reference: str) -> Any:
    node: Any = document
    for part in reference.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    found = list(references(document))

    assert len(found) > 100
    for reference in found:
        assert reference.startswith("#/")
        resolve(document, reference)


def test_required_top_level_fields(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert {"title", "version"} <= document["info"].keys()
    assert all({"host", "protocol"} <= server.keys() for server in document["servers"].values())


def test_every_topic_is_a_channel_with_its_events(document: dict[str, Any]) -> None:
    channels = {channel["address"]: channel for channel in document["channels"].values()}

    assert set(channels) == {spec.name for spec in TOPICS}
    for spec in TOPICS:
        assert set(channels[spec.name]["messages"]) == set(spec.event_types)
        assert channels[spec.name]["bindings"]["kafka"]["partitions"] == spec.partitions


def test_every_event_type_is_a_message(document: dict[str, Any]) -> None:
    assert set(document["components"]["messages"]) == set(EVENT_TYPES)


def test_operations_name_a_service_and_an_action(document: dict[str, Any]) -> None:
    operations = document["operations"].values()

    assert {operation["action"] for operation in operations} == {"send", "receive"}
    assert {tag["name"] for operation in operations for tag in operation["tags"]} >= {
        "intake",
        "classifier",
        "notifier",
        "archive",
    }


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_message_examples_are_valid(document: dict[str, Any], event_type: str) -> None:
    message = document["components"]["messages"][event_type]
    example = message["examples"][0]

    def validate(schema: dict[str, Any], instance: Any) -> list[Any]:
        rooted = {**schema, "components": document["components"]}
        return list(Draft202012Validator(rooted).iter_errors(instance))

    assert validate(message["payload"], example["payload"]) == []
    assert validate(message["headers"], example["headers"]) == []
    assert example["payload"]["event_type"] == event_type
