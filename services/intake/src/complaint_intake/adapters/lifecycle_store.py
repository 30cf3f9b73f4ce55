"""Each complaint's lifecycle state in intake's `lifecycle` collection, one document per
complaint, `_id` = its id:

`{state, done, needs_approval, policy_id, classified_event_id, revision, pending}`.

Every write is a conditional update: a command moves the state only if the revision it read
is still there (two racing commands cannot both pass the check), and a classification only
replaces an older one (a consumed batch's classifications in one bulk write). `pending`
holds a command's event until Kafka has it.
"""

from collections.abc import Sequence
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from complaint_events import decode, encode, header_map
from complaint_runtime import DUPLICATE_KEY

from ..domain.lifecycle import Position, State, classified
from ..service_layer.ports import Classification, Pending, Standing
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
        taken = Classification(complaint_id, event_id, policy_id, decision, needs_review)
        await self.classified_all([taken])

    async def classified_all(self, classifications: Sequence[Classification]) -> None:
        """Two bulk writes for the batch: each classification replaces an older one (or
        creates the document), then the complaints it left in `received` take their first
        state from it. Another command moving a complaint in between keeps its move."""
        if not classifications:
            return
        await self._take(classifications)
        by_event = {item.event_id: item for item in classifications}
        with store_errors():
            taken = await self.lifecycle.find(
                {
                    "_id": {"$in": list({item.complaint_id for item in classifications})},
                    "classified_event_id": {"$in": list(by_event)},
                    "state": State.RECEIVED.value,
                }
            ).to_list(None)
        moves = []
        for found in taken:
            item = by_event[found["classified_event_id"]]
            position = _standing(found).position
            first = classified(position, item.decision, needs_review=item.needs_review)
            if first.state == State.RECEIVED:
                continue
            moves.append(
                UpdateOne(
                    {"_id": found["_id"], "state": State.RECEIVED.value},
                    {"$set": {"state": first.state.value}, "$inc": {"revision": 1}},
                )
            )
        if moves:
            with store_errors():
                await self.lifecycle.bulk_write(moves, ordered=False)

    async def _take(self, classifications: Sequence[Classification]) -> None:
        writes = []
        for item in classifications:
            newer = {
                "$or": [
                    {"classified_event_id": {"$lt": item.event_id}},
                    {"classified_event_id": None},
                ]
            }
            change = {
                "$set": {
                    "policy_id": item.policy_id,
                    "classified_event_id": item.event_id,
                    "needs_approval": item.needs_review,
                },
                "$setOnInsert": {"state": State.RECEIVED.value, "done": []},
                "$inc": {"revision": 1},
            }
            writes.append(UpdateOne({"_id": item.complaint_id, **newer}, change, upsert=True))
        try:
            with store_errors():
                await self.lifecycle.bulk_write(writes, ordered=False)
        except BulkWriteError as error:  # where a newer classification is already there
            others = [e for e in error.details["writeErrors"] if e["code"] != DUPLICATE_KEY]
            if others:
                raise


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
