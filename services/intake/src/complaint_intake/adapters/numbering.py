"""Complaint numbers claimed in blocks: each process owns the numbers it inserted.

A claim inserts `{_id: "TS-YYYYMMDD-NNNNNN"}` for a run of numbers in one ordered
`insert_many`; it stops at the first number someone else holds, and the process owns exactly
the ones inserted before it. Several replicas never share a number; a restart skips what was
left of its block (numbers are gap-tolerant).

One collection per day (`number_claims_YYYYMMDD`) and reads only when a claim collides: on
FerretDB every lookup scans its collection, so probes must stay rare and scan one day at most.
"""

import asyncio
import os
import socket
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from ..domain.numbers import (
    MAX_SEQUENCE,
    NumbersExhausted,
    complaint_number,
    first_free,
    number_day,
)
from .mongo import DUPLICATE_KEY
from .unavailable import store_errors


class NumberClaims:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.database = database
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def _of(self, day: date) -> AsyncCollection[dict[str, Any]]:
        return self.database[f"number_claims_{day:%Y%m%d}"]

    async def taken(self, day: date, sequence: int) -> bool:
        number = complaint_number(day, sequence)
        with store_errors():
            return await self._of(day).find_one({"_id": number}) is not None

    async def claim(self, day: date, start: int, count: int) -> int:
        """Claim `start`, `start + 1`, ... up to `count` numbers; how many were claimed."""
        now = datetime.now(UTC)
        docs = [
            {"_id": complaint_number(day, sequence), "owner": self.owner, "claimed_at": now}
            for sequence in range(start, min(start + count, MAX_SEQUENCE + 1))
        ]
        with store_errors():
            try:
                await self._of(day).insert_many(docs, ordered=True)
            except BulkWriteError as error:
                failures = error.details.get("writeErrors", [])
                if any(failure.get("code") != DUPLICATE_KEY for failure in failures):
                    raise
                return int(error.details.get("nInserted", 0))
        return len(docs)


class NumberAllocator:
    """Hands out this process's claimed numbers, claiming a new block when they run out."""

    def __init__(self, claims: NumberClaims, *, zone: ZoneInfo, block_size: int) -> None:
        self.claims, self.zone, self.block_size = claims, zone, block_size
        self.lock = asyncio.Lock()
        self.day: date | None = None
        self.next = self.end = 0  # this process owns [next, end) of `day`

    async def take(self, count: int, now: datetime) -> list[str]:
        day = number_day(now, self.zone)
        async with self.lock:
            if day != self.day:
                self.day, self.next, self.end = day, 0, 0
            sequences: list[int] = []
            while len(sequences) < count:
                if self.next >= self.end:
                    await self._claim(day, max(self.block_size, count - len(sequences)))
                run = min(count - len(sequences), self.end - self.next)
                sequences.extend(range(self.next, self.next + run))
                self.next += run
        return [complaint_number(day, sequence) for sequence in sequences]

    async def _claim(self, day: date, size: int) -> None:
        """Right after this process's last block when it can; search only after a collision."""
        start = self.end or await self._first_free(day, 1)
        while True:
            if start > MAX_SEQUENCE:
                raise NumbersExhausted(f"no complaint numbers left for {day}")
            claimed = await self.claims.claim(day, start, size)
            if claimed:
                self.next, self.end = start, start + claimed
                return
            start = await self._first_free(day, start)

    async def _first_free(self, day: date, start: int) -> int:
        return await first_free(lambda sequence: self.claims.taken(day, sequence), start)
