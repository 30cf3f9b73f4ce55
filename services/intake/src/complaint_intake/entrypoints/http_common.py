"""What every REST route shares: reading a bounded body, error bodies, request schemas."""

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Histogram
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from complaint_events import FieldError
from complaint_runtime import Problem, problem, problem_content
from complaint_runtime.problems import http_problem, validation_problem

from ..domain.refusals import Reason, Refusal

STATUS = {
    Reason.NOT_UTF8: 400,
    Reason.NOT_JSON: 400,
    Reason.TOO_LARGE: 413,
    Reason.UNKNOWN_EVENT_TYPE: 422,
    Reason.UNSUPPORTED_SCHEMA_VERSION: 422,
    Reason.VALIDATION_FAILED: 422,
    Reason.DUPLICATE_CONFLICT: 409,
}
JSON_TYPES = ("application/json", "application/*+json")
COMPONENTS = "#/components/schemas/{model}"


ErrorBody = Problem  # every refusal: RFC 9457 problem details (complaint_runtime.problems)


def error_response(
    status: int,
    reason: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return problem(status, detail, reason=reason, field_errors=errors, headers=headers, **extra)


def error_content(
    status: int, reason: str, detail: str, errors: list[FieldError] | None = None, **extra: Any
) -> dict[str, Any]:
    return problem_content(status, detail, reason=reason, field_errors=errors, **extra)


def refusal_response(refusal: Refusal) -> JSONResponse:
    return error_response(
        STATUS[refusal.reason], refusal.reason.value, refusal.detail, list(refusal.field_errors)
    )


async def read_body(request: Request, limit: int) -> bytes | Refusal | JSONResponse:
    """The body, read no further than `limit` bytes; 415 for a body that is not JSON."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0]
    if not _is_json(content_type.strip().lower()):
        return error_response(415, "unsupported_media_type", "send application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return Refusal(Reason.TOO_LARGE, f"{declared} bytes; the limit is {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return Refusal(Reason.TOO_LARGE, f"more than {limit} bytes")
    return bytes(body)


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def json_body(model_name: str) -> dict[str, Any]:
    """`openapi_extra` documenting a JSON request body that the route reads itself."""
    schema = {"$ref": COMPONENTS.format(model=model_name)}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def document_request_models(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Add the request models (read by the routes themselves) to the OpenAPI components."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        _, definitions = models_json_schema(
            [(model, "validation") for model in models], ref_template=COMPONENTS
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in definitions.get("$defs", {}).items():
            components.setdefault(name, definition)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


invalid_request = validation_problem  # FastAPI's own validation, in the same format
http_error = http_problem  # errors of FastAPI, Starlette and the key check


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


class RequestLatency:
    """ASGI middleware timing each request by route template (never the raw path: ids)."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app, self.histogram = app, histogram

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            elapsed = time.perf_counter() - started
            self.histogram.labels(method, template, str(status)).observe(elapsed)
