"""Each complaint's lifecycle state in intake's `lifecycle` collection, one document per
complaint, `_id` = its id:

`{state, done, needs_approval, policy_id, classified_event_id, revision, pending}`.

Every write is one conditional update: a command moves the state only if the revision it read
is still there (two racing commands cannot both pass the check), and a classification only
replaces an older one. `pending` holds a command's event until Kafka has it.
"""

from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from complaint_events import decode, encode, header_map

from ..domain.lifecycle import Position, State, classified
from ..service_layer.ports import Pending, Standing
from .unavailable import store_errors

Document = dict[str, Any]


class MongoStates:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.lifecycle = database["lifecycle"]

    async def standing(self, complaint_id: str) -> Standing:
        with store_errors():
            found = await self.lifecycle.find_one({"_id": complaint_id})
        return _standing(found) if found else Standing()

    async def move(
        self, complaint_id: str, revision: int, position: Position, pending: Pending
    ) -> bool:
        change = {"$set": {**_position(position), "pending": _pending(pending)}}
        change["$set"]["revision"] = revision + 1
        try:
            with store_errors():
                result = await self.lifecycle.update_one(
                    {"_id": complaint_id, "revision": revision}, change, upsert=revision == 0
                )
        except DuplicateKeyError:  # someone wrote the document first: our revision is stale
            return False
        return result.matched_count == 1 or result.upserted_id is not None

    async def published(self, complaint_id: str, event_id: str) -> None:
        with store_errors():
            await self.lifecycle.update_one(
                {"_id": complaint_id, "pending.event_id": event_id}, {"$unset": {"pending": ""}}
            )

    async def classified(
        self, complaint_id: str, event_id: str, policy_id: str, decision: str, needs_review: bool
    ) -> None:
        newer = {"$or": [{"classified_event_id": {"$lt": event_id}}, {"classified_event_id": None}]}
        change = {
            "$set": {
                "policy_id": policy_id,
                "classified_event_id": event_id,
                "needs_approval": needs_review,
            },
            "$setOnInsert": {"state": State.RECEIVED.value, "done": []},
            "$inc": {"revision": 1},
        }
        try:
            with store_errors():
                found = await self.lifecycle.find_one_and_update(
                    {"_id": complaint_id, **newer},
                    change,
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
        except DuplicateKeyError:  # a newer classification is already there
            return
        if found is None:
            return
        first = classified(_standing(found).position, decision, needs_review=needs_review)
        with store_errors():
            await self.lifecycle.update_one(
                {"_id": complaint_id, "state": State.RECEIVED.value},
                {"$set": {"state": first.state.value}, "$inc": {"revision": 1}},
            )


def _position(position: Position) -> Document:
    return {
        "state": position.state.value,
        "done": sorted(position.done),
        "needs_approval": position.needs_approval,
    }


def _pending(pending: Pending) -> Document:
    return {
        "event_id": pending.event.event_id,
        "value": encode(pending.event),
        "headers": header_map(pending.event),
        "fingerprint": pending.fingerprint,
    }


def _standing(found: Document) -> Standing:
    position = Position(
        State(found.get("state", State.RECEIVED.value)),
        frozenset(found.get("done", [])),
        bool(found.get("needs_approval", False)),
    )
    stored = found.get("pending")
    pending = None
    if stored:
        event = decode(bytes(stored["value"]), stored["headers"])
        pending = Pending(event, stored["fingerprint"])
    return Standing(position, found.get("policy_id"), int(found.get("revision", 0)), pending)
