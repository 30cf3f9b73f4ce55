"""REST routes of complaints: one by id or number, search, timeline, attachments."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response, StreamingResponse

from complaint_runtime import ApiKeys, Caller, problem, problem_responses, require

from ..domain import (
    STATUSES,
    SUMMARY_COLUMNS,
    Document,
    InvalidCursor,
    Position,
    SearchFilters,
    decode_cursor,
    encode_cursor,
    summary,
    visible,
)
from ..domain.attachments import AttachmentProblem
from ..service_layer import Archive, store_attachment
from .deps import ArchiveDep, WiringDep
from .http_common import bad_parameter, csv_response, find_complaint, public, sources_of
from .schemas import SearchPage, StoredAttachment, Summary, Timeline

Values = Annotated[list[str] | None, Query()]
Format = Annotated[Literal["json", "csv"], Query(description="csv: the whole result as CSV.")]
COMPLAINT = "Complaint id or number (TS-YYYYMMDD-NNNNNN)."


def complaints_router(keys: ApiKeys) -> APIRouter:
    router = APIRouter(
        prefix="/complaints",
        tags=["complaints"],
        responses=problem_responses(401, 403, 404, 410, 422, 429, 503),
    )
    reader = Annotated[Caller, Depends(require(keys, "read"))]
    writer = Annotated[Caller, Depends(require(keys, "write"))]

    @router.get("/{reference}", summary="One complaint's document")
    async def get_complaint(reference: str, caller: reader, archive: ArchiveDep) -> dict[str, Any]:
        """The whole document. A confidential complainant's name, phone, e-mail and address
        are masked unless the key has the `privileged` scope. 404 unknown, 410 purged."""
        document = await find_complaint(archive, reference, caller)
        return public(visible(document, privileged="privileged" in caller.scopes))

    @router.get("/{reference}/timeline", response_model=Timeline, summary="Events of one complaint")
    async def timeline(reference: str, caller: reader, archive: ArchiveDep) -> dict[str, Any]:
        document = public(await find_complaint(archive, reference, caller))
        return {
            "complaint_id": document["complaint_id"],
            "number": document.get("number"),
            "events": document["timeline"],
        }

    @router.get("", response_model=SearchPage, summary="Search complaints, newest first")
    async def search(
        caller: reader,
        wiring: WiringDep,
        archive: ArchiveDep,
        status: Values = None,
        severity: Values = None,
        category: Values = None,
        department: Values = None,
        policy_id: Values = None,
        received_from: datetime | None = None,
        received_to: Annotated[datetime | None, Query(description="Exclusive.")] = None,
        product: Annotated[str | None, Query(description="Exact product name.")] = None,
        batch: Annotated[str | None, Query(description="Exact batch or lot.")] = None,
        overdue: Annotated[bool | None, Query(description="An unmet deadline is due.")] = None,
        q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        cursor: str | None = None,
        limit: Annotated[int, Query(ge=1)] = 50,
        format: Format = "json",
    ) -> Any:
        """Filters combine with AND; a list parameter (`status=closed&status=withdrawn`) matches
        any of its values. `q` matches title, description and product name."""
        filters = SearchFilters(
            status=_statuses(status),
            severity=tuple(severity or ()),
            category=tuple(category or ()),
            department=tuple(department or ()),
            policy_id=tuple(policy_id or ()),
            received_from=_utc(received_from),
            received_to=_utc(received_to),
            product=product,
            batch=batch,
            overdue=overdue,
            text=q,
            source_systems=sources_of(caller),
        )
        after = _position(cursor)
        if format == "csv":
            hits = await _all(archive, filters, after, wiring.settings.export_rows_max)
            return csv_response("complaints", SUMMARY_COLUMNS, hits)
        if limit > wiring.settings.page_size_max:
            raise bad_parameter("limit", f"at most {wiring.settings.page_size_max}", limit)
        return await _page(archive, filters, after, limit)

    @router.post(
        "/{reference}/attachments",
        status_code=202,
        response_model=StoredAttachment,
        responses=problem_responses(413, 415),
        summary="Attach a file",
    )
    async def attach(
        reference: str,
        caller: writer,
        wiring: WiringDep,
        archive: ArchiveDep,
        file: Annotated[UploadFile, File(description="The file (multipart/form-data).")],
    ) -> Any:
        """Stored in GridFS at once; the complaint's document lists it once the archive has
        consumed the `AttachmentStored` event it records (hence 202)."""
        document = await find_complaint(archive, reference, caller)
        limits = wiring.attachment_limits
        data = await file.read(limits.max_bytes + 1)
        stored = await store_attachment(
            archive,
            complaint_id=document["complaint_id"],
            filename=_filename(file.filename),
            content_type=file.content_type,
            data=data,
            limits=limits,
        )
        if isinstance(stored, AttachmentProblem):
            return problem(stored.status, stored.reason)
        path = f"/complaints/{document['complaint_id']}/attachments/{stored.attachment_id}"
        return {**stored.model_dump(mode="json"), "download": path}

    @router.get("/{reference}/attachments/{attachment_id}", summary="Download an attachment")
    async def download(
        reference: str, attachment_id: str, caller: reader, archive: ArchiveDep
    ) -> Response:
        """Attachments of a confidential complaint need the `privileged` scope."""
        document = await find_complaint(archive, reference, caller)
        if document.get("confidential") and "privileged" not in caller.scopes:
            return problem(403, "confidential: needs the privileged scope")
        found = await archive.files.find(document["complaint_id"], attachment_id)
        if found is None:
            return problem(404, f"no attachment {attachment_id!r}")
        return StreamingResponse(
            archive.files.chunks(attachment_id),
            media_type=found.content_type,
            headers={
                "Content-Length": str(found.size_bytes),
                "Content-Disposition": f"attachment; filename*=UTF-8''{_quoted(found.filename)}",
                "Digest": f"sha-256={found.sha256}",
            },
        )

    return router


def _statuses(values: list[str] | None) -> tuple[str, ...]:
    for value in values or ():
        if value not in STATUSES:
            raise bad_parameter("status", f"not a status; one of {', '.join(STATUSES)}", value)
    return tuple(values or ())


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _position(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor)
    except InvalidCursor as error:
        raise bad_parameter("cursor", str(error), cursor) from error


async def _page(
    archive: Archive, filters: SearchFilters, after: Position | None, limit: int
) -> SearchPage:
    now = archive.clock()
    found = await archive.queries.search(filters, now=now, after=after, limit=limit + 1)
    hits, more = found[:limit], len(found) > limit
    next_cursor = encode_cursor(_after(hits[-1])) if more else None
    return SearchPage(items=[Summary(**summary(hit)) for hit in hits], next_cursor=next_cursor)


async def _all(
    archive: Archive, filters: SearchFilters, after: Position | None, most: int
) -> list[Document]:
    hits: list[Document] = []
    while len(hits) < most:
        size = min(1_000, most - len(hits))
        page = await archive.queries.search(filters, now=archive.clock(), after=after, limit=size)
        hits.extend(summary(hit) for hit in page)
        if len(page) < size:
            break
        after = _after(page[-1])
    return hits


def _after(document: Document) -> Position:
    return Position(document["sort_at"], document["_id"])


def _filename(name: str | None) -> str:
    """The base name only, at most 200 characters; a name is always given."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:200] or "attachment"


def _quoted(name: str) -> str:
    return quote(name, safe="")
