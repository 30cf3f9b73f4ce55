"""In-memory stand-ins for the store, the number allocator and the publisher (unit tests)."""

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from complaint_events import Envelope
from complaint_intake.domain.lifecycle import Position, classified
from complaint_intake.domain.numbers import complaint_number
from complaint_intake.domain.records import Reservation
from complaint_intake.service_layer import (
    Answer,
    Classification,
    ComplaintRecord,
    KeptAnswer,
    Pending,
    Standing,
)


class MemoryStore:
    def __init__(self) -> None:
        self.reservations: dict[str, Reservation] = {}
        self.complaints: dict[str, ComplaintRecord] = {}
        self.fail_mark_published = False

    async def reserve(self, reservations: Sequence[Reservation]) -> set[str]:
        inserted = set()
        for reservation in reservations:
            if reservation.key not in self.reservations:
                self.reservations[reservation.key] = reservation
                inserted.add(reservation.key)
        return inserted

    async def reservation(self, key: str) -> Reservation | None:
        return self.reservations.get(key)

    async def mark_published(self, reservations: Sequence[Reservation]) -> None:
        if self.fail_mark_published:
            raise ConnectionError("store down")
        for r in reservations:
            record = ComplaintRecord(
                r.complaint_id, r.complaint_number, r.received_event_id, r.source_system
            )
            self.complaints.setdefault(r.complaint_id, record)
            self.complaints.setdefault(r.complaint_number, record)

    async def complaint(self, ref: str) -> ComplaintRecord | None:
        return self.complaints.get(ref)


class MemoryNumbers:
    def __init__(self) -> None:
        self.last: dict[Any, int] = {}

    async def take(self, count: int, now: datetime) -> list[str]:
        day = now.date()
        start = self.last.get(day, 0) + 1
        self.last[day] = start + count - 1
        return [complaint_number(day, n) for n in range(start, start + count)]


class MemoryPublisher:
    def __init__(self) -> None:
        self.events: list[Envelope[Any]] = []
        self.down = self.slow = False

    async def publish(self, events: Sequence[Envelope[Any]]) -> None:
        if self.down:
            raise ConnectionError("broker down")
        if self.slow:
            await asyncio.sleep(0.01)  # other requests run while the broker takes it
        self.events.extend(events)


class MemoryStates:
    """The lifecycle store in memory, with the same revision check as MongoDB's."""

    def __init__(self) -> None:
        self.standings: dict[str, Standing] = {}

    async def standing(self, complaint_id: str) -> Standing:
        return self.standings.get(complaint_id, Standing())

    async def move(
        self, complaint_id: str, revision: int, position: Position, pending: Pending
    ) -> bool:
        current = await self.standing(complaint_id)
        if current.revision != revision:
            return False
        self.standings[complaint_id] = replace(
            current, position=position, revision=revision + 1, pending=pending
        )
        return True

    async def published(self, complaint_id: str, event_id: str) -> None:
        current = await self.standing(complaint_id)
        if current.pending is not None and current.pending.event.event_id == event_id:
            self.standings[complaint_id] = replace(current, pending=None)

    async def classified(
        self, complaint_id: str, event_id: str, policy_id: str, decision: str, needs_review: bool
    ) -> None:
        current = await self.standing(complaint_id)
        position = classified(current.position, decision, needs_review=needs_review)
        self.standings[complaint_id] = replace(
            current, position=position, policy_id=policy_id, revision=current.revision + 1
        )

    async def classified_all(self, classifications: Sequence[Classification]) -> None:
        for item in classifications:
            await self.classified(
                item.complaint_id, item.event_id, item.policy_id, item.decision, item.needs_review
            )


class MemoryCommandKeys:
    def __init__(self) -> None:
        self.kept: dict[str, KeptAnswer] = {}

    async def claim(self, key: str, fingerprint: str) -> KeptAnswer | None:
        if key in self.kept:
            return self.kept[key]
        self.kept[key] = KeptAnswer(fingerprint)
        return None

    async def keep(self, key: str, answer: Answer) -> None:
        self.kept[key] = replace(self.kept[key], answer=answer)

    async def release(self, key: str) -> None:
        self.kept.pop(key, None)
