"""What the REST routes share: finding a complaint, 422s that name the parameter, CSV."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from complaint_runtime import Caller

from ..domain import PURGED, Document, csv_text
from ..service_layer import Archive

NUMBER_PREFIX = "TS-"


def bad_parameter(name: str, message: str, value: Any, where: str = "query") -> Exception:
    """A 422 whose `loc` names the parameter, like FastAPI's own validation errors."""
    return RequestValidationError(
        [{"type": "value_error", "loc": (where, name), "msg": message, "input": value}]
    )


async def find_complaint(archive: Archive, reference: str, caller: Caller) -> Document:
    """By complaint id or by `TS-` number; 404 when unknown, 403 when the key is bound to
    other source systems, 410 when purged."""
    if reference.startswith(NUMBER_PREFIX):
        document = await archive.queries.by_number(reference)
    else:
        document = await archive.queries.by_id(reference)
    if document is None:
        raise HTTPException(404, f"no complaint {reference!r}")
    if not caller.sees((document.get("record") or {}).get("source_system")):
        raise HTTPException(403, "this API key may not see complaints of that source system")
    if document["status"] == PURGED:
        purge = document.get("purge", {})
        raise HTTPException(410, f"complaint {reference!r} was purged on {purge.get('purged_at')}")
    return document


def csv_response(name: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Response(
        csv_text(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'},
    )


def public(document: Document) -> Document:
    """The document as the API shows it (without storage details)."""
    shown = {name: value for name, value in document.items() if name not in {"_id", "record_key"}}
    shown["timeline"] = [_entry(entry) for entry in document.get("timeline", [])]
    return shown


def _entry(entry: Document) -> Document:
    return {name: value for name, value in entry.items() if name != "key"}


def sources_of(caller: Caller) -> tuple[str, ...] | None:
    """The source systems whose complaints a key may list and count; None: every one."""
    return None if caller.every_source else tuple(sorted(caller.source_systems))
