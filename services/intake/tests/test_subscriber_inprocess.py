"""The submitted-topic subscriber with FastStream's in-memory broker and in-memory adapters."""

import asyncio
import base64
from collections.abc import Sequence
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaint_events import REJECTED, SUBMITTED, topic_name
from complaint_intake.app import build
from complaint_intake.domain.records import Reservation
from complaint_intake.settings import IntakeSettings

from .fakes import MemoryStore
from .inprocess import Fakes, api_keys, running
from .samples import enveloped, raw, submission
from .strategies import messages

pytestmark = pytest.mark.unit
PREFIX = "unit."


def app_with_dead_letter_capture(fakes: Fakes) -> tuple[Any, list[dict[str, Any]]]:
    app = build(IntakeSettings(topic_prefix=PREFIX), keys=api_keys(), open_intake=fakes.open)
    broker: KafkaBroker = app.state.broker
    captured: list[dict[str, Any]] = []

    @broker.subscriber(topic_name(REJECTED, PREFIX))
    async def capture(body: dict[str, Any]) -> None:
        captured.append(body)

    return app, captured


async def send(app: Any, value: bytes, **headers: str) -> None:
    await app.state.broker.publish(
        value, topic=topic_name(SUBMITTED, PREFIX), key=b"k", headers=headers
    )


async def test_good_submissions_bare_or_enveloped_become_complaint_received() -> None:
    fakes = Fakes()
    app, dead = app_with_dead_letter_capture(fakes)
    async with running(app):
        await send(app, raw(submission()))
        await send(app, enveloped(submission(external_reference="B-2")))
        await send(app, raw(submission()))  # a redelivery
    assert [event.event_type for event in fakes.publisher.events] == ["ComplaintReceived"] * 2
    assert dead == []
    metrics = app.state.wiring.metrics
    assert metrics.received.labels("kafka")._value.get() == 2
    assert metrics.duplicates.labels("kafka")._value.get() == 1


async def test_bad_messages_are_dead_lettered_with_reasons_fields_and_original_bytes() -> None:
    fakes = Fakes()
    app, dead = app_with_dead_letter_capture(fakes)
    invalid = raw(submission(channel="pigeon"))
    async with running(app):
        await send(app, b"\xff not utf-8")
        await send(app, invalid)
        await send(app, raw(submission()))
        await send(app, raw(submission(description="changed")))  # same reference, other content
    reasons = [letter["payload"]["reason_codes"] for letter in dead]
    assert reasons == [["not_utf8"], ["validation_failed"], ["validation_failed"]]
    assert base64.b64decode(dead[1]["payload"]["original_value"]) == invalid
    assert [e["field"] for e in dead[1]["payload"]["field_errors"]] == ["channel"]
    assert dead[2]["payload"]["field_errors"][0]["type"] == "duplicate_conflict"
    assert all(letter["payload"]["source_topic"].endswith(SUBMITTED.name) for letter in dead)
    assert len(fakes.publisher.events) == 1


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(messages, max_size=8))
async def test_random_messages_are_each_accounted_for(messages: list[bytes]) -> None:
    fakes = Fakes()
    app, dead = app_with_dead_letter_capture(fakes)
    async with running(app):
        for message in messages:
            await send(app, message)
    metrics = app.state.wiring.metrics
    counted = (
        metrics.received.labels("kafka")._value.get()
        + metrics.duplicates.labels("kafka")._value.get()
    )
    assert counted + len(dead) == len(messages)


def app_with(fakes: Fakes, **settings: Any) -> tuple[Any, list[dict[str, Any]]]:
    app = build(
        IntakeSettings(topic_prefix=PREFIX, **settings), keys=api_keys(), open_intake=fakes.open
    )
    captured: list[dict[str, Any]] = []

    @app.state.broker.subscriber(topic_name(REJECTED, PREFIX))
    async def capture(body: dict[str, Any]) -> None:
        captured.append(body)

    return app, captured


async def test_an_oversized_message_is_dead_lettered_with_its_bytes_cut_at_the_limit() -> None:
    app, dead = app_with(Fakes(), max_body_bytes=2048)
    huge = raw(submission(description="破" * 2000))
    async with running(app):
        await send(app, huge)
    [letter] = dead
    assert letter["payload"]["field_errors"][0]["type"] == "too_large"
    assert base64.b64decode(letter["payload"]["original_value"]) == huge[:2048]


async def test_while_a_dependency_is_down_the_message_waits_and_nothing_is_dead_lettered() -> None:
    fakes = Fakes()
    app, dead = app_with(fakes)
    fakes.publisher.down = True
    async with running(app):
        delivery = asyncio.create_task(send(app, raw(submission())))
        await asyncio.sleep(1.0)
        assert not delivery.done()  # retrying, offset not committed
        fakes.publisher.down = False
        await asyncio.wait_for(delivery, 30)
    assert dead == []
    assert [event.event_type for event in fakes.publisher.events] == ["ComplaintReceived"]


class ExplodingStore(MemoryStore):
    """Fails unexpectedly (not a dependency outage) for one external reference."""

    async def reserve(self, reservations: Sequence[Reservation]) -> set[str]:
        if any(r.key.endswith("|BOOM") for r in reservations):
            raise RuntimeError("a bug")
        return await super().reserve(reservations)


async def test_an_unexpected_failure_is_narrowed_to_its_message_and_dead_lettered() -> None:
    fakes = Fakes()
    fakes.store = ExplodingStore()
    app, dead = app_with(fakes, kafka_parts=1)
    batch = [raw(submission(external_reference=ref)) for ref in ("OK-1", "BOOM", "OK-2")]
    async with running(app):
        await app.state.broker.publish_batch(*batch, topic=topic_name(SUBMITTED, PREFIX))
    [letter] = dead
    assert letter["payload"]["field_errors"][0]["type"] == "processing_failed"
    assert b"BOOM" in base64.b64decode(letter["payload"]["original_value"])
    received = [event.payload.submission.external_reference for event in fakes.publisher.events]
    assert sorted(received) == ["OK-1", "OK-2"]
