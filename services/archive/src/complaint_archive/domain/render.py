"""The complaint document as a function of its record and its ordered timeline."""

from datetime import datetime
from typing import Any

from .deadlines import earliest_open_due
from .entries import Document, Entry
from .sections import Sections, settled_purge
from .status import ENDED, PENDING, PURGED


def render(
    complaint_id: str, record: Document | None, record_key: str | None, timeline: list[Entry]
) -> Document:
    """Every field of the document, from the entries in their total order.

    An effective retention purge leaves only a tombstone: number, dates and the purge itself.
    """
    book = Sections()
    for entry in timeline:
        book.take(entry)
    purge = settled_purge(book)
    if purge is not None:
        return tombstone(complaint_id, purge, timeline)
    deadlines = book.deadlines.listed()
    ended = book.status in ENDED
    received_at = _received_at(record, timeline)
    classification = book.classification or {}
    return {
        "_id": complaint_id,
        "complaint_id": complaint_id,
        "number": _number(record),
        "status": book.status or PENDING,
        "status_at": book.status_at,
        "ended_at": book.status_at if ended else None,
        "received_at": received_at,
        "received_month": received_at.strftime("%Y-%m") if received_at else None,
        "sort_at": received_at or timeline[0]["at"],
        "record": record,
        "record_key": record_key,
        "confidential": bool(record and record["complainant"].get("confidential")),
        "classification": book.classification,
        "classifications": book.classifications,
        "policy_id": classification.get("policy_id"),
        "severity": classification.get("severity"),
        "severity_rank": classification.get("severity_rank"),
        "category": classification.get("category"),
        "department": (book.assignment or {}).get("department") or classification.get("department"),
        "flags": classification.get("flags", []),
        "assignment": book.assignment,
        "acknowledgement": book.acknowledgement,
        "contacts": book.contacts,
        "deadlines": deadlines,
        "open_due_at": None if ended else earliest_open_due(deadlines),
        "notices": book.notices,
        "replies": book.replies,
        "reply_outcome": _reply_outcome(book.replies),
        "resolution": book.resolution,
        "cause": (book.resolution or {}).get("cause"),
        "capa": book.capa,
        "closure": book.closure,
        "reopenings": book.reopenings,
        "transfer": book.transfer,
        "withdrawal": book.withdrawal,
        "clock": book.clock,
        "legal_hold": book.legal_hold,
        "attachments": book.attachments,
        "rejections": book.rejections,
        "purge_refused": book.purge_refused,
        **_timeline_fields(timeline),
    }


def tombstone(complaint_id: str, purge: dict[str, Any], timeline: list[Entry]) -> Document:
    """What is left of a purged complaint: no personal data, nothing but the purge."""
    kept = [entry for entry in timeline if entry["event_id"] == purge["event_id"]]
    return {
        "_id": complaint_id,
        "complaint_id": complaint_id,
        "number": purge["complaint_number"],
        "status": PURGED,
        "status_at": purge["at"],
        "sort_at": purge["at"],
        "purge": {name: value for name, value in purge.items() if name != "key"},
        "legal_hold": {"active": False},
        **_timeline_fields(kept),
    }


def _timeline_fields(timeline: list[Entry]) -> Document:
    return {
        "timeline": timeline,
        "event_count": len(timeline),
        "first_event_at": timeline[0]["at"],
        "last_event_at": timeline[-1]["at"],
    }


def _received_at(record: Document | None, timeline: list[Entry]) -> datetime | None:
    if record and record.get("received_at"):
        moment: datetime = record["received_at"]
        return moment
    received = [e["at"] for e in timeline if e["event_type"] == "ComplaintReceived"]
    return received[0] if received else None


def _number(record: Document | None) -> str | None:
    return str(record["number"]) if record else None


def _reply_outcome(replies: list[dict[str, Any]]) -> str | None:
    """accepted / rejected by the complainant, awaiting an answer, or None with no reply."""
    if not replies:
        return None
    verdict = replies[-1]["verdict"]
    if verdict is None:
        return "awaiting"
    return "accepted" if verdict["accepted"] else "rejected"
