"""Idempotency keys of commands in intake's `command_keys` collection, `_id` = the caller's
key id and the `Idempotency-Key` header: `{fingerprint, status, body, at}`. The insert of the
`_id` claims the key (unique), so two requests with one key cannot both run."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ..service_layer import Answer, KeptAnswer
from .unavailable import store_errors

Document = dict[str, Any]


class MongoCommandKeys:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.keys = database["command_keys"]

    async def claim(self, key: str, fingerprint: str) -> KeptAnswer | None:
        document = {"_id": key, "fingerprint": fingerprint, "at": datetime.now(UTC)}
        try:
            with store_errors():
                await self.keys.insert_one(document)
            return None
        except DuplicateKeyError:
            pass
        with store_errors():
            found = await self.keys.find_one({"_id": key})
        if found is None:  # released in between: the caller may retry
            return KeptAnswer(fingerprint, None)
        answer = Answer(found["status"], found["body"]) if "status" in found else None
        return KeptAnswer(found["fingerprint"], answer)

    async def keep(self, key: str, answer: Answer) -> None:
        with store_errors():
            await self.keys.update_one(
                {"_id": key}, {"$set": {"status": answer.status, "body": answer.body}}
            )

    async def release(self, key: str) -> None:
        with store_errors():
            await self.keys.delete_one({"_id": key, "status": {"$exists": False}})
