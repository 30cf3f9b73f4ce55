"""MongoDB reads of the archive: one complaint, searches and the counts reports are made of.

Reports only match, unwind, group on keys and count (`$sum: 1`); the rates and shares are
computed from those counts in `domain.reports`, where they are tested without a server.
"""

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from ..domain import PURGED, SUMMARY_READS, Document, Position, SearchFilters
from .indexes import NEWEST, TEXT_FIELDS

Query = dict[str, Any]
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
SUMMARY_FIELDS = {name: 1 for name in (*SUMMARY_READS, "sort_at")}  # sort_at: the next page


ANNUAL_FIELDS = {
    name: 1
    for name in (
        "number",
        "received_at",
        "severity",
        "category",
        "status",
        "record.product.name",
        "record.product.batch",
        "resolution.cause",
        "resolution.actions",
        "resolution.disposition",
    )
}
# Exports stream their rows in batches of this many documents.
BATCH = 500


def search_query(
    filters: SearchFilters, *, now: datetime, after: Position | None, text_index: bool
) -> Query:
    clauses: list[Query] = [
        {name: {"$in": list(values)}}
        for name, values in (
            ("status", filters.status),
            ("severity", filters.severity),
            ("category", filters.category),
            ("department", filters.department),
            ("policy_id", filters.policy_id),
        )
        if values
    ]
    if not filters.status:
        clauses.append({"status": {"$ne": PURGED}})
    clauses.extend(_received(filters.received_from, filters.received_to))
    if filters.product:
        clauses.append({"record.product.name": filters.product})
    if filters.batch:
        clauses.append({"record.product.batch": filters.batch})
    if filters.overdue is not None:
        clauses.append(_overdue(filters.overdue, now))
    if filters.text:
        clauses.append(_text(filters.text, text_index))
    if filters.source_systems is not None:
        clauses.append(_sources(filters.source_systems))
    if after is not None:
        clauses.append(_after(after))
    return {"$and": clauses} if clauses else {}


def _sources(source_systems: tuple[str, ...]) -> Query:
    return {"record.source_system": {"$in": list(source_systems)}}


def _received(start: datetime | None, end: datetime | None) -> list[Query]:
    bounds = {op: moment for op, moment in (("$gte", start), ("$lt", end)) if moment}
    return [{"received_at": bounds}] if bounds else []


def _overdue(overdue: bool, now: datetime) -> Query:
    if overdue:
        return {"open_due_at": {"$lte": now}}
    return {"$or": [{"open_due_at": None}, {"open_due_at": {"$gt": now}}]}


def _text(text: str, text_index: bool) -> Query:
    """A text index splits words on spaces, which Chinese does not have: CJK text (and any
    text where the server has no text index) is matched as a case-insensitive substring."""
    if text_index and not CJK.search(text):
        return {"$text": {"$search": text}}
    pattern = {"$regex": re.escape(text), "$options": "i"}
    return {"$or": [{field: pattern} for field in TEXT_FIELDS]}


def _after(position: Position) -> Query:
    return {
        "$or": [
            {"sort_at": {"$lt": position.sort_at}},
            {"sort_at": position.sort_at, "_id": {"$lt": position.complaint_id}},
        ]
    }


def period(
    months: tuple[str, str] | None,
    policy_id: str | None,
    extra: Query | None = None,
    *,
    source_systems: tuple[str, ...] | None = None,
) -> Query:
    """Complaints received in the months (inclusive, "YYYY-MM") of one policy or all, of the
    source systems given (None: all)."""
    query: Query = {"status": {"$ne": PURGED}}
    if source_systems is not None:
        query |= _sources(source_systems)
    if months:
        query["received_month"] = {"$gte": months[0], "$lte": months[1]}
    if policy_id:
        query["policy_id"] = policy_id
    return {**query, **(extra or {})}


class ArchiveQueries:
    def __init__(self, database: AsyncDatabase[Any], *, text_index: bool) -> None:
        """`text_index`: the server has one (mongod); searches use regular expressions if not."""
        self.complaints = database["complaints"]
        self.text_index = text_index

    async def by_id(self, complaint_id: str) -> Document | None:
        return await self.complaints.find_one({"_id": complaint_id})

    async def by_number(self, number: str) -> Document | None:
        return await self.complaints.find_one({"number": number})

    async def search(
        self, filters: SearchFilters, *, now: datetime, after: Position | None, limit: int
    ) -> list[Document]:
        query = search_query(filters, now=now, after=after, text_index=self.text_index)
        found = self.complaints.find(
            query, SUMMARY_FIELDS, sort=NEWEST, limit=limit, batch_size=min(limit, BATCH)
        )
        return [document async for document in found]

    async def counts(
        self, match: Query, keys: dict[str, str], unwind: str | None = None
    ) -> list[dict[str, Any]]:
        """How many documents (or unwound array items) share each combination of keys."""
        pipeline: list[Query] = [{"$match": match}]
        if unwind:
            pipeline.append({"$project": {unwind: 1}})
            pipeline.append({"$unwind": f"${unwind}"})
        else:
            pipeline.append({"$project": {field.lstrip("$"): 1 for field in keys.values()}})
        pipeline.append({"$group": {"_id": keys, "n": {"$sum": 1}}})
        cursor = await self.complaints.aggregate(pipeline)
        return [{"key": row["_id"], "n": row["n"]} async for row in cursor]

    async def received_in(
        self,
        start: datetime,
        end: datetime,
        policy_id: str | None,
        limit: int,
        source_systems: tuple[str, ...] | None = None,
    ) -> AsyncIterator[Document]:
        query: Query = {"received_at": {"$gte": start, "$lt": end}, "status": {"$ne": PURGED}}
        if policy_id:
            query["policy_id"] = policy_id
        if source_systems is not None:
            query |= _sources(source_systems)
        found = self.complaints.find(
            query, ANNUAL_FIELDS, sort=[("received_at", 1)], limit=limit, batch_size=BATCH
        )
        async for document in found:
            yield document
