"""A minimal service on the runtime, against the real broker: events in, dead letters out."""

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream import AckPolicy
from faststream.kafka.annotations import KafkaMessage
from httpx import ASGITransport, AsyncClient
from prometheus_client import CollectorRegistry

from complaint_events import (
    LIFECYCLE,
    REJECTED,
    ComplaintAcknowledged,
    decode,
    encode,
    headers_for,
    message_key,
    new_event,
    topic_name,
)
from complaint_runtime import (
    Consumed,
    DeadLetters,
    Input,
    Service,
    ServiceSettings,
    Wiring,
    create_app,
    group_id,
    kafka_check,
    make_broker,
    topic,
)

pytestmark = pytest.mark.integration


def build(settings: ServiceSettings, seen: list[Any]):
    registry = CollectorRegistry()
    broker = make_broker(settings, service="probe", registry=registry)
    dead = DeadLetters(broker, settings, service="probe", registry=registry)

    @broker.subscriber(
        topic(settings, LIFECYCLE),
        group_id=group_id(settings, "probe"),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
    )
    async def on_lifecycle(message: KafkaMessage) -> None:
        event = await dead.decode(message.raw_message)
        if event is not None:
            seen.append(event)

    app = create_app(
        title="probe",
        version="0",
        settings=settings,
        broker=broker,
        registry=registry,
        checks={"kafka": kafka_check(broker)},
    )
    return app


async def wait_for(condition, seconds: float = 20.0) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_events_are_handled_and_garbage_is_dead_lettered_with_its_bytes(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    settings = ServiceSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        consumer_group_prefix=f"{topic_prefix}groups",
    )
    seen: list[Any] = []
    app = build(settings, seen)
    good = new_event(ComplaintAcknowledged(actor="qa-1"), producer="test", complaint_id="c-1")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    lifecycle = topic_name(LIFECYCLE, topic_prefix)
    await producer.send_and_wait(
        lifecycle, encode(good), key=message_key(good), headers=headers_for(good)
    )
    await producer.send_and_wait(lifecycle, b"\xff\xfe not json", key=b"c-2")
    await producer.stop()

    async with app.router.lifespan_context(app):
        # the run's tests share its topics: look for this test's event among the others
        await wait_for(lambda: any(event.event_id == good.event_id for event in seen))
        async with AsyncClient(transport=ASGITransport(app), base_url="http://t") as client:
            ready = await client.get("/health/ready")
            # lag is sampled every 5 s; the consumer may still be working through the
            # run's earlier messages, so wait until every assigned partition reads 0
            for _ in range(12):
                await asyncio.sleep(5)
                metrics = (await client.get("/metrics")).text
                lag_lines = [
                    line
                    for line in metrics.splitlines()
                    if line.startswith("complaints_consumer_lag{")
                ]
                if lag_lines and all(line.endswith(" 0.0") for line in lag_lines):
                    break
    assert ready.status_code == 200
    assert lag_lines and all(line.endswith(" 0.0") for line in lag_lines), lag_lines
    dead = [line for line in metrics.splitlines() if line.startswith("complaints_dead_letters")]
    assert any(
        'reason="not_utf8"' in line
        and 'service="probe"' in line
        and 'topic="complaints.lifecycle.v1"' in line
        and float(line.rsplit(" ", 1)[1]) >= 1  # others' garbage shares the topic
        for line in dead
    ), dead

    letter = await letter_for(kafka_bootstrap, topic_prefix, original=b"\xff\xfe not json")
    assert letter.payload.original_value == b"\xff\xfe not json"
    assert letter.payload.reason_codes == ["not_utf8"]
    assert letter.payload.source_topic == lifecycle
    assert letter.payload.rejected_by == "probe"


async def letter_for(bootstrap: str, prefix: str, *, original: bytes) -> Any:
    """The dead letter carrying these bytes (other tests' letters share the run's topic)."""
    reader = AIOKafkaConsumer(
        topic_name(REJECTED, prefix), bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await reader.start()
    try:
        async with asyncio.timeout(30):
            async for record in reader:
                letter = decode(record.value)
                if letter.payload.original_value == original:
                    return letter
    finally:
        await reader.stop()
    raise AssertionError("no dead letter")


async def test_the_service_shell_consumes_through_the_pipeline_on_the_real_broker(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    """A `Service` with one handler: its events are handled, the one it fails on is
    dead-lettered with the failure, the other messages of its batch are not held back."""
    settings = ServiceSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        consumer_group_prefix=f"{topic_prefix}shell",
    )
    service = Service("shell-probe", settings, version="0", title="Probe")
    handled: list[str] = []
    good_id, poison_id = str(uuid.uuid4()), str(uuid.uuid4())

    async def handle(batch: Sequence[Consumed[Any]]) -> None:
        if any(consumed.item.complaint_id == poison_id for consumed in batch):
            raise ValueError("a bug")
        handled.extend(consumed.item.event_id for consumed in batch)

    service.consume(
        Input(LIFECYCLE, events=frozenset({"ComplaintAcknowledged"})), handle=handle, doing="probe"
    )
    app = service.app(Wiring(), checks={})
    good, poison = (
        new_event(ComplaintAcknowledged(actor="qa-1"), producer="test", complaint_id=cid)
        for cid in (good_id, poison_id)
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    lifecycle = topic_name(LIFECYCLE, topic_prefix)
    for event in (poison, good):
        await producer.send_and_wait(
            lifecycle, encode(event), key=message_key(event), headers=headers_for(event)
        )
    await producer.stop()

    async with app.router.lifespan_context(app):
        await wait_for(lambda: good.event_id in handled, seconds=60)
    letter = await letter_for(kafka_bootstrap, topic_prefix, original=encode(poison))
    assert poison.event_id not in handled
    assert letter.payload.rejected_by == "shell-probe"
    assert letter.complaint_id == poison_id
    assert letter.payload.detail == "shell-probe could not probe ComplaintAcknowledged: ValueError"
