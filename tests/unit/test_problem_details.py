"""One error format across the services (issue 14, item 6): RFC 9457 problem details with the
fields at fault; an unknown query parameter is refused naming it (reproduction 8: the archive
ignored `?severty=` and answered everything, and each service had its own error body)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from complaint_archive.app import build as build_archive
from complaint_archive.settings import ArchiveSettings
from complaint_classifier.app import build as build_classifier
from complaint_classifier.settings import ClassifierSettings
from complaint_intake.app import build as build_intake
from complaint_intake.settings import IntakeSettings
from complaint_notifier.app import build as build_notifier
from complaint_notifier.settings import NotifierSettings
from complaint_runtime import ApiKeys
from complaint_runtime.auth import KeyEntry, digest

pytestmark = pytest.mark.unit
KEY = "problem-key"


def keys() -> ApiKeys:
    return ApiKeys([KeyEntry(id="k", sha256=digest(KEY), scopes=["read", "write"])])


def apps() -> dict[str, FastAPI]:
    return {
        "intake": build_intake(IntakeSettings(), keys=keys()),
        "archive": build_archive(ArchiveSettings(), keys=keys()),
        "notifier": build_notifier(NotifierSettings(webhook_secret="w" * 40), keys=keys()),
        "classifier": build_classifier(ClassifierSettings()),
    }


@asynccontextmanager
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app), base_url="http://svc") as found:
        yield found  # no lifespan: every answer below comes before any storage is touched


ROUTES = {
    "intake": "/v1/complaints/TS-20260101-000001",
    "archive": "/complaints",
    "notifier": "/v1/complaints/TS-20260101-000001/deadlines",
    "classifier": "/health/live",
}


@pytest.mark.parametrize("service", sorted(ROUTES))
async def test_an_unknown_query_parameter_is_a_422_problem_naming_it(service: str) -> None:
    async with client(apps()[service]) as http:
        answer = await http.get(
            ROUTES[service], params={"severty": "C"}, headers={"X-API-Key": KEY}
        )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert (body["type"], body["title"], body["status"]) == (
        "about:blank",
        HTTPStatus(422).phrase,
        422,
    )
    assert body["reason_codes"] == ["validation_failed"]
    assert [error["field"] for error in body["field_errors"]] == ["query.severty"]
    assert "severty" in body["detail"]


@pytest.mark.parametrize("service", ["intake", "archive", "notifier"])
async def test_a_missing_key_is_a_401_problem_in_every_service(service: str) -> None:
    async with client(apps()[service]) as http:
        answer = await http.get(ROUTES[service])
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert (body["status"], body["title"], body["reason_codes"]) == (
        401,
        "Unauthorized",
        ["unauthorized"],
    )
    assert body["instance"] == ROUTES[service]


@pytest.mark.parametrize("service", ["intake", "archive", "notifier"])
def test_every_error_a_route_documents_is_problem_details(service: str) -> None:
    document = apps()[service].openapi()
    errors = 0
    for path, operations in document["paths"].items():
        if path.startswith("/health"):  # no key, no refusal but 503, which says so in JSON
            continue
        for method, operation in operations.items():
            statuses = [code for code in operation.get("responses", {}) if code[0] in "45"]
            assert {"401", "403"} <= set(statuses), (service, method, path)
            for code in statuses:
                content = operation["responses"][code].get("content", {})
                assert "application/problem+json" in content, (service, method, path, code)
                errors += 1
    assert "Problem" in document["components"]["schemas"]
    assert errors > 0
