"""The consumer pipeline on in-memory records: decode by header, dead letters, retry until the
dependency answers, narrowing a failing batch down to the message that causes it. The
services' live tests run the same pipeline on Kafka and MongoDB; test_runtime_integration
runs it on the real broker."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from complaint_events import (
    LIFECYCLE,
    RECEIVED,
    REJECTED,
    ComplaintAcknowledged,
    ComplaintClosed,
    DecodeError,
    Envelope,
    encode,
    headers_for,
    new_event,
    topic_name,
)
from complaint_events.dead_letters import rejection_for
from complaint_events.examples import example_payloads
from complaint_runtime import Consumed, Input, Pipeline, by_complaint, read_events

pytestmark = pytest.mark.unit


@dataclass
class Record:
    topic: str
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    key: bytes | None = None
    partition: int = 0
    offset: int = 0


@dataclass
class Letters:
    sent: list[tuple[Any, DecodeError]] = field(default_factory=list)

    async def send(self, record: Any, error: DecodeError) -> None:
        self.sent.append((record, error))


def record(event: Envelope[Any], spec: Any = LIFECYCLE) -> Record:
    key = (event.complaint_id or "").encode()
    return Record(topic_name(spec), encode(event), headers_for(event), key=key)


def acknowledged(complaint_id: str) -> Envelope[Any]:
    return new_event(ComplaintAcknowledged(actor="qa-1"), producer="t", complaint_id=complaint_id)


class Handler:
    """Records what it handled; fails for complaints in `poisoned`, or while `down` > 0."""

    def __init__(self, poisoned: frozenset[str] = frozenset(), down: int = 0) -> None:
        self.poisoned, self.down = poisoned, down
        self.handled: list[str] = []
        self.calls = 0

    async def __call__(self, batch: Sequence[Consumed[Envelope[Any]]]) -> None:
        self.calls += 1
        if self.down > 0:
            self.down -= 1
            raise ConnectionError("MongoDB is down")
        if any(c.item.complaint_id in self.poisoned for c in batch):
            raise ValueError("a bug")
        self.handled += [c.item.event_id for c in batch]


def pipeline(handle: Any, *inputs: Input, service: str = "probe") -> tuple[Pipeline[Any], Letters]:
    letters = Letters()
    wanted = inputs or (Input(LIFECYCLE),)
    piped = Pipeline(service, read_events(wanted, ""), handle, letters, group=by_complaint)
    return piped, letters


async def test_what_cannot_be_read_is_dead_lettered_with_its_bytes_and_the_rest_handled():
    handler = Handler()
    piped, letters = pipeline(handler)
    good = acknowledged("c-1")
    garbage = Record(topic_name(LIFECYCLE), b"\xff\xfe not json", key=b"c-2")

    await piped([record(good), garbage])

    assert handler.handled == [good.event_id]
    [(sent, why)] = letters.sent
    assert sent is garbage and why.reason_code == "not_utf8"


async def test_an_event_the_service_does_not_handle_is_passed_by_unparsed_or_refused():
    handler = Handler()
    wanted = frozenset({"ComplaintAcknowledged"})
    piped, letters = pipeline(
        handler,
        Input(LIFECYCLE, events=wanted),
        Input(RECEIVED, events=frozenset({"ComplaintReceived"}), others="refuse"),
    )
    closed = new_event(ComplaintClosed(**_closed()), producer="t", complaint_id="c-1")
    # the header says ComplaintClosed: not parsed, so even a broken body is passed by
    unparsed = Record(topic_name(LIFECYCLE), b"{broken", [("event_type", b"ComplaintClosed")])
    misplaced = record(acknowledged("c-3"), RECEIVED)

    await piped([record(closed), unparsed, misplaced, record(acknowledged("c-4"))])

    assert len(handler.handled) == 1
    [(sent, why)] = letters.sent
    assert sent is misplaced
    assert why.detail == "ComplaintAcknowledged does not belong on the complaints.received.v1 topic"


async def test_unreadable_messages_another_service_dead_letters_are_passed_by():
    handler = Handler()
    piped, letters = pipeline(handler, Input(LIFECYCLE, unreadable="skip"))
    await piped([Record(topic_name(LIFECYCLE), b"not json")])
    assert letters.sent == [] and handler.calls == 0


async def test_an_unavailable_dependency_is_retried_until_the_batch_is_handled(monkeypatch):
    monkeypatch.setattr("complaint_runtime.retry.wait_exponential", _no_wait)
    handler = Handler(down=3)
    piped, letters = pipeline(handler)
    events = [acknowledged(f"c-{n}") for n in range(3)]

    await piped([record(event) for event in events])

    assert handler.handled == [event.event_id for event in events]
    assert handler.calls == 4 and letters.sent == []


async def test_a_failing_batch_is_narrowed_to_the_message_that_causes_it():
    handler = Handler(poisoned=frozenset({"c-bad"}))
    piped, letters = pipeline(handler)
    events = [acknowledged("c-1"), acknowledged("c-bad"), acknowledged("c-2")]
    records = [record(event) for event in events]

    await piped(records)

    assert sorted(handler.handled) == sorted([events[0].event_id, events[2].event_id])
    [(sent, why)] = letters.sent
    assert sent is records[1]
    assert why.detail == "probe could not handle ComplaintAcknowledged: ValueError"
    assert [e.type for e in why.field_errors] == ["processing_failed"]


async def test_one_complaints_messages_are_retried_one_by_one_in_order():
    failing: set[str] = set()
    seen: list[str] = []

    async def handle(batch: Sequence[Consumed[Envelope[Any]]]) -> None:
        if any(c.item.event_id in failing for c in batch):
            raise ValueError("a bug")
        seen.extend(c.item.event_id for c in batch)

    piped, letters = pipeline(handle)
    events = [acknowledged("c-1") for _ in range(3)]
    failing.add(events[1].event_id)

    await piped([record(event) for event in events])

    assert seen == [events[0].event_id, events[2].event_id]
    assert [why.event_type for _, why in letters.sent] == ["ComplaintAcknowledged"]


async def test_a_handlers_refusals_are_dead_lettered():
    async def handle(batch: Sequence[Consumed[Envelope[Any]]]) -> list[DecodeError | None]:
        return [None, DecodeError("validation_failed", "no such class")]  # type: ignore[arg-type]

    piped, letters = pipeline(handle)
    records = [record(acknowledged("c-1")), record(acknowledged("c-2"))]
    await piped(records)
    assert [(sent, why.detail) for sent, why in letters.sent] == [(records[1], "no such class")]


async def test_the_services_own_dead_letter_is_never_dead_lettered_again():
    """Found by the consumer fuzz in the archive: a dead letter it could not store was
    dead-lettered, and that one failed the same way, forever."""

    async def handle(batch: Sequence[Consumed[Envelope[Any]]]) -> None:
        raise ValueError("the server refused the document")

    piped, letters = pipeline(handle, Input(REJECTED), service="archive")
    own, other = (_letter(by) for by in ("archive", "classifier"))
    records = [record(own, REJECTED), record(other, REJECTED)]

    await piped(records)

    assert [sent for sent, _ in letters.sent] == [records[1]]


async def test_parts_keep_each_keys_messages_together_and_in_order():
    seen: list[list[str]] = []

    async def handle(batch: Sequence[Consumed[Envelope[Any]]]) -> None:
        seen.append([c.item.complaint_id for c in batch])

    piped, _ = pipeline(handle)
    piped.parts = 4
    complaints = [f"c-{n % 5}" for n in range(40)]
    await piped([record(acknowledged(cid)) for cid in complaints])

    assert sorted(cid for part in seen for cid in part) == sorted(complaints)
    assert all(sum(cid in part for part in seen) == 1 for cid in set(complaints))
    assert 1 < len(seen) <= 4


def _closed() -> dict[str, Any]:
    return example_payloads()["ComplaintClosed"].model_dump()


def _letter(rejected_by: str) -> Envelope[Any]:
    error = DecodeError("not_json", "value is not JSON")  # type: ignore[arg-type]
    return new_event(rejection_for(error, rejected_by=rejected_by, value=b"{"), producer="t")


def _no_wait(**_: Any) -> Any:
    from tenacity import wait_none

    return wait_none()


@pytest.mark.parametrize("unreadable", ["refuse", "skip"])
async def test_a_crash_of_the_codec_is_a_refusal_not_a_stalled_batch(monkeypatch, unreadable):
    """The codec is meant to raise only DecodeError; where a value still crashes it (it
    raised OverflowError for a time at the calendar's edge), that message is refused as one
    that cannot be read, or passed by where another service dead-letters it, and the rest of
    its batch is handled."""
    from complaint_runtime import consumer

    real = consumer.decode

    def crashing(value: bytes, headers: Any) -> Envelope[Any]:
        if value == b"{crash}":
            raise OverflowError("date value out of range")
        return real(value, headers)

    monkeypatch.setattr(consumer, "decode", crashing)
    handler = Handler()
    piped, letters = pipeline(handler, Input(LIFECYCLE, unreadable=unreadable))  # type: ignore[arg-type]
    good = acknowledged("c-1")
    crash = Record(topic_name(LIFECYCLE), b"{crash}", key=b"c-2")

    await piped([crash, record(good)])

    assert handler.handled == [good.event_id]
    if unreadable == "skip":
        assert letters.sent == []
    else:
        [(sent, why)] = letters.sent
        assert sent is crash and why.reason_code == "validation_failed"
        assert why.detail == "the value could not be read (OverflowError)"
