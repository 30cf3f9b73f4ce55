"""Helpers of the archive's integration tests: the use cases on a real database, keys, Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from complaint_archive.adapters.files import AttachmentFiles
from complaint_archive.adapters.indexes import prepare
from complaint_archive.adapters.queries import ArchiveQueries
from complaint_archive.adapters.store import ArchiveStore
from complaint_archive.domain import RetentionPolicies, RetentionRule
from complaint_archive.metrics import ArchiveMetrics
from complaint_archive.service_layer import Archive, Archived, Delivered, archive_events
from complaint_events import Envelope, encode, headers_for, message_key, topic_for_event_type
from complaint_events import topic_name as catalogue_topic
from complaint_runtime import ApiKeys
from complaint_runtime.auth import KeyEntry, digest

READER, PRIVILEGED, WRITER = "reader-key", "privileged-key", "writer-key"
POLICIES = RetentionPolicies(
    default=RetentionRule(years_after_closure=5),
    by_policy={
        "pharma-quality": RetentionRule(years_after_closure=1, years_after_product_expiry=1),
        "hospital": RetentionRule(years_after_closure=5),
    },
)


def api_keys() -> ApiKeys:
    return ApiKeys(
        [
            KeyEntry(id="reader", sha256=digest(READER), scopes=["read"]),
            KeyEntry(id="privileged", sha256=digest(PRIVILEGED), scopes=["read", "privileged"]),
            KeyEntry(id="writer", sha256=digest(WRITER), scopes=["read", "write"]),
        ],
        "100000/second",
    )


@dataclass
class MemoryPublisher:
    published: list[Envelope[Any]] = field(default_factory=list)

    async def publish(self, event: Envelope[Any]) -> None:
        self.published.append(event)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def archive_on(
    client: AsyncMongoClient[Any],
    database: str,
    *,
    unlinked_retention: timedelta | None = None,
) -> AsyncIterator[tuple[Archive, MemoryPublisher, Clock]]:
    """The use cases on a real database."""
    db = client[database]
    text_index = await prepare(db)
    publisher, clock = MemoryPublisher(), Clock()
    archive = Archive(
        store=ArchiveStore(db, unlinked_retention=unlinked_retention),
        queries=ArchiveQueries(db, text_index=text_index),
        files=AttachmentFiles(db),
        publisher=publisher,
        policies=POLICIES,
        metrics=ArchiveMetrics(CollectorRegistry()),
        clock=clock,
    )
    yield archive, publisher, clock


async def ingest(archive: Archive, events: Iterable[Envelope[Any]]) -> Archived:
    return await archive_events(archive, [Delivered(event) for event in events])


async def publish_all(bootstrap: str, prefix: str, events: Iterable[Envelope[Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                catalogue_topic(topic_for_event_type(event.event_type), prefix),
                encode(event),
                key=message_key(event),
                headers=headers_for(event),
            )
    finally:
        await producer.stop()


async def publish_raw(
    bootstrap: str, topic: str, value: bytes, headers: list[tuple[str, bytes]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"bad", headers=headers)
    finally:
        await producer.stop()
