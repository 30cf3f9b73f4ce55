"""What a search asks for, and the opaque cursor that continues it."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .masking import masked


@dataclass(frozen=True)
class SearchFilters:
    """Every filter is optional; given ones must all hold."""

    status: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    policy_id: tuple[str, ...] = ()
    received_from: datetime | None = None
    received_to: datetime | None = None
    product: str | None = None
    batch: str | None = None
    overdue: bool | None = None
    text: str | None = None
    source_systems: tuple[str, ...] | None = None
    """None: every source system (the key is bound to none)."""


@dataclass(frozen=True)
class Position:
    """Where a page ended: results run newest first by (sort_at, complaint id)."""

    sort_at: datetime
    complaint_id: str


class InvalidCursor(ValueError):
    pass


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.sort_at.isoformat(), position.complaint_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, complaint_id = json.loads(raw)
        sort_at = datetime.fromisoformat(moment)
    except (binascii.Error, ValueError, TypeError) as error:
        raise InvalidCursor("not a cursor this API returned") from error
    if sort_at.tzinfo is None or not isinstance(complaint_id, str):
        raise InvalidCursor("not a cursor this API returned")
    return Position(sort_at.astimezone(UTC), complaint_id)


SUMMARY_COLUMNS = (
    "complaint_id",
    "number",
    "status",
    "received_at",
    "policy_id",
    "severity",
    "category",
    "department",
    "product",
    "batch",
    "title",
    "open_due_at",
    "retain_until",
)
FROM_THE_RECORD = {"product": "record.product.name", "batch": "record.product.batch"}
SUMMARY_READS = (
    *(name for name in SUMMARY_COLUMNS if name not in (*FROM_THE_RECORD, "title")),
    *FROM_THE_RECORD.values(),
    "record.title",
    "confidential",  # with the complainant: to mask them in the title
    "record.complainant",
)
"""The document fields `summary` reads: what a search fetches."""


def summary(document: dict[str, Any]) -> dict[str, Any]:
    """A search hit: what a list shows, and no personal data (a confidential complainant's
    name or contact details in the title are masked, whoever asks)."""
    record = masked(document).get("record") or {}
    product = record.get("product") or {}
    picked = {name: document.get(name) for name in SUMMARY_COLUMNS}
    picked.update(product=product.get("name"), batch=product.get("batch"))
    picked["title"] = record.get("title")
    return picked
