"""Repeat and cluster counts on the real MongoDB-protocol server: rolling windows exact at
their edges, one count per complaint or complainant, replays and racing replicas counted
once, a run of repeats across the old fixed 30-day blocks counted whole."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from complaint_classifier.adapters.counters import MongoCounters
from complaint_classifier.adapters.indexes import prepare
from complaint_classifier.domain import ClusterKey

pytestmark = pytest.mark.integration

START = datetime(2025, 3, 1, tzinfo=UTC)
WINDOW = timedelta(days=30)


def key(problem: str, at: datetime, counted: str, *, people: bool = False) -> ClusterKey:
    return ClusterKey(
        cluster_id="test-cluster",
        kind="group" if people else "repeat",
        threshold=3,
        member=counted if people else None,
        parts=(("product.name", problem),),
        problem=f"test:{problem}",
        since=at - WINDOW,
        until=at,
        counted=counted,
    )


def sighted(problem: str, complaint: str, at: datetime) -> tuple[str, list[ClusterKey]]:
    return complaint, [key(problem, at, complaint)]


@pytest.fixture
async def counters(mongo_client, database) -> MongoCounters:
    await prepare(mongo_client[database])
    return MongoCounters(
        mongo_client[database], grace=timedelta(days=1), clock=lambda: datetime.now(UTC)
    )


async def count(counters: MongoCounters, problem: str, complaint: str, at: datetime) -> int:
    ((found,),) = [
        list(c.values()) for c in await counters.add_all([sighted(problem, complaint, at)])
    ]
    return found


async def test_a_run_of_repeats_across_an_old_30_day_block_boundary_is_counted_whole(counters):
    """2025-03-31 00:00 UTC is a boundary of the fixed blocks counted from 1970: a 20-day run
    around it was split in two and never reached 3."""
    boundary = datetime(2025, 3, 31, tzinfo=UTC)
    days = [
        boundary - timedelta(days=10),
        boundary - timedelta(days=1),
        boundary + timedelta(days=9),
    ]
    found = [await count(counters, "motor", f"c{n}", at) for n, at in enumerate(days)]
    assert found == [1, 2, 3]


async def test_the_window_is_exact_at_both_edges(counters):
    first = START
    await count(counters, "edge", "old", first)
    await count(counters, "edge", "older", first - timedelta(microseconds=1))
    assert await count(counters, "edge", "now", first + WINDOW) == 2  # "old" at the edge counts
    assert await count(counters, "edge", "later", first + WINDOW + timedelta(microseconds=1)) == 2


async def test_complaints_count_once_and_so_do_complainants_and_replays(counters):
    repeat = [sighted("estate", f"c{n}", START + timedelta(hours=n)) for n in range(3)]
    person = [
        (f"c{n}", [key("estate-people", START + timedelta(hours=n), who, people=True)])
        for n, who in enumerate(["p1", "p1", "p2"])
    ]
    counts = await counters.add_all([*repeat, *person])
    again = await counters.add_all([repeat[1]])  # a replay of c1: still what it was
    assert [next(iter(c.values())) for c in counts] == [1, 2, 3, 1, 1, 2]
    assert [next(iter(c.values())) for c in again] == [2]


async def test_a_later_arrival_of_an_earlier_complaint_counts_what_was_received_before_it(counters):
    await count(counters, "order", "late", START + timedelta(days=5))
    assert await count(counters, "order", "early", START) == 1  # "late" was received after it
    assert await count(counters, "order", "last", START + timedelta(days=6)) == 3


async def test_two_replicas_racing_on_one_problem_end_exact(counters, mongodb_uri, database):
    other_client: AsyncMongoClient = AsyncMongoClient(mongodb_uri, tz_aware=True)
    other = MongoCounters(
        other_client[database], grace=timedelta(days=1), clock=lambda: datetime.now(UTC)
    )
    at = START + timedelta(days=1)
    try:
        calls = [
            (counters if n % 2 else other).add_all(
                [sighted("raced", f"c{n}", at), sighted("raced", f"d{n}", at)]
            )
            for n in range(20)
        ]
        replays = [other.add_all([sighted("raced", f"c{n}", at)]) for n in range(20)]
        results = await asyncio.gather(*calls, *replays)
    finally:
        await other_client.close()
    seen = [next(iter(c.values())) for result in results for c in result]
    assert max(seen) == 40
    assert await count(counters, "raced", "c0", at) == 40
