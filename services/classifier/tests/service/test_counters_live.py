"""The membership counters on the MongoDB-protocol server: exact under concurrency, one count
per complaint or complainant, in order within a call, expired memberships purged."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from complaint_classifier.adapters.counters import MongoCounters
from complaint_classifier.adapters.indexes import prepare
from complaint_classifier.domain import ClusterKey

pytestmark = pytest.mark.integration

START = datetime(2025, 3, 1, tzinfo=UTC)


def key(name: str, *, people: bool = False, member: str | None = None) -> ClusterKey:
    return ClusterKey(
        cluster_id="test-cluster",
        kind="group" if people else "repeat",
        key=f"test:{name}",
        window_start=START,
        window_end=START + timedelta(days=30),
        threshold=3,
        member=member,
        parts=(("product.name", name),),
    )


def moved(found: ClusterKey, *, days: int) -> ClusterKey:
    shift = timedelta(days=days)
    return replace(
        found, window_start=found.window_start + shift, window_end=found.window_end + shift
    )


@pytest.fixture
async def counters(mongo_client, database) -> MongoCounters:
    await prepare(mongo_client[database])
    return MongoCounters(
        mongo_client[database], grace=timedelta(days=1), clock=lambda: datetime.now(UTC)
    )


async def test_counts_within_a_call_follow_its_order_and_members_count_once(counters):
    repeat, group = key("motor"), key("estate")
    person = {n: key("estate", people=True, member=f"person-{n}") for n in (1, 2)}

    counts = await counters.add_all(
        [
            ("c1", [repeat, person[1]]),
            ("c2", [repeat, person[1]]),  # the same complainant again
            ("c3", [repeat, person[2]]),
        ]
    )
    again = await counters.add_all([("c2", [repeat, person[1]])])  # a replay

    assert [c[repeat] for c in counts] == [1, 2, 3]
    assert [c[person[n]] for c, n in zip(counts, (1, 1, 2), strict=True)] == [1, 1, 2]
    assert again == [{repeat: 3, person[1]: 2}]
    assert group.key == person[1].key


async def test_two_writers_racing_on_one_counter_end_exact(counters, mongodb_uri, database):
    other_client: AsyncMongoClient = AsyncMongoClient(mongodb_uri, tz_aware=True)
    other = MongoCounters(
        other_client[database], grace=timedelta(days=1), clock=lambda: datetime.now(UTC)
    )
    shared = key("raced")
    try:
        calls = [
            (counters if n % 2 else other).add_all([(f"c{n}", [shared]), (f"d{n}", [shared])])
            for n in range(20)
        ]
        replays = [other.add_all([(f"c{n}", [shared])]) for n in range(20)]
        results = await asyncio.gather(*calls, *replays)
    finally:
        await other_client.close()

    seen = [count[shared] for result in results for count in result]
    assert max(seen) == 40
    (final,) = await counters.add_all([("c0", [shared])])
    assert final[shared] == 40
