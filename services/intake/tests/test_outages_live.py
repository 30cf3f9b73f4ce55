"""Kafka or MongoDB goes away mid-stream and comes back: nothing acknowledged is lost, nothing
unacknowledged is committed. Runs on a private broker and database (the shared stack is never
stopped)."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from httpx import AsyncClient

from complaint_events import RECEIVED, SUBMITTED, topic_name
from complaint_intake.settings import IntakeSettings
from tests.support.private_stack import PrivateStack

from .live import free_port, in_process, keys_file, read_events, source
from .samples import raw, submission
from .test_kafka_live import committed_everything

pytestmark = pytest.mark.integration
PREFIX = "outage."


@pytest.fixture
async def private(tmp_path: Path, topic_admin: Any) -> AsyncIterator[PrivateStack]:
    stack = await _started(tmp_path / "stack")
    try:
        await topic_admin.ensure(stack.kafka_bootstrap, PREFIX)
        yield stack
    finally:  # never leave a server of ours running, whatever failed
        await asyncio.to_thread(stack.down, "kafka")
        await asyncio.to_thread(stack.down, "mongo")


async def _started(directory: Path, attempts: int = 3) -> PrivateStack:
    """Both servers up; a port taken between choosing and binding it means another try."""
    for attempt in range(attempts):
        stack = PrivateStack(directory / str(attempt))
        try:
            await asyncio.to_thread(stack.up, "mongo")
            await asyncio.to_thread(stack.up, "kafka")
            return stack
        except RuntimeError:
            await asyncio.to_thread(stack.down, "kafka")
            await asyncio.to_thread(stack.down, "mongo")
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def settings_for(stack: PrivateStack, tmp_path: Path) -> IntakeSettings:
    return IntakeSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        mongodb_uri=stack.mongodb_uri,
        topic_prefix=PREFIX,
        api_keys_file=keys_file(tmp_path),
        rate_limit="1000000/second",
        http_port=free_port(),
        consume_submissions=True,
        unavailable_after_seconds=1,
        publish_timeout_seconds=3,
        retry_after_seconds=1,
    )


class Stream:
    """A well-behaved REST client: submits each body until it is acknowledged (202 or 200),
    retrying after a 503 as Retry-After says."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.acknowledged: dict[str, dict[str, Any]] = {}
        self.statuses: Counter[int] = Counter()
        self.progress = asyncio.Event()

    async def submit_all(self, bodies: list[bytes], workers: int = 2, pause: float = 0.2) -> None:
        """Spread over a few seconds, so the stream is still flowing when the outage starts."""
        queue = list(reversed(bodies))

        async def work() -> None:
            while queue:
                await self.submit(queue.pop())
                await asyncio.sleep(pause)

        await asyncio.gather(*(work() for _ in range(workers)))

    async def submit(self, body: bytes) -> None:
        while True:
            response = await self.client.post("/v1/complaints", content=body)
            self.statuses[response.status_code] += 1
            if response.status_code in (200, 202):
                self.acknowledged[response.json()["complaint_id"]] = response.json()
                self.progress.set()
                return
            assert response.status_code == 503, response.text
            await asyncio.sleep(float(response.headers["retry-after"]))
            await asyncio.sleep(0.05)


async def produce_steadily(bootstrap: str, values: list[bytes], every: float = 0.1) -> None:
    """One message every `every` seconds, each retried until the broker has it."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=3000)
    await producer.start()
    try:
        for value in values:
            while True:
                try:
                    await producer.send_and_wait(topic_name(SUBMITTED, PREFIX), value, key=b"k")
                    break
                except Exception:  # the broker is away: wait and send again
                    await asyncio.sleep(0.5)
            await asyncio.sleep(every)
    finally:
        await producer.stop()


async def outage_after(
    stream: Stream, acknowledged: int, stop: Callable[[], None], start: Callable[[], None]
) -> dict[str, Any]:
    """Stop a server once the stream is flowing, restart it 8 s later (longer than a client's
    server selection and retries, so 503s happen); the readiness report during the outage."""
    while len(stream.acknowledged) < acknowledged:
        await stream.progress.wait()
        stream.progress.clear()
    await asyncio.to_thread(stop)
    await asyncio.sleep(2)
    readiness = await stream.client.get("/health/ready")
    await asyncio.sleep(6)
    await asyncio.to_thread(start)
    return {**readiness.json(), "http_status": readiness.status_code}


def bodies(system: str, prefix: str, count: int) -> list[bytes]:
    return [
        raw(submission(source_system=system, external_reference=f"{prefix}-{n}"))
        for n in range(count)
    ]


async def all_received(live: IntakeSettings, system: str, count: int) -> list[Any]:
    return await read_events(
        live.kafka_bootstrap_servers,
        RECEIVED,
        PREFIX,
        lambda event: event.payload.submission.source_system == system,
        count=count,
        within=120,
        settle=2,
    )


def check(stream: Stream, events: list[Any], expected: int) -> None:
    by_reference = {e.payload.submission.external_reference: e for e in events}
    assert len(by_reference) == expected  # every submission became a complaint
    assert len({event.complaint_id for event in events}) == expected  # and only one
    for complaint_id, answer in stream.acknowledged.items():  # as acknowledged
        [event] = {e.event_id: e for e in events if e.complaint_id == complaint_id}.values()
        assert event.event_id == answer["received_event_id"]
        assert event.payload.complaint_number == answer["complaint_number"]


async def test_a_database_outage_mid_stream_loses_nothing(
    private: PrivateStack, tmp_path: Path
) -> None:
    live, system = settings_for(private, tmp_path), source()
    rest, kafka = bodies(system, "H", 40), bodies(system, "K", 40)
    async with in_process(live) as client:
        stream = Stream(client)
        _, _, readiness = await asyncio.gather(
            stream.submit_all(rest),
            produce_steadily(private.kafka_bootstrap, kafka),
            outage_after(stream, 10, lambda: private.down("mongo"), lambda: private.up("mongo")),
        )
        events = await all_received(live, system, 80)
        assert await committed_everything(live, within=60)
    assert stream.statuses[503] > 0  # the outage was felt
    assert readiness["http_status"] == 503 and readiness["checks"]["mongodb"] != "ok"
    assert readiness["checks"]["kafka"] == "ok"
    check(stream, events, 80)


async def test_a_broker_outage_mid_stream_loses_nothing(
    private: PrivateStack, tmp_path: Path
) -> None:
    live, system = settings_for(private, tmp_path), source()
    rest, kafka = bodies(system, "H", 40), bodies(system, "K", 40)
    async with in_process(live) as client:
        stream = Stream(client)
        _, _, readiness = await asyncio.gather(
            stream.submit_all(rest),
            produce_steadily(private.kafka_bootstrap, kafka),
            outage_after(stream, 10, lambda: private.down("kafka"), lambda: private.up("kafka")),
        )
        events = await all_received(live, system, 80)
        assert await committed_everything(live, within=60)
    assert stream.statuses[503] > 0
    assert readiness["http_status"] == 503 and readiness["checks"]["kafka"] != "ok"
    assert readiness["checks"]["mongodb"] == "ok"
    check(stream, events, 80)
