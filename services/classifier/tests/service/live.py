"""Helpers of the integration tests: the service in-process, producing and watching topics."""

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from complaint_classifier.app import build
from complaint_classifier.settings import ClassifierSettings
from complaint_events import (
    CLASSIFIED,
    REJECTED,
    DecodeError,
    Envelope,
    decode,
    encode,
    headers_for,
    message_key,
    topic_for_event_type,
    topic_name,
)


@contextlib.asynccontextmanager
async def running(
    settings: ClassifierSettings, **options: Any
) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """The whole service, started as uvicorn would (lifespan), with an HTTP client on it."""
    app = build(settings, **options)
    transport = ASGITransport(app)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=transport, base_url="http://classifier", timeout=30) as client,
    ):
        yield app, client


async def produce(bootstrap: str, prefix: str, events: Iterable[Envelope[Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                topic_name(topic_for_event_type(event.event_type), prefix),
                encode(event),
                key=message_key(event),
                headers=headers_for(event),
            )
    finally:
        await producer.stop()


async def produce_raw(
    bootstrap: str, topic: str, value: bytes, headers: list[tuple[str, bytes]] | None = None
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"garbage", headers=headers or [])
    finally:
        await producer.stop()


class Watch:
    """Everything published to the classified and dead-letter topics of a prefix."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.consumer = AIOKafkaConsumer(
            topic_name(CLASSIFIED, prefix),
            topic_name(REJECTED, prefix),
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
        )
        self.classified: dict[str, list[Envelope[Any]]] = defaultdict(list)
        self.rejected: list[Envelope[Any]] = []
        self.changed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "Watch":
        await self.consumer.start()
        self.task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.consumer.stop()

    async def _read(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    try:
                        event = decode(record.value, list(record.headers))
                    except DecodeError:
                        continue  # another test's deliberately bad message on a shared topic
                    if event.event_type == "SubmissionRejected":
                        self.rejected.append(event)
                    else:
                        self.classified[event.complaint_id].append(event)
            if batches:
                self.changed.set()

    async def until(self, done: Callable[[], bool], within: float = 60.0) -> None:
        async with asyncio.timeout(within):
            while not done():
                self.changed.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.5):
                        await self.changed.wait()

    async def results(self, complaint_ids: Iterable[str], within: float = 60.0) -> list[Any]:
        """The first ComplaintClassified of each complaint, in the order asked."""
        wanted = list(complaint_ids)
        await self.until(lambda: all(self.classified.get(cid) for cid in wanted), within)
        return [self.classified[cid][0] for cid in wanted]

    async def quiet(self, seconds: float = 2.0) -> None:
        """Waits until nothing new arrived for `seconds` (what is still coming has come)."""
        while True:
            self.changed.clear()
            try:
                async with asyncio.timeout(seconds):
                    await self.changed.wait()
            except TimeoutError:
                return


class Proxy:
    """A TCP forwarder in front of a server, to cut the service off and reconnect it."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stops listening and drops every open connection."""
        assert self.server is not None
        self.server.close()
        for writer in list(self.links):
            writer.close()
        self.links.clear()
        await self.server.wait_closed()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.links |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            self.links.discard(writer)


def partition_of(event: Envelope[Any], partitions: int = 6) -> int:
    """The partition the default partitioner puts the event on (murmur2 of its key)."""
    return DefaultPartitioner()(message_key(event), list(range(partitions)), None)


def assigned(app: FastAPI, topic: str) -> set[int]:
    """Partitions of `topic` the app's consumer holds now."""
    held: set[int] = set()
    for subscriber in app.state.broker.subscribers:
        consumer = getattr(subscriber, "consumer", None)
        if consumer is not None:
            held |= {part.partition for part in consumer.assignment() if part.topic == topic}
    return held


async def shared(apps: list[FastAPI], topic: str, within: float = 60.0) -> list[set[int]]:
    """Waits until every app holds some partitions of `topic` and together all six."""
    async with asyncio.timeout(within):
        while True:
            held = [assigned(app, topic) for app in apps]
            if all(held) and set().union(*held) == set(range(6)):
                return held
            await asyncio.sleep(0.2)
