"""The durable schedule: one collection per time slot of send times, `timers_<UTC start>`.

Why slots: finding what is due must not cost more with a million notices scheduled than with
a thousand. MongoDB would answer from the (status, send_at) index every slot has; the test
server (FerretDB 1.x on SQLite) uses no secondary index at all and reads a whole collection
per query. With slots the scheduler reads only the slots from its cursor (the oldest slot
that may still hold open entries) up to now: the cost follows the notices of the current
slot, not the size of the schedule.

An entry inserted into a slot the cursor may already have passed (an immediate report, a
late event, a replay) leaves a wake-up marker that makes the scheduler look there again.

A look that finds nothing due also asks for the earliest pending send time, and the schedule
stays quiet (answers "nothing due" without a query) until then, for at most `max_quiet`: on
FerretDB every look reads the current slots whole, twice a second, and that was its largest
load. Entries this process adds end the quiet at once; another replica's are seen within
`max_quiet` (its own scheduler sees them at once).
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from complaint_runtime import a_few_at_a_time

from ..domain import PlannedNotice
from ..service_layer.ports import OPEN, EntryStatus, ScheduledEntry
from .documents import iso, notice_from_doc, notice_to_doc, when
from .inserts import insert_new

PREFIX = "timers_"
WAKEUPS = "timer_wakeups"
STATE = "scheduler_state"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GRACE = timedelta(seconds=60)
"""How long after a slot's end its late inserts are still expected (slow writers, skew)."""
MAX_QUIET = timedelta(seconds=5)
"""The longest the scheduler trusts that nothing is due without looking again."""
OPEN_STATES = [status.value for status in OPEN]


class SlotWidthChanged(RuntimeError):
    pass


class SlotSchedule:
    def __init__(
        self,
        database: AsyncDatabase[Any],
        *,
        width: timedelta,
        retention: timedelta,
        grace: timedelta = GRACE,
        max_quiet: timedelta = MAX_QUIET,
    ) -> None:
        self.db, self.width, self.retention, self.grace = database, width, retention, grace
        self.max_quiet = max_quiet
        self.quiet_until: datetime | None = None
        """Nothing is due before this, as far as this process knows."""
        self._skipped_look = False
        self.wakeups = database[WAKEUPS]
        self.state = database[STATE]
        self.cursor: datetime | None = None
        self._indexed: set[str] = set()

    def slot_of(self, moment: datetime) -> datetime:
        return EPOCH + self.width * ((moment - EPOCH) // self.width)

    @staticmethod
    def name(slot: datetime) -> str:
        return f"{PREFIX}{slot.astimezone(UTC):%Y%m%dT%H%M%SZ}"

    @staticmethod
    def start_of(name: str) -> datetime:
        return datetime.strptime(name.removeprefix(PREFIX), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)

    def _entries(self, send_at: datetime) -> AsyncCollection[Any]:
        return self.db[self.name(self.slot_of(send_at))]

    async def open(self, now: datetime) -> None:
        """Resume from the stored cursor, else from the oldest slot there is, else now."""
        await self._same_layout()
        stored = await self.state.find_one({"_id": "cursor"})
        if stored is not None:
            self.cursor = when(stored["slot"])
            return
        slots = await self.slots()
        self.cursor = min(slots, default=self.slot_of(now))

    async def _same_layout(self) -> None:
        """Entries are found by the name of their slot: a changed width would lose them."""
        seconds = int(self.width.total_seconds())
        await insert_new(self.state, [{"_id": "layout", "slot_seconds": seconds}])
        stored = await self.state.find_one({"_id": "layout"})
        if stored is not None and stored["slot_seconds"] != seconds:
            raise SlotWidthChanged(
                f"the schedule in this database uses {stored['slot_seconds']}s slots; "
                f"NOTIFIER_TIMER_SLOT_SECONDS must stay {stored['slot_seconds']}"
            )

    async def slots(self) -> list[datetime]:
        names = await self.db.list_collection_names(filter={"name": {"$regex": f"^{PREFIX}"}})
        return sorted(self.start_of(name) for name in names)

    async def add(self, notices: Sequence[PlannedNotice], now: datetime) -> None:
        if self.quiet_until is not None and notices:
            self.quiet_until = min(self.quiet_until, *(n.send_at for n in notices))
        for slot, group in _by_slot(self, notices).items():
            await self._insert(self.db[self.name(slot)], group)
            if slot + self.width <= now + self.grace:
                await insert_new(
                    self.wakeups, [{"_id": n.notice_id, "slot": self.name(slot)} for n in group]
                )

    async def _insert(self, collection: AsyncCollection[Any], notices: list[PlannedNotice]) -> None:
        if collection.name not in self._indexed:
            await collection.create_index([("status", 1), ("send_at", 1)], name="due")
            self._indexed.add(collection.name)
        present = await insert_new(collection, [_entry_doc(n) for n in notices])
        if present:  # planned again after a drop: pending once more
            await collection.update_many(
                {"_id": {"$in": present}, "status": EntryStatus.DROPPED.value},
                {"$set": {"status": EntryStatus.PENDING.value}},
            )

    async def drop(self, notices: Mapping[str, datetime]) -> None:
        by_slot: dict[datetime, list[str]] = {}
        for notice_id, send_at in notices.items():
            by_slot.setdefault(self.slot_of(send_at), []).append(notice_id)
        for slot, ids in by_slot.items():
            await self.db[self.name(slot)].update_many(
                {"_id": {"$in": ids}, "status": EntryStatus.PENDING.value},
                {"$set": {"status": EntryStatus.DROPPED.value}},
            )

    async def due(self, now: datetime, limit: int) -> list[ScheduledEntry]:
        self._skipped_look = self.quiet_until is not None and now < self.quiet_until
        if self._skipped_look:
            return []
        self.quiet_until = None
        if self.cursor is None:
            await self.open(now)
        assert self.cursor is not None
        walk = [self.name(slot) for slot in _range(self.cursor, self.slot_of(now), self.width)]
        marked = {doc["slot"] for doc in await self.wakeups.find({}).to_list()} - set(walk)
        looked = [*sorted(marked), *walk]
        found: dict[str, ScheduledEntry] = {}
        for name in looked:
            if len(found) >= limit:
                break
            query = self.db[name].find(_due(now)).sort("send_at", 1).limit(limit - len(found))
            found |= {doc["_id"]: _entry(doc) async for doc in query}
        if not found:
            self.quiet_until = await self._next_send(looked, now)
        return sorted(found.values(), key=lambda entry: entry.notice.send_at)[:limit]

    async def _next_send(self, looked: list[str], now: datetime) -> datetime:
        """When something may next fall due: the earliest pending entry of the slots looked at,
        the start of the next slot, or `max_quiet` from now, whichever comes first."""
        bound = min(self.slot_of(now) + self.width, now + self.max_quiet)
        pending = {"status": EntryStatus.PENDING.value}
        for name in looked:
            first = await self.db[name].find_one(pending, {"send_at": 1}, sort=[("send_at", 1)])
            if first is not None:
                bound = min(bound, first["send_at"])
        return bound

    async def mark(
        self,
        entries: Sequence[ScheduledEntry],
        status: EntryStatus,
        *,
        attempt: int | None = None,
    ) -> None:
        fields: dict[str, Any] = {"status": status.value}
        if attempt is not None:
            fields["attempt"] = attempt
        by_slot: dict[datetime, list[str]] = {}
        for entry in entries:
            by_slot.setdefault(self.slot_of(entry.notice.send_at), []).append(
                entry.notice.notice_id
            )
        # one by `_id` each: FerretDB looks that up by index, `{_id: {$in}}` it scans
        await a_few_at_a_time(
            self.db[self.name(slot)].update_one({"_id": notice_id}, {"$set": fields})
            for slot, ids in by_slot.items()
            for notice_id in ids
        )

    async def advance(self, now: datetime) -> None:
        """Move the cursor past finished slots; forget wake-ups of entries no longer open.
        Skipped while quiet: nothing has changed that it would act on."""
        if self._skipped_look:
            return
        if self.cursor is None:
            await self.open(now)
        assert self.cursor is not None
        start = self.cursor
        while self.cursor + self.width + self.grace <= now:
            entries = self.db[self.name(self.cursor)]
            if await entries.find_one({"status": {"$in": OPEN_STATES}}, {"_id": 1}):
                break
            self.cursor += self.width
        if self.cursor != start:
            await self.state.replace_one(
                {"_id": "cursor"}, {"_id": "cursor", "slot": iso(self.cursor)}, upsert=True
            )
            await self._purge()
        await self._tidy_wakeups()

    async def _tidy_wakeups(self) -> None:
        by_slot: dict[str, list[str]] = {}
        async for doc in self.wakeups.find({}):
            by_slot.setdefault(doc["slot"], []).append(doc["_id"])
        for name, ids in by_slot.items():
            still = {"_id": {"$in": ids}, "status": {"$in": OPEN_STATES}}
            open_ids = {doc["_id"] async for doc in self.db[name].find(still, {"_id": 1})}
            if done := [notice_id for notice_id in ids if notice_id not in open_ids]:
                await self.wakeups.delete_many({"_id": {"$in": done}})

    async def _purge(self) -> None:
        """Drop slots finished longer ago than the retention (their outcomes stay recorded)."""
        assert self.cursor is not None
        woken = {doc["slot"] async for doc in self.wakeups.find({})}
        for slot in await self.slots():
            name = self.name(slot)
            if slot + self.width < self.cursor - self.retention and name not in woken:
                await self.db.drop_collection(name)

    async def find(self, notice_id: str, send_at: datetime) -> ScheduledEntry | None:
        doc = await self._entries(send_at).find_one({"_id": notice_id})
        return _entry(doc) if doc is not None else None

    async def pending_count(self) -> int:
        total = 0
        for slot in await self.slots():
            if self.cursor is None or slot >= self.cursor:
                pending = {"status": EntryStatus.PENDING.value}
                total += await self.db[self.name(slot)].count_documents(pending)
        return total


def _by_slot(
    schedule: SlotSchedule, notices: Iterable[PlannedNotice]
) -> dict[datetime, list[PlannedNotice]]:
    groups: dict[datetime, list[PlannedNotice]] = {}
    for notice in notices:
        groups.setdefault(schedule.slot_of(notice.send_at), []).append(notice)
    return groups


def _range(first: datetime, last: datetime, width: timedelta) -> list[datetime]:
    return [first + width * n for n in range(max(0, (last - first) // width + 1))]


def _due(now: datetime) -> dict[str, Any]:
    return {"status": EntryStatus.PENDING.value, "send_at": {"$lte": now}}


def _entry_doc(notice: PlannedNotice) -> dict[str, Any]:
    return {
        "_id": notice.notice_id,
        "complaint_id": notice.complaint_id,
        "send_at": notice.send_at,
        "status": EntryStatus.PENDING.value,
        "attempt": 0,
        "notice": notice_to_doc(notice),
    }


def _entry(doc: dict[str, Any]) -> ScheduledEntry:
    return ScheduledEntry(
        notice=notice_from_doc(doc["notice"]),
        status=EntryStatus(doc["status"]),
        attempt=doc.get("attempt", 0),
    )
