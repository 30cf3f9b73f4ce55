"""The committed JSON Schemas are what the models generate, and accept what the models accept."""

import json
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from complaint_events import ALL_EVENTS, encode
from complaint_events.examples import example_payloads
from complaint_events.export import SCHEMA_DIR, generated_files, load_schemas, stale_files
from complaint_events.schemas import ENVELOPE_SCHEMA, all_schemas, schema_filename

pytestmark = pytest.mark.unit


def test_committed_schemas_match_the_models() -> None:
    stale = stale_files(generated_files())

    assert stale == [], "run: uv run python -m complaint_events.export"


def test_every_event_type_has_a_committed_schema() -> None:
    committed = load_schemas(SCHEMA_DIR)

    assert set(committed) == {schema_filename(event) for event in ALL_EVENTS} | {ENVELOPE_SCHEMA}


def test_generation_is_deterministic() -> None:
    assert generated_files() == generated_files()


@cache
def validator(event_type: str) -> Draft202012Validator:
    schema = load_schemas(SCHEMA_DIR)[f"{event_type}.v1.json"]
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def envelope_validator() -> Draft202012Validator:
    return Draft202012Validator(all_schemas()[ENVELOPE_SCHEMA])


def message(event_type: str, envelope_of: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(encode(envelope_of(example_payloads()[event_type])))
    return body


def test_every_example_message_is_valid_under_its_schema(example: Any, envelope_of: Any) -> None:
    body = json.loads(encode(envelope_of(example)))

    assert list(validator(example.event_type).iter_errors(body)) == []


def test_envelope_schema_accepts_any_event(example: Any, envelope_of: Any) -> None:
    schema = all_schemas()[ENVELOPE_SCHEMA]

    assert (
        list(Draft202012Validator(schema).iter_errors(json.loads(encode(envelope_of(example)))))
        == []
    )


@pytest.mark.parametrize(
    ("event_type", "path", "value"),
    [
        ("ComplaintSubmitted", "payload.description", " \u3000\n"),
        ("ComplaintSubmitted", "payload.description", "诉" * 20_001),
        ("ComplaintSubmitted", "payload.channel", "carrier_pigeon"),
        ("ComplaintSubmitted", "payload.request.amount", "-1"),
        ("ComplaintSubmitted", "payload.request.amount", -1),
        ("ComplaintSubmitted", "payload.source_system", "has space"),
        ("ComplaintSubmitted", "event_type", "ComplaintReceived"),
        ("ComplaintReceived", "complaint_id", None),
        ("ComplaintReceived", "payload.complaint_number", "TS-1"),
        ("ComplaintClassified", "payload.matched_rules.0.confidence", 2),
        ("ReplyAccepted", "payload.satisfaction", 6),
        ("NoticeSent", "payload.channel", "fax"),
        ("DeadlineScheduled", "payload.limit", -1),
        ("AttachmentStored", "payload.sha256", "ABC"),
        ("SubmissionRejected", "payload.reason_codes", []),
    ],
)
def test_schema_refuses_what_the_model_refuses(
    event_type: str, path: str, value: Any, envelope_of: Any
) -> None:
    body = message(event_type, envelope_of)
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = value

    assert list(validator(event_type).iter_errors(body)) != []


def _integers(node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    """Every integer-typed schema node, by its path."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "integer" and "const" not in node:
            found.append((path, node))
        for key, child in node.items():
            found += _integers(child, f"{path}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _integers(child, f"{path}.{index}")
    return found


def test_every_integer_fits_the_64_bits_every_consumer_stores() -> None:
    """MongoDB stores at most a signed 64-bit integer: an event with a larger one was accepted
    by the codec and then failed every service that stores it (the fuzz suite found the archive
    dead-lettering a raw submission with a 20-digit attachment size)."""
    unbounded = [
        f"{name}{path}"
        for name, schema in all_schemas().items()
        for path, node in _integers(schema, "")
        if node.get("maximum", 2**63) > 2**63 - 1 or node.get("minimum", -(2**63) - 1) < -(2**63)
    ]
    assert unbounded == []
