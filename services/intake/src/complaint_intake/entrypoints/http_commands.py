"""`POST /v1/complaints/{ref}/{command}`: one route per lifecycle command (write scope)."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from complaint_events import LIFECYCLE_COMMANDS, Envelope, LifecycleEvent
from complaint_runtime import ApiKeys, Caller, require

from ..adapters.retrying import briefly
from ..commands import PolicyRefusal
from ..commands import record as record_command
from ..domain.lifecycle import NotAllowed
from ..domain.parsing import parse_command
from ..domain.refusals import Refusal
from .deps import Wiring, WiringDep
from .http_common import error_response, json_body, read_body, refusal_response
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


def _endpoint(command: str, writer: Any) -> Callable[..., Awaitable[Any]]:
    async def record(
        ref: Ref, request: Request, wiring: WiringDep, caller: Caller = writer
    ) -> CommandRecorded | JSONResponse:
        payload = await _parse(command, request, wiring)
        if isinstance(payload, JSONResponse):
            return payload
        complaint = await find_complaint(wiring, ref, caller)
        if isinstance(complaint, JSONResponse):
            return complaint
        intake, _ = wiring.ready()
        wait = wiring.settings.unavailable_after_seconds
        outcome = await briefly(
            f"record {command}",
            lambda: record_command(intake, wiring.policies, complaint, payload),
            seconds=wait,
        )
        if not isinstance(outcome, Envelope):
            return _refused(outcome)
        event = outcome
        wiring.metrics.commands.labels(command).inc()
        return CommandRecorded(
            event_id=event.event_id,
            event_type=event.event_type,
            complaint_id=complaint.complaint_id,
            complaint_number=complaint.complaint_number,
        )

    record.__doc__ = f"Publish `{LIFECYCLE_COMMANDS[command].event_type}` for the complaint."
    return record


def _refused(outcome: NotAllowed | PolicyRefusal) -> JSONResponse:
    if isinstance(outcome, NotAllowed):
        return error_response(
            409,
            "not_allowed_now",
            outcome.detail,
            state=outcome.state.value,
            allowed_commands=list(outcome.allowed),
        )
    detail = f"not known to policy {outcome.policy_id}"
    return error_response(422, "not_in_policy", detail, list(outcome.field_errors))


async def _parse(command: str, request: Request, wiring: Wiring) -> LifecycleEvent | JSONResponse:
    limit = wiring.settings.max_body_bytes
    raw = await read_body(request, limit)
    if isinstance(raw, JSONResponse):
        return raw
    parsed = raw if isinstance(raw, Refusal) else parse_command(command, raw, max_bytes=limit)
    return refusal_response(parsed) if isinstance(parsed, Refusal) else parsed
