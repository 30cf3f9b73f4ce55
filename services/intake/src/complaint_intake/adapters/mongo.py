"""Intake's MongoDB collections. Only inserts of unique `_id`s and reads by `_id`.

A submission is taken once because its `_id` is unique: the first insert wins, whoever races,
and a repeat reads what the first stored.

- `submissions`: `{_id: "<source>|<reference>", complaint ids and times}`, the reservation;
- `complaints`: two documents per published complaint, `_id` = its id and `_id` = its number.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from complaint_runtime import insert_new as insert_unless_present

from ..domain.records import Reservation
from ..service_layer import ComplaintRecord
from .unavailable import store_errors

Document = dict[str, Any]


async def insert_new(collection: AsyncCollection[Document], docs: Sequence[Document]) -> set[int]:
    """Insert every document whose `_id` is new; the indexes of those that already existed."""
    with store_errors():
        return set(await insert_unless_present(collection, docs))


class MongoStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.submissions = database["submissions"]
        self.complaints = database["complaints"]

    async def reserve(self, reservations: Sequence[Reservation]) -> set[str]:
        existing = await insert_new(self.submissions, [_document(r) for r in reservations])
        return {r.key for index, r in enumerate(reservations) if index not in existing}

    async def reservation(self, key: str) -> Reservation | None:
        with store_errors():
            found = await self.submissions.find_one({"_id": key})
        return _reservation(found) if found else None

    async def mark_published(self, reservations: Sequence[Reservation]) -> None:
        now = datetime.now(UTC)
        docs = [
            {"_id": ref, **_record(reservation), "published_at": now}
            for reservation in reservations
            for ref in (reservation.complaint_id, reservation.complaint_number)
        ]
        await insert_new(self.complaints, docs)

    async def complaint(self, ref: str) -> ComplaintRecord | None:
        with store_errors():
            found = await self.complaints.find_one({"_id": ref})
        if not found:
            return None
        return ComplaintRecord(
            found["complaint_id"],
            found["complaint_number"],
            found["received_event_id"],
            found["source_system"],
        )


def _record(reservation: Reservation) -> Document:
    return {
        "complaint_id": reservation.complaint_id,
        "complaint_number": reservation.complaint_number,
        "received_event_id": reservation.received_event_id,
        "source_system": reservation.source_system,
    }


def _document(reservation: Reservation) -> Document:
    return {
        "_id": reservation.key,
        **_record(reservation),
        "received_at": reservation.received_at,
        "occurred_at": reservation.occurred_at,
        "correlation_id": reservation.correlation_id,
        "causation_id": reservation.causation_id,
        "fingerprint": reservation.fingerprint,
    }


def _reservation(found: Mapping[str, Any]) -> Reservation:
    return Reservation(
        key=found["_id"],
        source_system=found["source_system"],
        complaint_id=found["complaint_id"],
        complaint_number=found["complaint_number"],
        received_event_id=found["received_event_id"],
        received_at=_utc(found["received_at"]),
        occurred_at=_utc(found["occurred_at"]),
        correlation_id=found["correlation_id"],
        causation_id=found["causation_id"],
        fingerprint=found["fingerprint"],
    )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
