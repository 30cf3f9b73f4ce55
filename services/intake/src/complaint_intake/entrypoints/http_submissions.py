"""`POST /v1/complaints` (write scope) and `GET /v1/complaints/{ref}` (read scope)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from complaint_runtime import ApiKeys, Caller, briefly, problem_responses, require

from ..domain.lifecycle import Steps, allowed
from ..domain.parsing import Incoming, parse_submission
from ..domain.records import reference_key
from ..domain.refusals import Refusal
from ..service_layer import ComplaintRecord
from .deps import Wiring, WiringDep
from .http_common import error_response, json_body, read_body, refusal_response

REF_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
IDENTIFIER = r"^[A-Za-z0-9._:/-]{1,128}$"  # complaint_events' Identifier
Ref = Annotated[str, Path(pattern=REF_PATTERN, description="Complaint id or TS- number.")]
ERRORS: dict[int | str, dict[str, Any]] = problem_responses(
    400, 401, 403, 404, 409, 413, 415, 422, 429, 503
)
ALREADY_RECEIVED: dict[int | str, dict[str, Any]] = {200: {"description": "Already received"}}


class SubmissionReceipt(BaseModel):
    complaint_id: str
    complaint_number: str
    received_event_id: str
    status: Literal["received", "duplicate"]


class ComplaintStatus(BaseModel):
    """What intake knows of a complaint; the archive service holds the rest."""

    complaint_id: str
    complaint_number: str
    received_event_id: str
    source_system: str
    state: str = Field(description="Its lifecycle state, as intake follows it.")
    policy_id: str | None = Field(description="Its policy (None until it is classified).")
    allowed_commands: list[str] = Field(description="The commands it takes now.")


def submissions_router(keys: ApiKeys) -> APIRouter:
    router = APIRouter(prefix="/v1/complaints", tags=["complaints"])
    writer, reader = Depends(require(keys, "write")), Depends(require(keys, "read"))

    @router.post(
        "",
        status_code=202,
        response_model=SubmissionReceipt,
        responses={**ALREADY_RECEIVED, **ERRORS},
        openapi_extra=json_body("ComplaintSubmission"),
        summary="Submit a complaint",
    )
    async def submit(
        request: Request, response: Response, wiring: WiringDep, caller: Caller = writer
    ) -> SubmissionReceipt | JSONResponse:
        """202 with the new complaint's id and number; 200 with the same for a repeat of
        (source_system, external_reference); 409 when that pair was used for other content."""
        parsed = await _parse(request, wiring)
        if isinstance(parsed, JSONResponse):
            return parsed
        if isinstance(parsed, Incoming) and not caller.may_submit_for(
            parsed.submission.source_system
        ):
            return error_response(403, "forbidden", "this key may not submit for that source")
        if isinstance(parsed, Incoming) and not caller.may_use_policy(parsed.submission.policy_id):
            return error_response(403, "forbidden", "this key may not choose that policy")
        _, committer = wiring.ready()
        result = parsed if isinstance(parsed, Refusal) else await committer.submit(parsed)
        if isinstance(result, Refusal):
            wiring.metrics.rejected.labels("http", result.reason.value).inc()
            return refusal_response(result)
        (wiring.metrics.duplicates if result.duplicate else wiring.metrics.received).labels(
            "http"
        ).inc()
        response.status_code = 200 if result.duplicate else 202
        response.headers["Location"] = f"/v1/complaints/{result.complaint_id}"
        return SubmissionReceipt(
            complaint_id=result.complaint_id,
            complaint_number=result.complaint_number,
            received_event_id=result.received_event_id,
            status="duplicate" if result.duplicate else "received",
        )

    @router.get(
        "",
        response_model=ComplaintStatus,
        responses=ERRORS,
        summary="Find a complaint by its source system and external reference",
    )
    async def by_reference(
        source_system: Annotated[str, Query(pattern=IDENTIFIER, description="Who sent it.")],
        external_reference: Annotated[
            str, Query(pattern=IDENTIFIER, description="Its reference in that system.")
        ],
        wiring: WiringDep,
        caller: Caller = reader,
    ) -> ComplaintStatus | JSONResponse:
        """The complaint a source system submitted under its own reference; 404 when intake
        has published none for that pair, 403 for a key bound to other source systems."""
        if not caller.may_submit_for(source_system):
            return error_response(403, "forbidden", "this key may not act for that source")
        found = await _by_reference(wiring, reference_key(source_system, external_reference))
        if found is None:
            return error_response(404, "unknown_complaint", "no complaint for that reference")
        return await _status(wiring, found)

    @router.get("/{ref}", response_model=ComplaintStatus, responses=ERRORS)
    async def status(
        ref: Ref, wiring: WiringDep, caller: Caller = reader
    ) -> ComplaintStatus | JSONResponse:
        found = await find_complaint(wiring, ref, caller)
        return found if isinstance(found, JSONResponse) else await _status(wiring, found)

    return router


async def _parse(request: Request, wiring: Wiring) -> Incoming | Refusal | JSONResponse:
    settings = wiring.settings
    raw = await read_body(request, settings.max_body_bytes)
    if isinstance(raw, JSONResponse | Refusal):
        return raw
    return parse_submission(
        raw,
        default_channel=settings.http_default_channel,
        max_bytes=settings.max_body_bytes,
        phone_region=settings.phone_region,
        policies=wiring.policies.by_id.keys(),
    )


async def _status(wiring: Wiring, complaint: ComplaintRecord) -> ComplaintStatus:
    intake, _ = wiring.ready()
    wait = wiring.settings.unavailable_after_seconds
    standing = await briefly(
        "lifecycle state", lambda: intake.states.standing(complaint.complaint_id), seconds=wait
    )
    terms = wiring.policies.get(standing.policy_id)
    now = allowed(standing.position, terms.steps if terms else Steps())
    return ComplaintStatus(
        **vars(complaint),
        state=standing.position.state.value,
        policy_id=standing.policy_id,
        allowed_commands=list(now),
    )


async def _by_reference(wiring: Wiring, key: str) -> ComplaintRecord | None:
    intake, _ = wiring.ready()
    wait = wiring.settings.unavailable_after_seconds

    async def lookup() -> ComplaintRecord | None:
        reservation = await intake.store.reservation(key)
        return await intake.store.complaint(reservation.complaint_id) if reservation else None

    return await briefly("find by reference", lookup, seconds=wait)


async def find_complaint(
    wiring: Wiring, ref: str, caller: Caller
) -> ComplaintRecord | JSONResponse:
    """The complaint by id or number; 404 when intake never published it, 403 when the key
    is bound to other source systems."""
    intake, _ = wiring.ready()
    wait = wiring.settings.unavailable_after_seconds
    complaint = await briefly("find complaint", lambda: intake.store.complaint(ref), seconds=wait)
    if complaint is None:
        return error_response(404, "unknown_complaint", f"no complaint {ref}")
    if not caller.may_submit_for(complaint.source_system):
        return error_response(403, "forbidden", "this key may not act for that source")
    return complaint
