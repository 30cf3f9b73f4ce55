"""The demo set (`demo_complaints.yaml`) and how it is fed: half through intake's REST API, half
as `ComplaintSubmitted` events on the submitted topic, each complaint from its preset's source
system (`demo-<preset>`, mapped to the preset for the classifier).

A `ReceiptTap` reads the received and dead-letter topics from where they ended before the feed,
to learn which complaint id intake gave each complaint that came by Kafka (or why it refused it).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream.kafka.security import parse_security

from complaint_events import (
    RECEIVED,
    REJECTED,
    SUBMITTED,
    ComplaintReceived,
    ComplaintSubmitted,
    DecodeError,
    SubmissionRejected,
    decode,
    encode,
    headers_for,
    message_key,
    new_event,
    topic_name,
)
from complaint_runtime import ServiceSettings, security

DEMO_FILE = Path(__file__).with_name("demo_complaints.yaml")
SOURCE_PREFIX = "demo-"


@dataclass(frozen=True)
class DemoComplaint:
    key: str
    preset: str
    via: str
    """http: intake's REST API; kafka: a ComplaintSubmitted event."""
    language: str
    expect_severity: str
    submission: dict[str, Any]

    @property
    def source_system(self) -> str:
        return f"{SOURCE_PREFIX}{self.preset}"

    def body(self, run_tag: str) -> dict[str, Any]:
        """The submission with its source system and a reference unique to this run."""
        reference = f"{run_tag}-{self.key}"
        return {"source_system": self.source_system, "external_reference": reference} | dict(
            self.submission
        )


@dataclass
class Fed:
    """One demo complaint handed in, and what intake answered."""

    item: DemoComplaint
    external_reference: str
    complaint_id: str | None = None
    complaint_number: str | None = None
    refused: str | None = None


def load_demo(path: Path = DEMO_FILE) -> list[DemoComplaint]:
    entries = yaml.safe_load(path.read_text("utf-8"))["complaints"]
    return [DemoComplaint(**entry) for entry in entries]


def policy_by_source(demo: list[DemoComplaint]) -> dict[str, str]:
    """CLASSIFIER_POLICY_BY_SOURCE for the demo: each source system to its preset."""
    return {item.source_system: item.preset for item in demo}


async def feed(
    demo: list[DemoComplaint],
    *,
    run_tag: str,
    intake_url: str,
    api_key: str,
    bootstrap: str,
    topic_prefix: str,
) -> list[Fed]:
    """Submit every demo complaint by its channel; HTTP receipts carry the complaint id."""
    by_http = [item for item in demo if item.via == "http"]
    by_kafka = [item for item in demo if item.via == "kafka"]
    async with httpx.AsyncClient(base_url=intake_url, headers={"X-API-Key": api_key}) as client:
        posted = [await _post(client, item, run_tag) for item in by_http]
    published = await _publish(by_kafka, run_tag, bootstrap, topic_prefix)
    return posted + published


async def _post(client: httpx.AsyncClient, item: DemoComplaint, run_tag: str) -> Fed:
    body = item.body(run_tag)
    fed = Fed(item, body["external_reference"])
    answer = await client.post("/v1/complaints", json=body, timeout=30)
    if answer.status_code in (200, 202):
        receipt = answer.json()
        fed.complaint_id, fed.complaint_number = (
            receipt["complaint_id"],
            receipt["complaint_number"],
        )
    else:
        fed.refused = f"intake answered HTTP {answer.status_code}: {answer.text[:200]}"
    return fed


async def _publish(
    items: list[DemoComplaint], run_tag: str, bootstrap: str, topic_prefix: str
) -> list[Fed]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **_security(bootstrap))
    await producer.start()
    try:
        fed = []
        for item in items:
            body = item.body(run_tag)
            event = new_event(ComplaintSubmitted.model_validate(body), producer="demo")
            await producer.send_and_wait(
                topic_name(SUBMITTED, topic_prefix),
                encode(event),
                key=message_key(event),
                headers=headers_for(event),
            )
            fed.append(Fed(item, body["external_reference"]))
        return fed
    finally:
        await producer.stop()


def _security(bootstrap: str) -> dict[str, Any]:
    return parse_security(security(ServiceSettings(kafka_bootstrap_servers=bootstrap)))


@dataclass
class ReceiptTap:
    """Intake's answers on Kafka: ComplaintReceived and dead letters, read from the topics'
    ends as they were at `start()` (before the feed)."""

    bootstrap: str
    topic_prefix: str
    received: dict[str, ComplaintReceived] = field(default_factory=dict)
    """By "source_system/external_reference"."""
    rejected: dict[str, SubmissionRejected] = field(default_factory=dict)
    """By the rejected message's key ("source_system/external_reference")."""
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> ReceiptTap:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, **_security(self.bootstrap)
        )
        await consumer.start()
        try:
            partitions = [
                TopicPartition(topic_name(spec, self.topic_prefix), number)
                for spec in (RECEIVED, REJECTED)
                for number in range(spec.partitions)
            ]
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            for partition in partitions:  # pin the end now, before anything is fed
                await consumer.position(partition)
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer
        self._task = asyncio.create_task(self._read(consumer))
        return self

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    self._take(record.value, record.headers)

    def _take(self, value: bytes, headers: Any) -> None:
        try:
            payload = decode(value, headers).payload
        except DecodeError:
            return
        if isinstance(payload, ComplaintReceived):
            submission = payload.submission
            self.received[f"{submission.source_system}/{submission.external_reference}"] = payload
        elif isinstance(payload, SubmissionRejected) and payload.original_key:
            self.rejected[payload.original_key.decode(errors="replace")] = payload

    def settle(self, fed: list[Fed]) -> None:
        """Fill in the complaint id (or the refusal) of each complaint fed by Kafka."""
        for entry in fed:
            key = f"{entry.item.source_system}/{entry.external_reference}"
            if entry.complaint_id is None and key in self.received:
                receipt = self.received[key]
                entry.complaint_id, entry.complaint_number = (
                    receipt.complaint_id,
                    receipt.complaint_number,
                )
            elif entry.complaint_id is None and key in self.rejected:
                reasons = ", ".join(self.rejected[key].reason_codes)
                entry.refused = f"intake dead-lettered it ({reasons})"

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()
