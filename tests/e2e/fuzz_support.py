"""Bad Kafka messages for the consumer fuzz (`test_fuzz_consumers.py`), and reading what the
services made of them.

Four kinds of message are generated in the test process with hypothesis, for every topic some
service consumes:

- `bytes`: random bytes, plus the hostile edge cases (empty, invalid UTF-8, deep nesting, a
  number too long for Python, a value near the broker's size limit);
- `wrong_shape`: valid JSON that is no event (scalars, lists, objects with random keys);
- `schema`: JSON drawn from the topic's event JSON Schemas (`shared/schemas`, through
  schemathesis' negative and positive generation) that the codec still refuses;
- `lying_headers`: a valid event of the topic whose Kafka headers lie about its type or version.

Each message's key is a unique tag, which every dead letter carries back (`original_key`).
Only messages the consumers must refuse are kept: the codec's `decode` (intake: its submission
parser) must refuse each one; a random message that happens to be a valid event is dropped, as
handling valid events is what the other end-to-end tests check.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from schemathesis import GenerationMode

from complaint_events import (
    EVENT_TYPE_HEADER,
    SCHEMA_VERSION_HEADER,
    SUBMITTED,
    TOPICS,
    Channel,
    DecodeError,
    TopicSpec,
    decode,
    encode,
    headers_for,
    new_event,
)
from complaint_events.examples import COMPLAINT_ID, example_payloads
from tests.faults.drill import rejecters

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"
KINDS = ("bytes", "wrong_shape", "schema", "lying_headers")
BROKER_LIMIT = 1_000_000
"""Largest value sent: just under the broker's default message.max.bytes (1,048,588)."""

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Fuzz:
    """One bad message: where it goes, its bytes, and which services must dead-letter it."""

    kind: str
    topic: TopicSpec
    key: bytes
    value: bytes
    headers: Headers
    rejecters: frozenset[str]


def consumed_topics() -> list[TopicSpec]:
    return [spec for spec in TOPICS if spec.consumers]


def refused(spec: TopicSpec, value: bytes, headers: Headers) -> bool:
    """Whether the consumers must refuse the message: the codec (intake: its submission
    parser, which also takes bare submissions) does not make an event of it."""
    if spec == SUBMITTED:
        return _intake_refuses(value, headers)
    try:
        decode(value, headers)
    except DecodeError:
        return True
    except Exception:  # a crash of the codec is a refusal the services must survive
        return True
    return False


def _intake_refuses(value: bytes, headers: Headers) -> bool:
    from complaint_intake.domain.parsing import parse_submission
    from complaint_intake.domain.refusals import Refusal
    from complaint_intake.settings import IntakeSettings

    defaults = IntakeSettings.model_fields
    parsed = parse_submission(
        value,
        headers,
        default_channel=Channel(defaults["kafka_default_channel"].default),
        max_bytes=defaults["max_body_bytes"].default,
        phone_region=defaults["phone_region"].default,
    )
    return isinstance(parsed, Refusal)


def drawn(strategy: st.SearchStrategy[Any], count: int, seed: int) -> list[Any]:
    """`count` examples of `strategy`, reproducible from `seed` (hypothesis' own run, so its
    edge-case heuristics apply; no database, no shrinking needed)."""
    found: list[Any] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example: Any) -> None:
        found.append(example)

    collect()
    return found[:count]


def edge_values() -> list[bytes]:
    """The hostile values worth sending every time."""
    filler = random.Random(0).randbytes(BROKER_LIMIT)
    return [
        b"",
        b"\xff\xfe\xfd",
        b'{"event_type": "\xc3\x28"}',
        b"[" * 200_000,
        b'{"a":' * 100_000,
        b"1" * 5_000,
        b'{"event_type": "ComplaintReceived", "schema_version": ' + b"9" * 5_000 + b"}",
        b"NaN",
        b'{"event_type": null, "payload": {}}',
        filler,
        b'{"payload": "' + b"x" * (BROKER_LIMIT - 20) + b'"}',
    ]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner),
    max_leaves=30,
)
WRONG_SHAPE = JSON | st.fixed_dictionaries(
    {"event_type": st.text(max_size=30) | st.integers(), "payload": JSON},
    optional={"schema_version": JSON, "complaint_id": JSON, "event_id": JSON},
)


def as_json(body: Any) -> bytes | None:
    """Generated bodies as Kafka values: raw bytes as they are, JSON as UTF-8 text."""
    if isinstance(body, bytes):
        return body
    try:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        return None


@cache
def schema_strategy(event_type: str, version: int) -> st.SearchStrategy[Any]:
    """Bodies from the event's JSON Schema, valid and invalid, generated by schemathesis as
    the request body of a one-route OpenAPI document (its public generator)."""
    schema = json.loads((SCHEMAS / f"{event_type}.v{version}.json").read_text("utf-8"))
    text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/')
    body = json.loads(text)
    definitions = body.pop("$defs", {})
    for name in ("$id", "$schema"):
        body.pop(name, None)
    document = {
        "openapi": "3.1.0",
        "info": {"title": event_type, "version": str(version)},
        "paths": {
            "/event": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": body}},
                    },
                    "responses": {"200": {"description": "taken"}},
                }
            }
        },
        "components": {"schemas": definitions},
    }
    operation = schemathesis.openapi.from_dict(document)["/event"]["POST"]
    return st.one_of(
        operation.as_strategy(generation_mode=mode).map(lambda case: case.body)
        for mode in (GenerationMode.NEGATIVE, GenerationMode.POSITIVE)
    )


def schema_bodies(spec: TopicSpec) -> st.SearchStrategy[Any]:
    from complaint_events import EVENT_TYPES

    return st.sampled_from(spec.event_types).flatmap(
        lambda name: schema_strategy(name, EVENT_TYPES[name].schema_version)
    )


def lying_messages(spec: TopicSpec) -> list[tuple[bytes, Headers]]:
    """A valid event of the topic under headers that name another type or version."""
    examples = example_payloads()
    own = examples[spec.event_types[0]]
    event = new_event(own, producer="fuzz", complaint_id=_complaint_id(own))
    value, honest = encode(event), headers_for(event)
    stranger = next(name for name in examples if name not in spec.event_types)
    others = [(name, raw) for name, raw in honest if name != EVENT_TYPE_HEADER]
    versions = [(name, raw) for name, raw in honest if name != SCHEMA_VERSION_HEADER]
    return [
        (value, [*others, (EVENT_TYPE_HEADER, stranger.encode())]),
        (value, [*others, (EVENT_TYPE_HEADER, b"ComplaintTeleported")]),
        (value, [*others, (EVENT_TYPE_HEADER, b"")]),
        (value, [*versions, (SCHEMA_VERSION_HEADER, b"2")]),
        (value, [*versions, (SCHEMA_VERSION_HEADER, b"one")]),
        (value, [*honest, (EVENT_TYPE_HEADER, stranger.encode())]),  # the later one counts
        (b"{}", honest),
        (value.replace(b'"schema_version":1', b'"schema_version":7'), honest[:1]),
        (b"{}", [(f"x-fuzz-{n}", b"") for n in range(1_001)]),
    ]


def _complaint_id(payload: Any) -> str | None:
    """The example complaint's id where the event needs one and does not carry its own."""
    if getattr(payload, "complaint_id", None) or not type(payload).requires_complaint_id:
        return None
    return COMPLAINT_ID


def generate(count: int, schema_count: int, seed: int, tag: str) -> list[Fuzz]:
    """Every kind of bad message for every consumed topic, keyed `tag-<topic>-<kind>-<n>`:
    `count` examples of random bytes and JSON, `schema_count` from the schemas (slower)."""
    messages: list[Fuzz] = []
    for n, spec in enumerate(consumed_topics()):
        candidates: dict[str, Iterable[tuple[bytes, Headers]]] = {
            "bytes": [
                (value, []) for value in (*edge_values(), *drawn(st.binary(), count, seed + n))
            ],
            "wrong_shape": _bodies(drawn(WRONG_SHAPE, count, seed + n)),
            "schema": _bodies(drawn(schema_bodies(spec), schema_count, seed + n)),
            "lying_headers": lying_messages(spec),
        }
        for kind, found in candidates.items():
            messages.extend(_refused(spec, kind, found, tag))
    return messages


def _bodies(bodies: Sequence[Any]) -> list[tuple[bytes, Headers]]:
    return [(value, []) for value in map(as_json, bodies) if value is not None]


def _refused(
    spec: TopicSpec, kind: str, found: Iterable[tuple[bytes, Headers]], tag: str
) -> list[Fuzz]:
    short = spec.name.split(".")[1]
    return [
        Fuzz(
            kind,
            spec,
            f"{tag}-{short}-{kind}-{n}".encode(),
            value,
            headers,
            rejecters(spec, headers),
        )
        for n, (value, headers) in enumerate(found)
        if refused(spec, value, headers)
    ]


def count_by(messages: Iterable[Fuzz], key: Callable[[Fuzz], str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in messages:
        counts[key(message)] = counts.get(key(message), 0) + 1
    return dict(sorted(counts.items()))
