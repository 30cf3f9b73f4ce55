"""Each complaint's classification as it stands, and the outcome of every consumed event.

A complaint's document has one writer at a time: the consumer that owns the complaint's
partition of both consumed topics (see the subscriber). Outcomes are insert-only and unique
by event, so two replicas handling one event during a rebalance agree on one result.
"""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from complaint_events import ComplaintClassified, envelope_type
from complaint_runtime import insert_new

from ..service_layer import Current, Outcome, Override, Status, classification_from_payload
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
        found = self.complaints.find({"_id": {"$in": sorted(set(complaint_ids))}})
        return {document["_id"]: _current(document) async for document in found}

    async def create_all(self, currents: Sequence[Current]) -> list[bool]:
        """One insert: the cheap write, and the test of whether a complaint has a record."""
        documents = [{"_id": current.complaint_id, **_document(current)} for current in currents]
        existing = await insert_new(self.complaints, documents)
        return [position not in existing for position in range(len(documents))]

    async def save(self, current: Current) -> Current:
        (created,) = [False] if current.stored else await self.create_all([current])
        if not created:
            where = {"_id": current.complaint_id}
            await self.complaints.replace_one(where, _document(current), upsert=True)
        return replace(current, stored=True)

    async def outcome(self, complaint_id: str, source_event_id: str) -> Outcome | None:
        found = await self.outcomes.find_one({"_id": _outcome_id(complaint_id, source_event_id)})
        return _outcome(found) if found else None

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        existing = await insert_new(self.outcomes, [_outcome_document(o) for o in outcomes])
        stored = list(outcomes)
        for position in existing:  # another replica's outcome for the same event stands
            found = await self.outcome(*_key(outcomes[position]))
            stored[position] = found or stored[position]
        return stored


def _key(outcome: Outcome) -> tuple[str, str]:
    return outcome.complaint_id, outcome.source_event_id


def _outcome_document(outcome: Outcome) -> dict[str, Any]:
    return {
        "_id": _outcome_id(*_key(outcome)),
        "complaint_id": outcome.complaint_id,
        "source_event_id": outcome.source_event_id,
        "status": outcome.status.value,
        "event": outcome.event.model_dump(mode="json") if outcome.event else None,
        "recorded_at": datetime.now(UTC),
    }


def _document(current: Current) -> dict[str, Any]:
    return {
        "policy_id": current.policy_id,
        "manual": current.manual,
        "event": current.event.model_dump(mode="json") if current.event else None,
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
    found = document.get("event")
    event = ClassifiedEnvelope.model_validate(found) if found else None
    payload = event.payload.model_dump(mode="json") if event else None
    return Current(
        complaint_id=document["_id"],
        policy_id=document.get("policy_id"),
        classification=classification_from_payload(payload) if payload else None,
        event=event,
        pending=tuple(_override(item) for item in document.get("pending", ())),
        overrides=tuple(_override(item) for item in document.get("overrides", ())),
        handled=tuple(document.get("handled", ())),
        stored=True,
    )


def _override(document: dict[str, Any]) -> Override:
    flags = document.get("flags")
    return Override(**{**document, "flags": tuple(flags) if flags is not None else None})
