"""Personal data leaves Kafka once the topic retention has passed (issue 14, item 12).

The topics are created by the product's own code path (`deploy/local/topics.py`), under this
run's prefix, with a retention of one second instead of the default week. A complainant's name
is produced to every topic that carries personal data; Kafka deletes only closed segments, so a
filler record is produced now and then, and a new consumer reading from the earliest offset is
asked, until a generous limit, whether it still sees the name. A topic without personal data
keeps its record.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from complaint_events import NOTICES, PERSONAL_DATA_TOPICS, TOPICS, topic_name
from deploy.local.topics import admin_client, delete_topics, described_configs, ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]

RETENTION_MS = 1000
DEFAULT_CHECK_INTERVAL_MS = 300_000  # Kafka's log.retention.check.interval.ms
KEY = b"TS-2026-RETENTION"


@pytest.fixture
async def prefix(kafka_bootstrap: str, run_id: str) -> AsyncIterator[str]:
    prefix = f"retention-{run_id}."
    created = await ensure_topics(kafka_bootstrap, prefix, retention_ms=RETENTION_MS)
    assert len(created) == len(TOPICS)
    yield prefix
    await delete_topics(kafka_bootstrap, prefix)


async def topic_configs(bootstrap: str, names: list[str]) -> dict[str, dict[str, str]]:
    """Each topic's configuration, once the broker describes every one of them (a topic just
    created can be unknown to it for a moment: a fresh-clone CI run beside a CPU-bound process
    read the `before` of one with no `retention.ms`)."""
    admin = admin_client(bootstrap)
    await admin.start()
    try:
        return await described_configs(admin, names)
    finally:
        await admin.close()


async def retention_check_interval_ms(bootstrap: str) -> int:
    """How often the broker deletes expired segments: it bounds how long the test may wait."""
    admin = admin_client(bootstrap)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        node = str(cluster["brokers"][0]["node_id"])
        answers = await admin.describe_configs(
            [
                ConfigResource(
                    ConfigResourceType.BROKER, node, {"log.retention.check.interval.ms": None}
                )
            ]
        )
    finally:
        await admin.close()
    for answer in answers:
        for _code, _message, _type, _name, entries in answer.resources:
            for entry in entries:
                if entry[0] == "log.retention.check.interval.ms" and entry[1]:
                    return int(entry[1])
    return DEFAULT_CHECK_INTERVAL_MS


async def readable_values(bootstrap: str, topic: str, partitions: int = 6) -> list[bytes]:
    """Everything a new consumer (no group, no committed offset) reads from the earliest offset."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, number) for number in range(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        values: list[bytes] = []
        while any([await consumer.position(tp) < ends[tp] for tp in assigned]):
            batches = await consumer.getmany(*assigned, timeout_ms=2000)
            for records in batches.values():
                values.extend(record.value or b"" for record in records)
        return values
    finally:
        await consumer.stop()


async def test_a_complainants_data_is_gone_from_every_personal_data_topic_after_retention(
    kafka_bootstrap: str, prefix: str, run_id: str
) -> None:
    personal = [topic_name(spec, prefix) for spec in PERSONAL_DATA_TOPICS]
    partitions = {topic_name(spec, prefix): spec.partitions for spec in TOPICS}
    others = [topic_name(spec, prefix) for spec in TOPICS if not spec.personal_data]
    configs = await topic_configs(kafka_bootstrap, personal + others)
    for name in personal:
        assert configs[name]["retention.ms"] == str(RETENTION_MS), name
        assert configs[name]["segment.ms"] == str(RETENTION_MS // 2), name
    for spec in TOPICS:
        if not spec.personal_data:
            assert configs[topic_name(spec, prefix)]["retention.ms"] == str(spec.retention_ms)

    name = f"Wilhelmina Retentionprobe {run_id}".encode()
    record = b'{"complainant": {"name": "' + name + b'", "phone": "+44 20 7946 0958"}}'
    kept = topic_name(NOTICES, prefix)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for topic in personal:
            await producer.send_and_wait(topic, record, key=KEY)
        await producer.send_and_wait(kept, b"a notice to staff, no personal data", key=KEY)
        for topic in personal:
            assert any(
                name in value
                for value in await readable_values(kafka_bootstrap, topic, partitions[topic])
            )

        interval_s = await retention_check_interval_ms(kafka_bootstrap) / 1000
        started = time.monotonic()
        limit = started + 2 * interval_s + 120
        remaining = set(personal)
        while remaining and time.monotonic() < limit:
            await asyncio.sleep(2)
            for topic in sorted(remaining):
                # a newer record lets the segment holding the name close and expire
                await producer.send_and_wait(topic, b"filler", key=KEY)
                if not any(
                    name in value
                    for value in await readable_values(kafka_bootstrap, topic, partitions[topic])
                ):
                    remaining.discard(topic)
    finally:
        await producer.stop()

    waited = time.monotonic() - started
    assert not remaining, f"the complainant is still readable after {waited:.0f}s in {remaining}"
    assert await readable_values(kafka_bootstrap, kept, partitions[kept]), (
        "a topic without personal data lost data"
    )


async def test_running_the_topic_creation_again_applies_a_new_retention_to_existing_topics(
    kafka_bootstrap: str, run_id: str
) -> None:
    prefix = f"retention-again-{run_id}."
    names = {spec.name: topic_name(spec, prefix) for spec in TOPICS}
    try:
        await ensure_topics(kafka_bootstrap, prefix)  # the default week
        before = await topic_configs(kafka_bootstrap, list(names.values()))
        assert await ensure_topics(kafka_bootstrap, prefix, retention_ms=3_600_000) == []
        # the controller accepted the change; the broker's metadata follows within moments
        deadline = time.monotonic() + 60
        while True:
            after = await topic_configs(kafka_bootstrap, list(names.values()))
            changed = {after[names[spec.name]]["retention.ms"] for spec in PERSONAL_DATA_TOPICS}
            if changed == {"3600000"} or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        await delete_topics(kafka_bootstrap, prefix)
    for spec in TOPICS:
        name = names[spec.name]
        if spec.personal_data:
            assert before[name]["retention.ms"] == "604800000"
            assert (after[name]["retention.ms"], after[name]["segment.ms"]) == (
                "3600000",
                "1800000",
            )
        else:
            assert before[name]["retention.ms"] == after[name]["retention.ms"] == "-1"
