"""Fuzz the REST API from its own OpenAPI document (schemathesis generates, we send in-process).

Valid and invalid requests for every route; no request may get a 5xx, and every answer must
match what the document promises.
"""

from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
from httpx import AsyncClient
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .inprocess import WRITER, Fakes, make_app, running

pytestmark = pytest.mark.unit
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
DOCUMENT = make_app(Fakes()).openapi()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
# Readiness answers 503 by design here: the in-memory adapters have no database to ping.
OPERATIONS = [
    result.ok() for result in SCHEMA.get_all_operations() if result.ok().path != "/health/ready"
]


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[AsyncClient]:
    fakes = Fakes()
    async with running(make_app(fakes, max_body_bytes=64 * 1024)) as found:
        # some complaints exist, so commands also reach their success path
        for reference in ("F-1", "F-2"):
            await found.post(
                "/v1/complaints",
                json={
                    "source_system": "erp",
                    "external_reference": reference,
                    "description": "破损",
                    "complainant": {"anonymous": True},
                },
                headers={"X-API-Key": WRITER},
            )
        yield found


def request_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis prepares `requests` arguments; httpx names the raw body `content`."""
    arguments = {key: kwargs[key] for key in ("method", "url", "headers", "params")}
    if kwargs.get("cookies"):
        arguments["headers"]["cookie"] = "; ".join(f"{k}={v}" for k, v in kwargs["cookies"].items())
    if "json" in kwargs:
        arguments["json"] = kwargs["json"]
    elif isinstance(kwargs.get("data"), bytes | str):
        arguments["content"] = kwargs["data"]
    return arguments


@pytest.mark.parametrize(
    ("operation", "mode"),
    [
        (operation, mode)
        for operation in OPERATIONS
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        # a route without parameters or body cannot be called wrongly
        if mode.is_positive or operation.path.startswith("/v1/")
    ],
    ids=lambda value: getattr(value, "label", str(value)),
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_no_request_gets_a_server_error(
    client: AsyncClient, operation: Any, mode: GenerationMode, data: st.DataObject
) -> None:
    case = data.draw(operation.as_strategy(generation_mode=mode))
    authenticated = data.draw(st.booleans().map(lambda flip: flip or mode.is_positive))
    headers = {"X-API-Key": WRITER} if authenticated else None
    kwargs = case.as_transport_kwargs(base_url="http://intake", headers=headers)
    try:
        response = await client.request(**request_arguments(kwargs))
    except (ValueError, UnicodeEncodeError):
        reject()  # httpx refuses to send it (e.g. a header value it cannot encode)
    case.validate_response(response, checks=CHECKS)
