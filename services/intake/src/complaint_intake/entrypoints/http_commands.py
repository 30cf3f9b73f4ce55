"""`POST /v1/complaints/{ref}/{command}`: one route per lifecycle command (write scope)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from complaint_events import LIFECYCLE_COMMANDS, LifecycleEvent
from complaint_runtime import ApiKeys, Caller, briefly, require

from ..domain.lifecycle import NotAllowed
from ..domain.parsing import parse_command
from ..domain.refusals import Refusal
from ..service_layer import Answer, ComplaintRecord
from ..service_layer.commands import KeyReused, Outcome, PolicyRefusal, answered_once, fingerprint
from ..service_layer.commands import record as record_command
from .deps import Wiring, WiringDep
from .http_common import error_content, json_body, read_body, refusal_response
from .http_submissions import ERRORS, Ref, find_complaint


class CommandRecorded(BaseModel):
    event_id: str
    event_type: str
    complaint_id: str
    complaint_number: str


def commands_router(keys: ApiKeys) -> APIRouter:
    router = APIRouter(prefix="/v1/complaints", tags=["lifecycle commands"])
    writer = Depends(require(keys, "write"))
    for command, event in LIFECYCLE_COMMANDS.items():
        router.add_api_route(
            f"/{{ref}}/{command}",
            _endpoint(command, writer),
            methods=["POST"],
            status_code=202,
            response_model=CommandRecorded,
            responses=ERRORS,
            openapi_extra=json_body(event.__name__),
            summary=f"Record {event.event_type}",
            name=command,
        )
    return router


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,255}$",
        description="Repeat a command safely: the same key and body get the same answer; "
        "the same key with another body gets 409.",
    ),
]


def _endpoint(command: str, writer: Any) -> Callable[..., Awaitable[Any]]:
    async def record(
        ref: Ref,
        request: Request,
        wiring: WiringDep,
        idempotency_key: IdempotencyKey = None,
        caller: Caller = writer,
    ) -> JSONResponse:
        complaint = await find_complaint(wiring, ref, caller)  # 404/403 before the body
        if isinstance(complaint, JSONResponse):
            return complaint
        payload = await _parse(command, request, wiring)
        if isinstance(payload, JSONResponse):
            return payload
        intake, _ = wiring.ready()
        wait = wiring.settings.unavailable_after_seconds

        async def answer() -> Answer:
            outcome = await briefly(
                f"record {command}",
                lambda: record_command(intake, wiring.policies, complaint, payload),
                seconds=wait,
            )
            return _answer(outcome, complaint, wiring)

        if idempotency_key is None:
            given = await answer()
        else:
            key, mark = (
                f"{caller.key_id}|{idempotency_key}",
                fingerprint(complaint.complaint_id, payload),
            )
            kept = await briefly(
                "idempotency key", lambda: answered_once(intake, key, mark, answer), seconds=wait
            )
            given = _reused(kept) if isinstance(kept, KeyReused) else kept
        return JSONResponse(given.body, status_code=given.status)

    record.__doc__ = f"Publish `{LIFECYCLE_COMMANDS[command].event_type}` for the complaint."
    return record


def _answer(outcome: Outcome, complaint: ComplaintRecord, wiring: Wiring) -> Answer:
    if isinstance(outcome, NotAllowed):
        return Answer(
            409,
            error_content(
                409,
                "not_allowed_now",
                outcome.detail,
                state=outcome.state.value,
                allowed_commands=list(outcome.allowed),
            ),
        )
    if isinstance(outcome, PolicyRefusal):
        detail = f"not known to policy {outcome.policy_id}"
        return Answer(422, error_content(422, "not_in_policy", detail, list(outcome.field_errors)))
    wiring.metrics.commands.labels(outcome.payload.command).inc()
    recorded = CommandRecorded(
        event_id=outcome.event_id,
        event_type=outcome.event_type,
        complaint_id=complaint.complaint_id,
        complaint_number=complaint.complaint_number,
    )
    return Answer(202, recorded.model_dump(mode="json"))


def _reused(kept: KeyReused) -> Answer:
    detail = (
        "a request with this Idempotency-Key is still being answered; retry later"
        if kept.in_progress
        else "this Idempotency-Key was used for another request"
    )
    return Answer(409, error_content(409, "idempotency_key_reused", detail))


async def _parse(command: str, request: Request, wiring: Wiring) -> LifecycleEvent | JSONResponse:
    limit = wiring.settings.max_body_bytes
    raw = await read_body(request, limit)
    if isinstance(raw, JSONResponse):
        return raw
    parsed = raw if isinstance(raw, Refusal) else parse_command(command, raw, max_bytes=limit)
    return refusal_response(parsed) if isinstance(parsed, Refusal) else parsed
