"""The schedule's slots and the claims on the real MongoDB-protocol server."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from complaint_events import NoticeKind
from complaint_notifier.adapters.records import MongoClaims
from complaint_notifier.adapters.schedule import SlotSchedule, SlotWidthChanged
from complaint_notifier.domain import PlannedNotice
from complaint_notifier.service_layer.ports import EntryStatus, ScheduledEntry

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

NOW = datetime(2025, 5, 6, 9, 7, tzinfo=UTC)
WIDTH = timedelta(minutes=15)
LEASE = timedelta(seconds=30)


def notice(name: str, send_at: datetime) -> PlannedNotice:
    return PlannedNotice(
        name, "c1", "p", "reply", NoticeKind.BREACH, 0, 1, 1, send_at, send_at, ("desk",), None, "d"
    )


@pytest.fixture
async def database(mongo_client: Any, database_name: Callable[[str], str]) -> Any:
    name = database_name(f"notifier_schedule_{uuid.uuid4().hex[:8]}")
    return mongo_client[name]


def schedule(database: Any, width: timedelta = WIDTH) -> SlotSchedule:
    return SlotSchedule(database, width=width, retention=timedelta(days=1))


async def test_due_entries_come_from_the_cursor_up_to_now_earliest_first(database: Any) -> None:
    slots = schedule(database)
    await slots.open(NOW - timedelta(hours=1))
    await slots.add(
        [
            notice("late", NOW - timedelta(minutes=50)),
            notice("early", NOW - timedelta(minutes=55)),
            notice("future", NOW + timedelta(minutes=1)),
        ],
        NOW - timedelta(hours=1),
    )
    due = await slots.due(NOW, limit=10)
    assert [entry.notice.notice_id for entry in due] == ["early", "late"]
    assert await slots.pending_count() == 3


async def test_an_entry_added_behind_the_cursor_is_woken_up_and_found(database: Any) -> None:
    slots = schedule(database)
    await slots.open(NOW - timedelta(hours=3))
    await slots.advance(NOW)  # nothing open: the cursor moves up to the last hour's slots
    assert slots.cursor is not None and slots.cursor > NOW - timedelta(hours=1)
    await slots.add([notice("replayed", NOW - timedelta(hours=2))], NOW)
    (entry,) = await slots.due(NOW, limit=10)
    assert entry.notice.notice_id == "replayed"
    await slots.mark([entry], EntryStatus.SENT)
    await slots.advance(NOW)
    assert await database["timer_wakeups"].count_documents({}) == 0
    assert await slots.due(NOW, limit=10) == []


async def test_the_cursor_stops_at_a_slot_with_open_entries_and_is_kept(database: Any) -> None:
    slots = schedule(database)
    await slots.open(NOW - timedelta(hours=2))
    await slots.add([notice("open", NOW - timedelta(minutes=100))], NOW - timedelta(hours=2))
    await slots.advance(NOW)
    assert slots.cursor == slots.slot_of(NOW - timedelta(minutes=100))
    (entry,) = await slots.due(NOW, limit=10)
    await slots.mark([entry], EntryStatus.DROPPED)
    await slots.advance(NOW)
    again = schedule(database)  # a restart resumes from the stored cursor
    await again.open(NOW)
    assert again.cursor == slots.cursor and again.cursor > NOW - timedelta(minutes=30)


async def test_a_dropped_entry_planned_again_is_pending_again(database: Any) -> None:
    slots = schedule(database)
    await slots.open(NOW)
    item = notice("again", NOW + timedelta(minutes=1))
    await slots.add([item], NOW)
    await slots.drop({item.notice_id: item.send_at})
    assert (await slots.find("again", item.send_at)).status is EntryStatus.DROPPED  # type: ignore[union-attr]
    await slots.add([item], NOW)
    assert (await slots.find("again", item.send_at)).status is EntryStatus.PENDING  # type: ignore[union-attr]


async def test_a_database_keeps_its_slot_width(database: Any) -> None:
    await schedule(database).open(NOW)
    with pytest.raises(SlotWidthChanged):
        await schedule(database, width=timedelta(minutes=5)).open(NOW)


async def test_concurrent_claims_give_each_notice_to_exactly_one_sender(database: Any) -> None:
    entries = [ScheduledEntry(notice(f"n{n}", NOW), EntryStatus.PENDING) for n in range(200)]
    senders = [MongoClaims(database, owner=f"s{n}", lease=LEASE) for n in range(4)]
    taken = await asyncio.gather(*(sender.take(entries, NOW) for sender in senders))
    owners = [notice_id for owned in taken for notice_id in owned]
    assert sorted(owners) == sorted(entry.notice.notice_id for entry in entries)


async def test_a_claim_is_taken_over_only_after_its_lease(database: Any) -> None:
    first, second = (MongoClaims(database, owner=name, lease=LEASE) for name in "ab")
    entry = ScheduledEntry(notice("n", NOW), EntryStatus.PENDING)
    assert await first.take([entry], NOW) == {"n": 1}
    assert await second.take([entry], NOW + LEASE / 2) == {}  # the first sender is on it
    assert await second.take([entry], NOW + LEASE * 2) == {"n": 2}  # its lease ran out
    # an entry that says attempt 1 (its later status lost): the next free attempt after 2
    again = ScheduledEntry(entry.notice, EntryStatus.PENDING, attempt=1)
    assert await first.take([again], NOW + LEASE * 2.5) == {}  # attempt 2 is still leased
    assert await first.take([again], NOW + LEASE * 5) == {"n": 3}


async def test_finding_nothing_due_it_stays_quiet_until_the_next_entry_is_due(
    database: Any,
) -> None:
    slots = schedule(database)
    await slots.open(NOW)
    await slots.add([notice("soon", NOW + timedelta(seconds=2))], NOW)
    assert await slots.due(NOW, limit=10) == []
    assert slots.quiet_until == NOW + timedelta(seconds=2)
    await database[slots.name(slots.slot_of(NOW))].drop()  # no look while quiet...
    assert await slots.due(NOW + timedelta(seconds=1), limit=10) == []
    await slots.add([notice("soon", NOW + timedelta(seconds=2))], NOW)
    (entry,) = await slots.due(NOW + timedelta(seconds=2), limit=10)  # ...and one when due
    assert entry.notice.notice_id == "soon"


async def test_an_entry_added_here_ends_the_quiet_and_another_replicas_within_the_bound(
    database: Any,
) -> None:
    slots, other = schedule(database), schedule(database)
    await slots.open(NOW)
    await other.open(NOW)
    assert await slots.due(NOW, limit=10) == []
    assert slots.quiet_until == NOW + slots.max_quiet
    await other.add([notice("theirs", NOW)], NOW)
    assert await slots.due(NOW + timedelta(seconds=1), limit=10) == []
    await slots.add([notice("mine", NOW + timedelta(seconds=1))], NOW)
    found = await slots.due(NOW + timedelta(seconds=1), limit=10)
    assert [entry.notice.notice_id for entry in found] == ["theirs", "mine"]
    await slots.mark(found, EntryStatus.SENT)
    assert await slots.due(NOW + timedelta(seconds=2), limit=10) == []
    await other.add([notice("late", NOW + timedelta(seconds=2))], NOW)
    assert await slots.due(NOW + timedelta(seconds=3), limit=10) == []
    (entry,) = await slots.due(NOW + timedelta(seconds=2) + slots.max_quiet, limit=10)
    assert entry.notice.notice_id == "late"
