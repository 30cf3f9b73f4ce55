"""The schedule and its claims on the real MongoDB-protocol server."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from complaint_events import NoticeKind
from complaint_notifier.adapters.schedule import MongoClaims, MongoSchedule
from complaint_notifier.domain import PlannedNotice
from complaint_notifier.service_layer.ports import EntryStatus, ScheduledEntry

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

NOW = datetime(2025, 5, 6, 9, 7, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def notice(name: str, send_at: datetime) -> PlannedNotice:
    return PlannedNotice(
        name, "c1", "p", "reply", NoticeKind.BREACH, 0, 1, 1, send_at, send_at, ("desk",), None, "d"
    )


def pending(name: str, send_at: datetime = NOW) -> ScheduledEntry:
    return ScheduledEntry(notice(name, send_at), EntryStatus.PENDING)


@pytest.fixture
async def database(mongo_client: Any, database_name: Callable[[str], str]) -> Any:
    return mongo_client[database_name(f"notifier_schedule_{uuid.uuid4().hex[:8]}")]


def schedule(database: Any) -> MongoSchedule:
    return MongoSchedule(database, retention=timedelta(days=1))


async def test_due_entries_are_the_pending_ones_up_to_now_earliest_first(database: Any) -> None:
    entries = schedule(database)
    late, early = (
        notice("late", NOW - timedelta(minutes=50)),
        notice("early", NOW - timedelta(hours=5)),
    )
    await entries.add([late, early, notice("future", NOW + timedelta(minutes=1))], NOW)
    await entries.add([notice("gone", NOW - timedelta(minutes=1))], NOW)
    await entries.drop({"gone": NOW - timedelta(minutes=1)})
    due = await entries.due(NOW, limit=10)
    assert [entry.notice.notice_id for entry in due] == ["early", "late"]
    assert [entry.notice for entry in due] == [early, late]
    assert await entries.pending_count() == 3
    assert [e.notice.notice_id for e in await entries.due(NOW, limit=1)] == ["early"]


async def test_the_due_query_is_served_by_the_due_index(database: Any) -> None:
    entries = schedule(database)
    await entries.add([notice(f"n{n}", NOW + timedelta(minutes=n)) for n in range(50)], NOW)
    query = {"status": "pending", "send_at": {"$lte": NOW}}
    plan = await database.schedule.find(query).sort("send_at", 1).explain()
    assert "IXSCAN" in str(plan["queryPlanner"]["winningPlan"])
    assert "'due'" in str(plan["queryPlanner"]["winningPlan"])


async def test_a_dropped_entry_planned_again_is_pending_again(database: Any) -> None:
    entries = schedule(database)
    item = notice("again", NOW + timedelta(minutes=1))
    await entries.add([item], NOW)
    await entries.drop({item.notice_id: item.send_at})
    assert (await entries.find("again", item.send_at)).status is EntryStatus.DROPPED  # type: ignore[union-attr]
    assert "expire_at" in await database.schedule.find_one({"_id": "again"})  # the TTL removes it
    await entries.add([item], NOW)
    assert (await entries.find("again", item.send_at)).status is EntryStatus.PENDING  # type: ignore[union-attr]
    assert "expire_at" not in await database.schedule.find_one({"_id": "again"})


async def test_a_finished_entry_is_given_its_expiry_for_the_ttl_index(database: Any) -> None:
    entries = schedule(database)
    await entries.add([notice("done", NOW)], NOW)
    (entry,) = await entries.due(NOW, limit=1)
    await entries.mark([entry], EntryStatus.SENT, attempt=1, now=NOW)
    stored = await database.schedule.find_one({"_id": "done"})
    assert stored["status"] == "sent" and stored["attempt"] == 1
    assert stored["expire_at"] == NOW + timedelta(days=1)
    ttl = (await database.schedule.index_information())["finished_ttl"]
    assert ttl["expireAfterSeconds"] == 0


async def test_sixteen_racing_replicas_claim_each_notice_exactly_once(database: Any) -> None:
    entries = schedule(database)
    due = [pending(f"n{n:03d}") for n in range(300)]
    await entries.add([entry.notice for entry in due], NOW)
    replicas = [MongoClaims(database, owner=f"r{n}", lease=LEASE) for n in range(16)]
    taken = await asyncio.gather(*(replica.take(due, NOW) for replica in replicas))
    claimed = [notice_id for owned in taken for notice_id in owned]
    assert sorted(claimed) == sorted(entry.notice.notice_id for entry in due)
    assert {attempt for owned in taken for attempt in owned.values()} == {1}
    owners = {doc["_id"]: doc["owner"] async for doc in database.schedule.find({})}
    for replica, owned in zip(replicas, taken, strict=True):
        assert all(owners[notice_id] == replica.owner for notice_id in owned)


async def test_a_claim_is_taken_over_only_after_its_lease_by_the_next_attempt(
    database: Any,
) -> None:
    entries = schedule(database)
    await entries.add([notice("n", NOW)], NOW)
    first, second = (MongoClaims(database, owner=name, lease=LEASE) for name in "ab")
    entry = pending("n")
    assert await first.take([entry], NOW) == {"n": 1}
    assert await second.take([entry], NOW + LEASE / 2) == {}  # the first sender is on it
    assert await second.take([entry], NOW + LEASE * 2) == {"n": 2}  # its lease ran out
    assert await first.take([entry], NOW + LEASE * 2.5) == {}  # attempt 2 is leased
    await entries.mark([entry], EntryStatus.SENT, attempt=2, now=NOW)
    assert await first.take([entry], NOW + LEASE * 5) == {}  # finished: nobody claims it


async def test_a_claim_of_nothing_and_of_unknown_entries_takes_nothing(database: Any) -> None:
    claims = MongoClaims(database, owner="a", lease=LEASE)
    assert await claims.take([], NOW) == {}
    assert await claims.take([pending("never-scheduled")], NOW) == {}
