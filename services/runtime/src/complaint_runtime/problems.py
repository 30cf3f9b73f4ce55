"""One error format for every service: RFC 9457 problem details (`application/problem+json`).

`{type, title, status, detail, instance}` plus two extension members every answer has:
`reason_codes` (machine-readable why) and `field_errors` (`[{field, message, type}]`, each
naming a field: `payload.complainant.email`, `query.severty`, `header.Idempotency-Key`).
Unknown query parameters are refused (422 naming each) instead of being ignored.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from complaint_events import FieldError

PROBLEM_JSON = "application/problem+json"
REASONS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    503: "unavailable",
}


class Problem(BaseModel):
    """RFC 9457 problem details, with the reason codes and the fields at fault."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="about:blank: the status says what it is.")
    title: str = Field(examples=["Unprocessable Content"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["2 invalid field(s)"])
    instance: str | None = Field(None, description="The request's path.")
    reason_codes: list[str] = Field(examples=[["validation_failed"]])
    field_errors: list[FieldError] = Field(default_factory=list)


def problem_content(
    status: int,
    detail: str,
    *,
    reason: str | None = None,
    field_errors: list[FieldError] | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body = Problem(
        title=_title(status),
        status=status,
        detail=detail,
        instance=instance,
        reason_codes=[reason or REASONS.get(status, "error")],
        field_errors=field_errors or [],
        **extra,
    )
    return body.model_dump(mode="json", exclude_none=True)


def problem(
    status: int,
    detail: str,
    *,
    reason: str | None = None,
    field_errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    content = problem_content(status, detail, reason=reason, field_errors=field_errors, **extra)
    return JSONResponse(content, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def http_problem(request: Request, error: Exception) -> JSONResponse:
    """Errors raised by FastAPI, Starlette and the key check (401, 403, 404, 429...)."""
    if not isinstance(error, HTTPException):
        raise error
    return problem(
        error.status_code,
        str(error.detail),
        headers=dict(error.headers or {}),
        instance=request.url.path,
    )


async def validation_problem(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own validation (path, query, headers, bodies it reads) as a 422 naming each
    field as `<where>.<name>` (`query.limit`, `header.Idempotency-Key`)."""
    details = error.errors() if isinstance(error, RequestValidationError) else []
    errors = [
        FieldError(
            field=".".join(str(part) for part in detail.get("loc", ()))[:1_000],
            message=str(detail.get("msg", ""))[:2_000],
            type=str(detail.get("type", "invalid"))[:200],
        )
        for detail in details
    ]
    detail = f"{len(errors)} invalid field(s): {', '.join(e.field for e in errors)}"[:2_000]
    return problem(422, detail, field_errors=errors, instance=request.url.path)


async def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not take is refused (a misspelt filter would
    otherwise be ignored and the answer would be everything)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known = _query_names(route.dependant)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise RequestValidationError(
            [
                {
                    "type": "unknown_parameter",
                    "loc": ("query", name),
                    "msg": f"unknown query parameter; this route takes: {takes}",
                    "input": request.query_params.get(name),
                }
                for name in unknown
            ]
        )


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for inner in dependant.dependencies:
        names |= _query_names(inner)
    return names


def use_problems(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_problem)
    app.add_exception_handler(RequestValidationError, validation_problem)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting each status as problem details."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "model": Problem,
            "description": _title(status),
            "content": {PROBLEM_JSON: {"schema": schema}},
        }
        for status in statuses
    }
