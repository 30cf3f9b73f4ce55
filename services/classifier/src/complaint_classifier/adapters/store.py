"""Each complaint's classification as it stands, and the outcome of every consumed event.

A complaint's document has one writer at a time: the consumer that owns the complaint's
partition of both consumed topics (see the subscriber). Outcomes are insert-only and unique
by event, so two replicas handling one event during a rebalance agree on one result.
"""

from collections.abc import Iterable
from dataclasses import asdict, replace
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

    async def currents(self, complaint_ids: Iterable[str]) -> dict[str, Current]:
        found = self.complaints.find({"_id": {"$in": list(complaint_ids)}})
        return {document["_id"]: _current(document) async for document in found}

    async def save_current(self, current: Current) -> Current:
        """An insert for a new complaint (the cheap write); a replacement afterwards."""
        document = _document(current)
        if not current.stored:
            try:
                await self.complaints.insert_one({"_id": current.complaint_id, **document})
                return replace(current, stored=True)
            except DuplicateKeyError:
                pass  # another replica stored it meanwhile (a rebalance): replace it
        await self.complaints.replace_one({"_id": current.complaint_id}, document, upsert=True)
        return replace(current, stored=True)

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


def _document(current: Current) -> dict[str, Any]:
    classification = current.classification
    return {
        "policy_id": current.policy_id,
        "classification": classification.as_payload() if classification else None,
        "manual": current.manual,
        "event_id": current.event_id,
        "pending": [asdict(item) for item in current.pending],
        "overrides": [asdict(item) for item in current.overrides],
        "handled": list(current.handled),
        "updated_at": datetime.now(UTC),
    }


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
        handled=tuple(document.get("handled", ())),
        stored=True,
    )


def _override(document: dict[str, Any]) -> Override:
    flags = document.get("flags")
    return Override(**{**document, "flags": tuple(flags) if flags is not None else None})
