"""Authorization is uniform (issue 14, item 5): a key bound to source systems sees and acts on
only those sources' complaints on every route of every service. The test walks every route in
the four OpenAPI documents with a key bound to source A against a complaint of source B, so a
new route that forgets the binding fails here (reproduction 1: the archive answered 200 with
B's complainant)."""

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

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

pytestmark = pytest.mark.integration
BOUND_A, BOUND_B, EVERY = "key-bound-to-a", "key-bound-to-b", "key-for-every-source"
SCOPES: Any = ["read", "write", "privileged"]
NOT_WALKED = re.compile(r"^/(health|metrics|docs|openapi|redoc)")
NAME = "欧阳明月"
LISTS = {
    "/complaints",
    *(
        f"/reports/{name}"
        for name in (
            "annual-summary",
            "monthly-counts",
            "on-time",
            "closure-rate",
            "reply-accepted-rate",
            "causes-pareto",
        )
    ),
}


def keys() -> ApiKeys:
    return ApiKeys(
        [
            KeyEntry(id="a", sha256=digest(BOUND_A), scopes=SCOPES, source_systems=["source-a"]),
            KeyEntry(id="b", sha256=digest(BOUND_B), scopes=SCOPES, source_systems=["source-b"]),
            KeyEntry(id="all", sha256=digest(EVERY), scopes=SCOPES, source_systems=["*"]),
        ],
        "1000000/second",
    )


@asynccontextmanager
async def served(app: FastAPI, lifespan: bool) -> AsyncIterator[AsyncClient]:
    async with AsyncExitStack() as stack:
        if lifespan:
            await stack.enter_async_context(app.router.lifespan_context(app))
        client = AsyncClient(transport=ASGITransport(app), base_url="http://svc", timeout=30)
        yield await stack.enter_async_context(client)


def value_for(name: str, schema: dict[str, Any], complaint: dict[str, str]) -> str:
    """A valid value for a parameter, pointing at B's complaint wherever one is named."""
    if name in {"ref", "reference", "complaint_id"}:
        return complaint["id"]
    known = {"source_system": "source-b", "external_reference": complaint["reference"]}
    if name in known:
        return known[name]
    kind = schema.get("type") or next(
        (option.get("type") for option in schema.get("anyOf", []) if option.get("type")), "string"
    )
    return {"integer": "2026", "boolean": "true"}.get(kind, "x")


def requests_of(
    document: dict[str, Any], complaint: dict[str, str]
) -> list[tuple[str, str, dict[str, str], dict[str, Any]]]:
    """(method, path, query, extra httpx arguments) for every operation of the document."""
    found = []
    for template, operations in document["paths"].items():
        if NOT_WALKED.match(template):
            continue
        for method, operation in operations.items():
            path, query = template, {}
            for parameter in operation.get("parameters", []):
                value = value_for(parameter["name"], parameter.get("schema", {}), complaint)
                if parameter["in"] == "path":
                    path = path.replace("{" + parameter["name"] + "}", value)
                elif parameter["in"] == "query" and parameter.get("required"):
                    query[parameter["name"]] = value
            found.append((method.upper(), path, query, body_for(operation, complaint)))
    return found


def body_for(operation: dict[str, Any], complaint: dict[str, str]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return {"files": {"file": ("a.txt", b"hello", "text/plain")}}
    if "application/json" in content:
        body = {"actor": "desk", "source_system": "source-b", "external_reference": "other"}
        body |= {"description": "破损", "complainant": {"name": NAME}}
        return {"content": json.dumps(body), "headers": {"content-type": "application/json"}}
    return {}


async def eventually(check: Callable[[], Any], seconds: float = 60) -> Any:
    for _ in range(int(seconds / 0.25)):
        if found := await check():
            return found
        await asyncio.sleep(0.25)
    raise AssertionError("never happened")


@pytest.fixture
def settings(
    kafka_bootstrap: str,
    mongodb_uri: str,
    topic_prefix: str,
    database_name: Callable[[str], str],
    run_id: str,
) -> dict[str, Any]:
    group = f"test-{run_id}-{uuid.uuid4().hex[:6]}"
    return {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "mongodb_uri": mongodb_uri,
        "topic_prefix": topic_prefix,
        "consumer_group_prefix": group,
        "database": database_name,
    }


async def test_a_key_bound_to_a_source_reaches_no_other_sources_complaint_on_any_route(
    settings: dict[str, Any], tmp_path: Path
) -> None:
    common = {name: value for name, value in settings.items() if name != "database"}
    database = settings["database"]
    intake = build_intake(
        IntakeSettings(**common, mongodb_database=database("intake_binding")), keys=keys()
    )
    archive = build_archive(
        ArchiveSettings(
            **common, mongodb_database=database("archive_binding"), purge_interval_seconds=0
        ),
        keys=keys(),
    )
    notifier = build_notifier(
        NotifierSettings(
            **common,
            mongodb_database=database("notifier_binding"),
            webhook_secret="w" * 40,
            send=False,
        ),
        keys=keys(),
    )
    classifier = build_classifier(
        ClassifierSettings(**common, mongodb_database=database("classifier_binding"))
    )
    reference = f"B-{uuid.uuid4().hex[:8]}"
    async with (
        served(intake, lifespan=True) as intake_client,
        served(archive, lifespan=True) as archive_client,
        served(notifier, lifespan=True) as notifier_client,
        served(classifier, lifespan=False) as classifier_client,
    ):
        submission = {
            "source_system": "source-b",
            "external_reference": reference,
            "description": "收到的热水壶外壳破损。",
            "complainant": {"name": NAME, "phone": "13912340004"},
        }
        received = await intake_client.post(
            "/v1/complaints", json=submission, headers={"X-API-Key": BOUND_B}
        )
        assert received.status_code == 202, received.text
        complaint = {"id": received.json()["complaint_id"], "reference": reference}
        number = received.json()["complaint_number"]

        async def archived() -> bool:
            answer = await archive_client.get(f"/complaints/{number}", headers={"X-API-Key": EVERY})
            return answer.status_code == 200

        async def planned() -> bool:
            path = f"/v1/complaints/{number}/deadlines"
            answer = await notifier_client.get(path, headers={"X-API-Key": BOUND_B})
            return answer.status_code == 200

        await eventually(archived)
        await eventually(planned)
        walked = []
        for name, client in (
            ("intake", intake_client),
            ("archive", archive_client),
            ("notifier", notifier_client),
            ("classifier", classifier_client),
        ):
            document = (await client.get("/openapi.json")).json()
            for method, path, query, extra in requests_of(document, complaint):
                headers = {**extra.pop("headers", {}), "X-API-Key": BOUND_A}
                answer = await client.request(method, path, params=query, headers=headers, **extra)
                walked.append((name, method, path, answer.status_code))
                if path in LISTS:  # lists and reports keep to the key's own source systems
                    assert answer.status_code == 200, (name, method, path, answer.text)
                else:
                    assert answer.status_code == 403, (name, method, path, answer.text)
                told = (NAME, number) if complaint["id"] in path else (NAME, complaint["id"])
                for trace in told:  # (an error echoes the path it was asked about)
                    assert trace not in answer.text, (name, method, path, answer.text)
        # every operation of the documents that can name a complaint was walked
        assert {(name, method) for name, method, _, _ in walked} >= {
            ("intake", "GET"),
            ("intake", "POST"),
            ("archive", "GET"),
            ("archive", "POST"),
            ("notifier", "GET"),
        }
        # the same routes answer a key bound to B (so the 403s above are the binding)
        document = await archive_client.get(f"/complaints/{number}", headers={"X-API-Key": BOUND_B})
        assert document.status_code == 200 and NAME in document.text
        timeline = await archive_client.get(
            f"/complaints/{complaint['id']}/timeline", headers={"X-API-Key": BOUND_B}
        )
        assert timeline.status_code == 200
        own = await intake_client.get(f"/v1/complaints/{number}", headers={"X-API-Key": BOUND_B})
        assert own.status_code == 200
        listed = await archive_client.get("/complaints", headers={"X-API-Key": BOUND_B})
        assert [hit["number"] for hit in listed.json()["items"]] == [number]
        year = int(number[3:7])
        annual = await archive_client.get(
            "/reports/annual-summary", params={"year": year}, headers={"X-API-Key": BOUND_B}
        )
        assert annual.status_code == 200 and number in annual.text
        deadlines = await notifier_client.get(
            f"/v1/complaints/{number}/deadlines", headers={"X-API-Key": BOUND_A}
        )
        assert deadlines.status_code == 403, deadlines.text
