"""Complaint numbers from one counter document per day, reserved in blocks by atomic `$inc`.

`{_id: "YYYYMMDD", last: N}` holds the last sequence handed out that day. A process reserves
a block with one `find_one_and_update` (`$inc` by the block size): MongoDB applies it
atomically, so replicas never share a number. The day's document is created by an upsert
before its first block (racing creators all succeed, one inserts), so the reservation itself
never upserts. A restart leaves what was left of its block unused (numbers are gap-tolerant).
"""

import asyncio
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from ..domain.numbers import MAX_SEQUENCE, NumbersExhausted, complaint_number, number_day
from .unavailable import store_errors

COUNTERS = "number_counters"


class NumberCounters:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.counters = database[COUNTERS]
        self.days: set[date] = set()
        """Days whose counter document exists."""

    async def reserve(self, day: date, count: int) -> range:
        """`count` sequences of `day` nobody else has or will have."""
        key = f"{day:%Y%m%d}"
        with store_errors():
            if day not in self.days:
                await self.counters.update_one(
                    {"_id": key}, {"$setOnInsert": {"last": 0}}, upsert=True
                )
                self.days.add(day)
            counter = await self.counters.find_one_and_update(
                {"_id": key}, {"$inc": {"last": count}}, return_document=ReturnDocument.AFTER
            )
        assert counter is not None  # created above, and never deleted
        last = int(counter["last"])
        if last > MAX_SEQUENCE:
            raise NumbersExhausted(f"no complaint numbers left for {day}")
        return range(last - count + 1, last + 1)


class NumberAllocator:
    """Hands out this process's reserved numbers, reserving a new block when they run out."""

    def __init__(self, counters: NumberCounters, *, zone: ZoneInfo, block_size: int) -> None:
        self.counters, self.zone, self.block_size = counters, zone, block_size
        self.lock = asyncio.Lock()
        self.day: date | None = None
        self.block: range = range(0)

    async def take(self, count: int, now: datetime) -> list[str]:
        day = number_day(now, self.zone)
        async with self.lock:
            if day != self.day:
                self.day, self.block = day, range(0)
            sequences: list[int] = []
            while len(sequences) < count:
                if not self.block:
                    wanted = max(self.block_size, count - len(sequences))
                    self.block = await self.counters.reserve(day, wanted)
                run = min(count - len(sequences), len(self.block))
                sequences.extend(self.block[:run])
                self.block = self.block[run:]
        return [complaint_number(day, sequence) for sequence in sequences]
