"""`complaint-archive rebuild` and `complaint-archive purge` as the operator runs them."""

import asyncio
import json
import os
import subprocess
import sys

import pytest
from aiokafka import AIOKafkaConsumer

from complaint_events import ARCHIVE, decode, topic_name

from .builders import classified, full_story
from .support import archive_on, ingest

pytestmark = pytest.mark.integration


def command(*args: str, env: dict[str, str]) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-c", "from complaint_archive.app import main; main()", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return done.returncode, json.loads(last)


async def test_rebuild_and_purge_commands(
    mongo_client, mongodb_uri, kafka_bootstrap, topic_prefix, database_name
):
    database = database_name("archive_commands")
    expired = full_story(expiry=None)  # pharma: a year after closure in 2024, so long past
    kept = full_story()
    kept.events[1] = kept.events[1].model_copy(update={"payload": classified(policy="hospital")})
    async with archive_on(mongo_client, database) as (archive, _, _):
        await ingest(archive, [*expired.events, *kept.events])
    env = {
        "MONGODB_URI": mongodb_uri,
        "MONGODB_DATABASE": database,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TOPIC_PREFIX": topic_prefix,
        "LOG_LEVEL": "WARNING",
    }
    run = asyncio.to_thread

    code, report = await run(command, "rebuild", "--check", env=env)
    assert (code, report["rebuilt"], report["different"]) == (0, 2, 0)
    complaints = mongo_client[database]["complaints"]
    await complaints.update_one({"_id": kept.complaint_id}, {"$set": {"severity": "Z"}})
    code, report = await run(command, "rebuild", "--check", env=env)
    assert (code, report["first_different"]) == (1, [kept.complaint_id])
    code, report = await run(command, "rebuild", env=env)
    assert (code, report["written"]) == (0, True)
    assert (await run(command, "rebuild", "--check", env=env))[0] == 0

    consumer = AIOKafkaConsumer(
        topic_name(ARCHIVE, topic_prefix),
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        code, report = await run(command, "purge", env=env)
        assert (code, report["purges_requested"]) == (0, 1)
        purged = await _purge_of(consumer, expired.complaint_id)
    finally:
        await consumer.stop()
    assert purged.payload.complaint_number == expired.number
    assert purged.payload.events_removed == len(expired.events)


async def _purge_of(consumer: AIOKafkaConsumer, complaint_id: str):
    async with asyncio.timeout(60):
        async for record in consumer:
            event = decode(record.value, record.headers)
            if event.complaint_id == complaint_id:
                return event
    raise AssertionError("no purge recorded")
