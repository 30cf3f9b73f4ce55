"""MongoStore and number claims on the real MongoDB-protocol server, under concurrency."""

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient

from complaint_events import Channel
from complaint_intake.adapters.mongo import MongoStore
from complaint_intake.adapters.numbering import NumberAllocator, NumberCounters
from complaint_intake.domain.parsing import Incoming, parse_submission
from complaint_intake.domain.records import new_reservation
from complaint_intake.settings import IntakeSettings

from .live import source
from .samples import raw, submission

pytestmark = pytest.mark.integration
ZONE = IntakeSettings().zone


def incoming(source_system: str, reference: str = "A-1") -> Incoming:
    body = submission(source_system=source_system, external_reference=reference)
    result = parse_submission(raw(body), default_channel=Channel.WEB, max_bytes=1 << 20)
    assert isinstance(result, Incoming)
    return result


async def test_of_many_concurrent_reservations_of_one_key_exactly_one_wins(
    mongo_client: AsyncMongoClient, live_settings: IntakeSettings
) -> None:
    store = MongoStore(mongo_client[live_settings.mongodb_database])
    item, now = incoming(source()), datetime.now(UTC)
    candidates = [new_reservation(item, f"TS-20240501-{n:06d}", now) for n in range(1, 31)]
    results = await asyncio.gather(*(store.reserve([candidate]) for candidate in candidates))
    winners = [candidate for candidate, won in zip(candidates, results, strict=True) if won]
    assert len(winners) == 1
    assert await store.reservation(winners[0].key) == winners[0]  # every field round-trips


async def test_a_batch_reserves_the_new_keys_and_reports_the_known_ones(
    mongo_client: AsyncMongoClient, live_settings: IntakeSettings
) -> None:
    store, system, now = (
        MongoStore(mongo_client[live_settings.mongodb_database]),
        source(),
        datetime.now(UTC),
    )
    first = new_reservation(incoming(system, "R-1"), "TS-20240501-000101", now)
    assert await store.reserve([first]) == {first.key}
    batch = [
        new_reservation(incoming(system, ref), f"TS-20240501-00020{n}", now)
        for n, ref in enumerate(["R-1", "R-2", "R-3"])
    ]
    assert await store.reserve(batch) == {batch[1].key, batch[2].key}


async def test_a_published_complaint_is_found_by_id_and_by_number(
    mongo_client: AsyncMongoClient, live_settings: IntakeSettings
) -> None:
    store = MongoStore(mongo_client[live_settings.mongodb_database])
    reservation = new_reservation(incoming(source()), "TS-20240502-000001", datetime.now(UTC))
    assert await store.complaint(reservation.complaint_id) is None
    await store.mark_published([reservation])
    await store.mark_published([reservation])  # a second marking (a retry) is harmless
    by_id = await store.complaint(reservation.complaint_id)
    by_number = await store.complaint(reservation.complaint_number)
    assert by_id == by_number
    assert by_id is not None and by_id.complaint_number == "TS-20240502-000001"


async def test_concurrent_allocators_never_hand_out_a_number_twice(
    mongo_client: AsyncMongoClient, live_settings: IntakeSettings
) -> None:
    database = mongo_client[live_settings.mongodb_database]
    allocators = [
        NumberAllocator(NumberCounters(database), zone=ZONE, block_size=7) for _ in range(4)
    ]
    day = datetime(2030, 1, 1, 4, tzinfo=UTC)

    async def take_many(allocator: NumberAllocator) -> list[str]:
        taken: list[str] = []
        for size in [1, 3, 10, 1, 5] * 4:
            taken += await allocator.take(size, day)
        return taken

    results = await asyncio.gather(*(take_many(a) for a in allocators))
    numbers = [number for result in results for number in result]
    assert len(numbers) == 4 * 80
    assert len(set(numbers)) == len(numbers)
    assert all(number.startswith("TS-20300101-") for number in numbers)


ALLOCATE = """
import asyncio, json, sys
from datetime import UTC, datetime
from pymongo import AsyncMongoClient
from complaint_intake.adapters.numbering import NumberAllocator, NumberCounters
from complaint_intake.settings import IntakeSettings

async def main(uri, database):
    client = AsyncMongoClient(uri, tz_aware=True)
    counters = NumberCounters(client[database])
    allocator = NumberAllocator(counters, zone=IntakeSettings().zone, block_size=5)
    day = datetime(2031, 1, 1, 4, tzinfo=UTC)
    taken = []
    for _ in range(60):
        taken += await allocator.take(2, day)
    print(json.dumps(taken))
    await client.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_two_processes_never_hand_out_a_number_twice(live_settings: IntakeSettings) -> None:
    args = [
        sys.executable,
        "-c",
        ALLOCATE,
        live_settings.mongodb_uri,
        live_settings.mongodb_database,
    ]
    processes = [subprocess.Popen(args, stdout=subprocess.PIPE) for _ in range(2)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0]
    numbers = [number for output in outputs for number in json.loads(output)]
    assert len(numbers) == 240
    assert len(set(numbers)) == 240
