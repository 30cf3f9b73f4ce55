"""The harness reaches a real Kafka broker: keys, headers, partitions and committed offsets."""

from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

pytestmark = pytest.mark.integration


@pytest.fixture
async def topic(kafka_bootstrap: str, run_id: str) -> AsyncIterator[str]:
    name = f"harness-{run_id}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])
    yield name
    await admin.delete_topics([name])
    await admin.close()


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value, key=key, headers=[("event_type", b"Probe")])
    finally:
        await producer.stop()


def consumer(bootstrap: str, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )


async def test_keys_headers_and_unicode_values_round_trip(kafka_bootstrap: str, topic: str) -> None:
    await produce(kafka_bootstrap, topic, [(b"TS-1", "药品过敏".encode())])
    reader = consumer(kafka_bootstrap, topic, "harness-roundtrip")
    await reader.start()
    try:
        message = await reader.getone()
    finally:
        await reader.stop()
    assert message.key == b"TS-1"
    assert message.value.decode() == "药品过敏"
    assert ("event_type", b"Probe") in list(message.headers)


async def test_one_key_stays_on_one_partition(kafka_bootstrap: str, topic: str) -> None:
    await produce(kafka_bootstrap, topic, [(b"same", str(i).encode()) for i in range(10)])
    reader = consumer(kafka_bootstrap, topic, "harness-partition")
    await reader.start()
    try:
        batches = await reader.getmany(timeout_ms=5000, max_records=100)
        while sum(len(m) for m in batches.values()) < 10:
            more = await reader.getmany(timeout_ms=5000)
            assert more, "the broker stopped delivering before all ten messages arrived"
            for part, records in more.items():
                batches.setdefault(part, []).extend(records)
    finally:
        await reader.stop()
    assert len(batches) == 1
    assert [m.value for m in next(iter(batches.values()))] == [str(i).encode() for i in range(10)]


async def test_a_consumer_group_resumes_after_its_committed_offset(
    kafka_bootstrap: str, topic: str
) -> None:
    await produce(kafka_bootstrap, topic, [(b"k", b"first"), (b"k", b"second")])
    first = consumer(kafka_bootstrap, topic, "harness-commit")
    await first.start()
    try:
        message = await first.getone()
        await first.commit({TopicPartition(topic, message.partition): message.offset + 1})
    finally:
        await first.stop()
    assert message.value == b"first"

    second = consumer(kafka_bootstrap, topic, "harness-commit")
    await second.start()
    try:
        resumed = await second.getone()
    finally:
        await second.stop()
    assert resumed.value == b"second"
