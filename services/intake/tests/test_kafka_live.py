"""The submitted-topic path on the real broker: complaints, dead letters, offsets, a Java client."""

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaint_events import RECEIVED, REJECTED, SUBMITTED, Channel, topic_name
from complaint_intake.domain.parsing import Incoming, parse_submission
from complaint_intake.settings import IntakeSettings
from complaint_runtime import group_id

from .live import in_process, produce, read_events, source
from .samples import enveloped, raw, submission
from .strategies import messages

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
KAFKA_LIBS = ROOT / ".stack" / "kafka" / "kafka-3.9.1" / "libs"


def consuming(live_settings: IntakeSettings) -> IntakeSettings:
    return live_settings.model_copy(update={"consume_submissions": True})


def mine(system: str):  # type: ignore[no-untyped-def]
    return lambda event: event.payload.submission.source_system == system


def carrying(token: bytes):  # type: ignore[no-untyped-def]
    return lambda letter: token in letter.payload.original_value


async def committed_everything(live_settings: IntakeSettings, within: float = 30) -> bool:
    """The intake group's committed offsets reach the end of every partition in time."""
    deadline = asyncio.get_running_loop().time() + within
    while not await _committed_to_the_end(live_settings):
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.5)
    return True


async def _committed_to_the_end(live_settings: IntakeSettings) -> bool:
    reader = AIOKafkaConsumer(
        bootstrap_servers=live_settings.kafka_bootstrap_servers,
        group_id=group_id(live_settings, "intake"),
        enable_auto_commit=False,
    )
    await reader.start()
    try:
        name = topic_name(SUBMITTED, live_settings.topic_prefix)
        partitions = [TopicPartition(name, p) for p in range(SUBMITTED.partitions)]
        ends = await reader.end_offsets(partitions)
        committed = [await reader.committed(partition) or 0 for partition in partitions]
        return committed == [ends[partition] for partition in partitions]
    finally:
        await reader.stop()


async def test_good_repeated_and_bad_messages_are_each_accounted_for(
    live_settings: IntakeSettings,
) -> None:
    live = consuming(live_settings)
    system, token = source(), uuid.uuid4().hex.encode()
    good = [raw(submission(source_system=system, external_reference=f"K-{n}")) for n in range(20)]
    wrapped = enveloped(submission(source_system=system, external_reference="K-env"))
    bad = [b"\xff" + token, b"{" + token, raw({"token": token.decode(), "channel": "pigeon"})]
    conflict = raw(submission(source_system=system, external_reference="K-0", title=token.decode()))
    async with in_process(live):
        await produce(
            live.kafka_bootstrap_servers,
            topic_name(SUBMITTED, live.topic_prefix),
            [*good, wrapped, *good[:5], *bad, conflict],
        )
        received = await read_events(
            live.kafka_bootstrap_servers,
            RECEIVED,
            live.topic_prefix,
            mine(system),
            count=21,
            settle=2,
        )
        letters = await read_events(
            live.kafka_bootstrap_servers,
            REJECTED,
            live.topic_prefix,
            carrying(token),
            count=4,
            settle=1,
        )
        assert await committed_everything(live)
    assert len({event.event_id for event in received}) == 21
    by_reason = sorted(letter.payload.reason_codes[0] for letter in letters)
    assert by_reason == ["not_json", "not_utf8", "validation_failed", "validation_failed"]
    for letter in letters:
        assert letter.payload.source_topic == topic_name(SUBMITTED, live.topic_prefix)
        assert letter.payload.offset is not None
    invalid = next(letter for letter in letters if b"pigeon" in letter.payload.original_value)
    assert {error.field for error in invalid.payload.field_errors} >= {"channel", "description"}


async def test_a_java_console_producer_submission_comes_out_as_complaint_received(
    live_settings: IntakeSettings,
) -> None:
    live, system = consuming(live_settings), source()
    body = json.dumps(submission(source_system=system), ensure_ascii=False)
    line = f"event_type:ComplaintSubmitted,schema_version:1\t{system}/A-1\t{body}\n"
    command = [
        "java", "-cp", f"{KAFKA_LIBS}/*", "kafka.tools.ConsoleProducer",
        "--bootstrap-server", live.kafka_bootstrap_servers,
        "--topic", topic_name(SUBMITTED, live.topic_prefix),
        "--property", "parse.key=true", "--property", "parse.headers=true",
        "--producer-property", "acks=all",
    ]  # fmt: skip
    async with in_process(live):
        producer = await asyncio.create_subprocess_exec(*command, stdin=asyncio.subprocess.PIPE)
        await asyncio.wait_for(producer.communicate(line.encode("utf-8")), 120)
        assert producer.returncode == 0
        [event] = await read_events(
            live.kafka_bootstrap_servers,
            RECEIVED,
            live.topic_prefix,
            mine(system),
            count=1,
            settle=1,
        )
    assert event.payload.submission.description == "药品包装破损，要求退货"
    assert event.payload.submission.channel == "phone"
    assert event.payload.complaint_number.startswith("TS-")


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(messages, min_size=40, max_size=80))
async def test_random_bytes_and_json_on_the_real_broker_are_each_accounted_for(
    live_settings: IntakeSettings, batch: list[bytes]
) -> None:
    live, system, token = consuming(live_settings), source(), uuid.uuid4().hex
    # Tag every message as this example's: valid ones by source system, others by a token.
    tagged = [_tag(message, system, token) for message in batch]
    accepted = [m for m in tagged if isinstance(_parse(m), Incoming)]
    keys = {json.loads(m)["external_reference"] for m in accepted}
    async with in_process(live):
        await produce(
            live.kafka_bootstrap_servers, topic_name(SUBMITTED, live.topic_prefix), tagged
        )
        letters = await read_events(
            live.kafka_bootstrap_servers,
            REJECTED,
            live.topic_prefix,
            carrying(token.encode()),
            count=len(tagged) - len(accepted),
            settle=1,
        )
        if keys:
            received = await read_events(
                live.kafka_bootstrap_servers,
                RECEIVED,
                live.topic_prefix,
                mine(system),
                count=len(keys),
                settle=1,
            )
            assert {e.payload.submission.external_reference for e in received} == keys
        assert await committed_everything(live)
    conflicts = [
        letter
        for letter in letters
        if letter.payload.field_errors
        and letter.payload.field_errors[0].type == "duplicate_conflict"
    ]
    assert len(letters) - len(conflicts) == len(tagged) - len(accepted)


def _parse(message: bytes) -> Any:
    return parse_submission(message, default_channel=Channel.OTHER, max_bytes=512 * 1024)


def _tag(message: bytes, system: str, token: str) -> bytes:
    if isinstance(_parse(message), Incoming):
        body = json.loads(message)
        body["source_system"] = system
        body["title"] = token  # a conflicting repeat is dead-lettered: find it by the token
        return json.dumps(body).encode()
    return message + token.encode()


async def test_a_bare_submission_with_an_unsupported_schema_version_header_is_dead_lettered(
    live_settings: IntakeSettings,
) -> None:
    """Issue 14, reproduction 6: it became a complaint; an envelope of v9 was dead-lettered."""
    live = consuming(live_settings)
    system, token = source(), uuid.uuid4().hex
    body = raw(submission(source_system=system, external_reference="V9", title=token))
    async with in_process(live):
        await produce(
            live.kafka_bootstrap_servers,
            topic_name(SUBMITTED, live.topic_prefix),
            [body],
            headers=[("event_type", b"ComplaintSubmitted"), ("schema_version", b"9")],
        )
        letters = await read_events(
            live.kafka_bootstrap_servers,
            REJECTED,
            live.topic_prefix,
            carrying(token.encode()),
            count=1,
            settle=1,
        )
        assert await committed_everything(live)
    assert letters[0].payload.reason_codes == ["unsupported_schema_version"]
    assert "v9" in (letters[0].payload.detail or "")
    received = await read_events(
        live.kafka_bootstrap_servers, RECEIVED, live.topic_prefix, mine(system), count=0, settle=2
    )
    assert received == []
