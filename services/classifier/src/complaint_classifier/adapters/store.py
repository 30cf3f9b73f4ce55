"""Each complaint's classification as it stands, and the outcome of every consumed event.

A complaint's document has one writer at a time: the consumer that owns the complaint's
partition of both consumed topics (see the subscriber). Outcomes are insert-only and unique
by event, so two replicas handling one event during a rebalance agree on one result.
"""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from complaint_events import ComplaintClassified, envelope_type

from ..use_cases import Current, Outcome, Override, Status, classification_from_payload
from .indexes import COMPLAINTS, OUTCOMES

ClassifiedEnvelope = envelope_type(ComplaintClassified)


class MongoStore:
    def __init__(self, database: AsyncDatabase[Any]) -> None:
        self.complaints = database[COMPLAINTS]
        self.outcomes = database[OUTCOMES]
        self.database = database

    async def ping(self) -> None:
        await self.database.client.admin.command("ping")

    async def outcome(self, complaint_id: str, source_event_id: str) -> Outcome | None:
        found = await self.outcomes.find_one({"_id": _outcome_id(complaint_id, source_event_id)})
        return _outcome(found) if found else None

    async def record_outcome(self, outcome: Outcome) -> Outcome:
        document = {
            "_id": _outcome_id(outcome.complaint_id, outcome.source_event_id),
            "complaint_id": outcome.complaint_id,
            "source_event_id": outcome.source_event_id,
            "status": outcome.status.value,
            "event": outcome.event.model_dump(mode="json") if outcome.event else None,
            "recorded_at": datetime.now(UTC),
        }
        try:
            await self.outcomes.insert_one(document)
        except DuplicateKeyError:
            found = await self.outcomes.find_one({"_id": document["_id"]})
            if found is not None:
                return _outcome(found)
        return outcome

    async def current(self, complaint_id: str) -> Current | None:
        found = await self.complaints.find_one({"_id": complaint_id})
        return _current(found) if found else None

    async def save_current(self, current: Current) -> None:
        classification = current.classification
        document = {
            "policy_id": current.policy_id,
            "classification": classification.as_payload() if classification else None,
            "manual": current.manual,
            "event_id": current.event_id,
            "pending": [asdict(item) for item in current.pending],
            "overrides": [asdict(item) for item in current.overrides],
            "updated_at": datetime.now(UTC),
        }
        where = {"_id": current.complaint_id}
        try:
            await self.complaints.replace_one(where, document, upsert=True)
        except DuplicateKeyError:  # two upserts raced to insert it; it exists now
            await self.complaints.replace_one(where, document, upsert=True)


def _outcome_id(complaint_id: str, source_event_id: str) -> str:
    return f"{complaint_id}/{source_event_id}"


def _outcome(document: dict[str, Any]) -> Outcome:
    event = document.get("event")
    return Outcome(
        complaint_id=document["complaint_id"],
        source_event_id=document["source_event_id"],
        status=Status(document["status"]),
        event=ClassifiedEnvelope.model_validate(event) if event else None,
    )


def _current(document: dict[str, Any]) -> Current:
    classification = document.get("classification")
    return Current(
        complaint_id=document["_id"],
        policy_id=document.get("policy_id"),
        classification=classification_from_payload(classification) if classification else None,
        event_id=document.get("event_id"),
        pending=tuple(_override(item) for item in document.get("pending", ())),
        overrides=tuple(_override(item) for item in document.get("overrides", ())),
    )


def _override(document: dict[str, Any]) -> Override:
    flags = document.get("flags")
    return Override(**{**document, "flags": tuple(flags) if flags is not None else None})
