"""Finding a complaint's id by its `TS-` number in the notifier's `complaints` collection
(the REST route takes either), served by an index on `complaint_number`."""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from .complaints import COMPLAINTS


class MongoComplaintNumbers:
    def __init__(self, database: AsyncDatabase[Any]) -> None:
        self.complaints = database[COMPLAINTS]
        self.indexed = False

    async def complaint_id(self, number: str) -> str | None:
        if not self.indexed:
            await self.complaints.create_index("complaint_number", name="by_number")
            self.indexed = True
        found = await self.complaints.find_one({"complaint_number": number}, {"_id": 1})
        return str(found["_id"]) if found else None
