"""Fuzz every consumer of the running system with bad Kafka messages (`fuzz_support.py`).

The four services run as processes on their own topics and databases. Random bytes, JSON of
the wrong shape, schema-shaped JSON with invalid values and valid events under lying headers
go to every topic some service consumes; then:

- every such message is on the dead-letter topic exactly once per service that consumes it
  (and no other dead letter is: none of a dead letter the archive failed to store), with a
  reason and its original key, headers and bytes (of a message over 512 KiB or with over
  1,000 headers, the first ones: `complaint_runtime.dead_letters`; intake also cuts the value
  at `INTAKE_MAX_BODY_BYTES`);
- no process died and every one is still ready;
- no consumer is stuck: a valid complaint submitted afterwards is classified and archived, and
  every consumer group commits up to the end of every partition it reads.

`FUZZ_EXAMPLES` (default 40) sets the hypothesis examples of random bytes and JSON per topic,
`FUZZ_SCHEMA_EXAMPLES` (default 12) those drawn from the schemas (slower to generate);
`FUZZ_SEED` replays a run (the seed is printed and named in every failure) when the same tests
are selected: hypothesis also draws constants from the modules loaded, so this file alone draws
other messages than the whole suite with the same seed. A failure therefore names each message's
start and the reason of each unexpected dead letter. The messages are generated while the
services start.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from complaint_events import REJECTED, TOPICS, SubmissionRejected, decode, topic_name
from complaint_intake.settings import IntakeSettings
from complaint_runtime import ServiceSettings
from complaint_runtime.dead_letters import MAX_ORIGINAL_HEADERS, room_for_value
from complaint_runtime.kafka import group_id
from deploy.local.system import NAMES, HookReceiver, Mailbox, System, free_port, local_config
from deploy.local.topics import delete_topics, ensure_topics
from tests.e2e.fuzz_support import Fuzz, count_by, generate

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
SCHEMA_EXAMPLES = int(os.environ.get("FUZZ_SCHEMA_EXAMPLES", "12"))
SEED = int(os.environ.get("FUZZ_SEED", str(random.randrange(2**32))))
INTAKE_LIMIT = IntakeSettings.model_fields["max_body_bytes"].default
TAG = f"fuzz{SEED}"
DEAD_LETTERS_WITHIN = 150.0
CATCH_UP_WITHIN = 90.0


@dataclass
class Fuzzed:
    """The running system of this module and how to reach it."""

    system: System
    bootstrap: str
    prefix: str
    api_key: str
    group_prefix: str
    messages: list[Fuzz] = field(repr=False)
    generated_in: float = 0.0

    def topic(self, spec: Any) -> str:
        return topic_name(spec, self.prefix)


@pytest.fixture(scope="module")
async def fuzzed(
    kafka_bootstrap: str, mongodb_uri: str, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Fuzzed]:
    """The four services on topics `fuzz-<run>.` and databases `<service>_fuzz_<run>` of
    their own (deleted and dropped afterwards), so no other test sees the bad messages."""
    workdir = tmp_path_factory.mktemp("fuzz")
    prefix, suffix = f"fuzz-{run_id}.", f"_fuzz_{run_id}"
    mailbox, hooks = Mailbox().start(), HookReceiver("fuzz-webhook-secret-" + "x" * 32).start()
    config = local_config(
        workdir,
        kafka=kafka_bootstrap,
        mongodb_uri=mongodb_uri,
        smtp_port=mailbox.port,
        hooks_url=hooks.url,
        topic_prefix=prefix,
        database_suffix=suffix,
    )
    await ensure_topics(kafka_bootstrap, prefix)
    ports = {name: free_port() for name in NAMES}
    system = System(config.env, workdir / "logs", ports=ports, database_suffix=suffix)
    started = time.monotonic()
    generating = ThreadPoolExecutor(1).submit(generate, EXAMPLES, SCHEMA_EXAMPLES, SEED, TAG)
    try:
        system.start()
        messages = generating.result()
        yield Fuzzed(
            system,
            kafka_bootstrap,
            prefix,
            config.api_key,
            config.env["CONSUMER_GROUP_PREFIX"],
            messages,
            time.monotonic() - started,
        )
    finally:
        system.stop()
        mailbox.stop()
        hooks.stop()
        await delete_topics(kafka_bootstrap, prefix)
        await _drop_databases(mongodb_uri, suffix)


async def _drop_databases(mongodb_uri: str, suffix: str) -> None:
    client: AsyncMongoClient[Any] = AsyncMongoClient(mongodb_uri)
    try:
        for name in NAMES:
            await client.drop_database(f"{name}{suffix}")
    finally:
        await client.close()


@dataclass(frozen=True)
class Letter:
    """A dead letter on the topic, with where it was found."""

    payload: SubmissionRejected
    offset: int


async def test_every_bad_message_is_dead_lettered_and_no_consumer_stalls(
    fuzzed: Fuzzed, tmp_path: Path
) -> None:
    messages, tag = fuzzed.messages, TAG
    print(f"\nfuzz seed {SEED} (FUZZ_SEED={SEED} replays it), examples per topic: ", end="")
    print(f"{EXAMPLES} of bytes and of JSON, {SCHEMA_EXAMPLES} from the schemas")
    print(f"generated {len(messages)} bad messages while the services started, ", end="")
    print(f"in {fuzzed.generated_in:.0f}s (both):")
    print(f"  by topic: {count_by(messages, lambda m: m.topic.name)}")
    print(f"  by kind: {count_by(messages, lambda m: m.kind)}")
    expected = Counter({(m.key, s): 1 for m in messages for s in m.rejecters})

    started = time.monotonic()
    await _publish(fuzzed, messages)
    letters = await _dead_letters(fuzzed, tag.encode(), expected, DEAD_LETTERS_WITHIN)
    arrived = sum(1 for key in expected if key in letters)
    print(f"{arrived} of {len(expected)} dead letters in {time.monotonic() - started:.0f}s")

    _assert_alive(fuzzed.system)
    started = time.monotonic()
    await _assert_a_valid_complaint_flows_through(fuzzed)
    await _assert_every_group_caught_up(fuzzed)
    print(
        f"a valid complaint flowed and every group caught up in {time.monotonic() - started:.0f}s"
    )

    letters = await _dead_letters(fuzzed, tag.encode(), expected, 5.0)  # any duplicates by now
    _assert_dead_letters_match(fuzzed, messages, letters, expected)
    _assert_alive(fuzzed.system)


async def _publish(fuzzed: Fuzzed, messages: list[Fuzz]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=fuzzed.bootstrap,
        acks="all",
        max_request_size=1_048_576,
        linger_ms=20,
    )
    await producer.start()
    try:
        sent = [
            await producer.send(fuzzed.topic(m.topic), m.value, key=m.key, headers=list(m.headers))
            for m in messages
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _dead_letters(
    fuzzed: Fuzzed, tag: bytes, expected: Counter[tuple[bytes, str]], seconds: float
) -> dict[tuple[bytes, str], list[Letter]]:
    """Every dead letter of a fuzz message, read from the start of the topic until each
    expected one is there (or `seconds` pass), by (message key, rejecting service)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=fuzzed.bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 * 1_048_576,
        fetch_max_bytes=16 * 1_048_576,
    )
    await consumer.start()
    try:
        topic = fuzzed.topic(REJECTED)
        partitions = [TopicPartition(topic, p) for p in range(REJECTED.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        found: dict[tuple[bytes, str], list[Letter]] = {}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=2_000)
            for record in (r for records in batch.values() for r in records):
                letter = _letter(record, tag)
                if letter is not None:
                    key = (letter.payload.original_key or b"", letter.payload.rejected_by)
                    if not key[0].startswith(tag):  # a dead letter of no fuzz message
                        key = (b"", f"{letter.payload.rejected_by}: {letter.payload.detail}")
                    found.setdefault(key, []).append(letter)
            if not batch and all(key in found for key in expected):
                break
        return found
    finally:
        await consumer.stop()


def _letter(record: Any, tag: bytes) -> Letter | None:
    """The dead letter in a record of the dead-letter topic; None for the fuzz messages sent
    to that topic themselves."""
    if (record.key or b"").startswith(tag):
        return None
    event = decode(record.value, list(record.headers or ()))
    assert isinstance(event.payload, SubmissionRejected), event.event_type
    return Letter(event.payload, record.offset)


def _assert_alive(system: System) -> None:
    for name in NAMES:
        service = system[name]
        assert service.running(), f"{name} died; last log lines:\n{service.tail()}"
        assert service.ready(), f"{name} not ready; last log lines:\n{service.tail()}"


async def _assert_a_valid_complaint_flows_through(fuzzed: Fuzzed) -> None:
    body = {
        "source_system": "erp",
        "external_reference": f"after-fuzz-{SEED}",
        "channel": "phone",
        "description": "药品包装破损，要求退货",
        "complainant": {"anonymous": True},
    }
    headers = {"X-API-Key": fuzzed.api_key}
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        answer = await http.post(f"{fuzzed.system.url('intake')}/v1/complaints", json=body)
        assert answer.status_code == 202, answer.text
        complaint_id = answer.json()["complaint_id"]
        timeline = f"{fuzzed.system.url('archive')}/complaints/{complaint_id}/timeline"
        deadline, types = time.monotonic() + CATCH_UP_WITHIN, []
        while time.monotonic() < deadline:
            answer = await http.get(timeline)
            types = [e["event_type"] for e in answer.json().get("events", [])]
            if answer.status_code == 200 and "ComplaintClassified" in types:
                return
            await asyncio.sleep(0.5)
    raise AssertionError(f"seed {SEED}: complaint not classified and archived: {types}")


def _subscriptions() -> Iterator[tuple[str, str]]:
    """(service, prefix-free topic) of every catalogued consumer; the archive reads all."""
    for spec in TOPICS:
        for service in {*spec.consumers, "archive"}:
            yield service, spec.name


async def _assert_every_group_caught_up(fuzzed: Fuzzed) -> None:
    """Each service's group committed the end offset of every partition it reads: nothing
    left behind, nothing read again forever."""
    deadline, behind = time.monotonic() + CATCH_UP_WITHIN, ["not checked yet"]
    while behind and time.monotonic() < deadline:
        behind = await _behind(fuzzed)
        if behind:
            await asyncio.sleep(1.0)
    assert not behind, f"seed {SEED}: consumer groups behind: {behind}"


async def _behind(fuzzed: Fuzzed) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=fuzzed.bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=fuzzed.bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        wanted = {
            TopicPartition(fuzzed.prefix + topic, p)
            for _, topic in _subscriptions()
            for p in range(next(s for s in TOPICS if s.name == topic).partitions)
        }
        ends = await consumer.end_offsets(list(wanted))
        behind = []
        for service, topic in sorted(set(_subscriptions())):
            settings = ServiceSettings(consumer_group_prefix=fuzzed.group_prefix)
            committed = await admin.list_consumer_group_offsets(group_id(settings, service))
            for part, end in ends.items():
                if part.topic != fuzzed.prefix + topic or end == 0:
                    continue
                at = committed[part].offset if part in committed else 0
                if at < end:
                    behind.append(f"{service} {part.topic}[{part.partition}] at {at} of {end}")
        return behind
    finally:
        await consumer.stop()
        await admin.close()


def _assert_dead_letters_match(
    fuzzed: Fuzzed,
    messages: list[Fuzz],
    letters: dict[tuple[bytes, str], list[Letter]],
    expected: Counter[tuple[bytes, str]],
) -> None:
    """Exactly one dead letter per message and rejecting service, none from another service,
    each with a reason and the original message."""
    found = Counter({key: len(found) for key, found in letters.items()})
    missing = sorted(key for key in expected if key not in found)
    extra = sorted(key for key in found if key not in expected)
    doubled = sorted(key for key, n in found.items() if n > 1)
    by_key = {m.key: m for m in messages}
    assert not missing, f"seed {SEED}: not dead-lettered: {_described(missing, by_key)}"
    strays = sorted(service for key, service in extra if key == b"")
    assert not strays, f"seed {SEED}: dead letters of no fuzz message (dead letters'?): {strays}"
    because = [f"{letters[key][0].payload.detail}" for key in extra[:20]]
    assert not extra, (
        f"seed {SEED}: dead-lettered by a non-consumer: {_described(extra, by_key)}, "
        f"because: {because}"
    )
    assert not doubled, f"seed {SEED}: dead-lettered twice: {_described(doubled, by_key)}"
    for (key, service), (letter,) in letters.items():
        _assert_letter_carries_the_original(fuzzed, by_key[key], service, letter.payload)


def _assert_letter_carries_the_original(
    fuzzed: Fuzzed, message: Fuzz, service: str, letter: SubmissionRejected
) -> None:
    where = f"seed {SEED}: {message.key.decode()} dead-lettered by {service}"
    assert letter.reason_codes and all(letter.reason_codes), f"{where}: no reason"
    assert letter.source_topic == fuzzed.topic(message.topic), where
    headers = message.headers[:MAX_ORIGINAL_HEADERS]
    assert letter.original_headers == headers, f"{where}: headers changed"
    kept = room_for_value(message.key, headers)
    if service == "intake":
        kept = min(kept, INTAKE_LIMIT)
    assert letter.original_value == message.value[:kept], f"{where}: bytes changed"


def _described(keys: list[tuple[bytes, str]], by_key: dict[bytes, Fuzz]) -> list[str]:
    return [
        f"{key.decode()} by {service} ({len(by_key[key].value)} bytes: "
        f"{by_key[key].value[:60]!r}, headers {by_key[key].headers[:4]})"
        for key, service in keys[:20]
    ] + ([f"... {len(keys)} in all"] if len(keys) > 20 else [])
