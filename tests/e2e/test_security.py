"""Security of the running system (issue 9.3): API keys and scopes on every endpoint of every
service, signed webhooks, a confidential or anonymous complainant withheld from the party
complained about and from callers without the `privileged` scope, and no personal data in
any service's log."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any

import pytest

from complaint_notifier.adapters.webhook import SIGNATURE, TIMESTAMP, verify
from deploy.local.system import NAMES
from tests.e2e.support_e2e import (
    EXEMPT_PATHS,
    E2ESystem,
    Person,
    body_text,
    dashed,
    spaced,
)

pytestmark = pytest.mark.e2e

EXEMPT_IN_OPENAPI = {"/health/live", "/health/ready"}
"""The only documented routes that need no key; /metrics, /docs and /openapi.json are not in
the OpenAPI document and need none either."""
DUMMY_PATH_VALUES = {"attachment_id": "01a1fd93-0000-7000-8000-000000000000"}
DUMMY_REFERENCE = "TS-20260101-999999"
BURN = "热水壶漏水，我的手被烫伤了。"


def routes(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
    ]


def concrete(path: str, operation: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The path with dummy values for its parameters, and the required query parameters."""
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] == "path":
            path = path.replace(f"{{{name}}}", DUMMY_PATH_VALUES.get(name, DUMMY_REFERENCE))
        elif parameter["in"] == "query" and parameter.get("required"):
            query[name] = "2026" if parameter["schema"].get("type") == "integer" else "x"
    return path, query


async def call(e2e: E2ESystem, service: str, method: str, path: str, query: Any, key: Any) -> int:
    answer = await e2e.http.request(
        method,
        e2e.url(service, path),
        params=query,
        headers=e2e.headers(key),
        json={} if method in ("POST", "PUT", "PATCH") else None,
    )
    return answer.status_code


@pytest.mark.parametrize("service", NAMES)
async def test_every_endpoint_needs_a_known_key_with_its_scope(
    e2e_system: E2ESystem, service: str
) -> None:
    e2e = e2e_system
    openapi = (await e2e.get(service, "/openapi.json", key=None)).json()
    checked: list[str] = []
    exempt: set[str] = set()
    for method, template, operation in routes(openapi):
        if template in EXEMPT_PATHS:
            exempt.add(template)
            continue
        path, query = concrete(template, operation)
        needed = "read" if method == "GET" else "write"
        lacking = "writer" if needed == "read" else "reader"
        answers = {
            key: await call(e2e, service, method, path, query, key)
            for key in (None, "not-a-key-of-this-system", "privileged_only", lacking, "admin")
        }
        expected = {"not-a-key-of-this-system": 401, "privileged_only": 403, lacking: 403}
        assert {k: answers[k] for k in [None, *expected]} == {None: 401, **expected}, (
            f"{service} {method} {template}: {answers}"
        )
        assert answers["admin"] not in (401, 403), f"{service} {method} {template}: {answers}"
        checked.append(f"{method} {template}")
    assert exempt == EXEMPT_IN_OPENAPI
    assert checked or service == "classifier", f"{service} documents no route"


@pytest.mark.parametrize("service", NAMES)
async def test_only_probes_metrics_and_docs_answer_without_a_key(
    e2e_system: E2ESystem, service: str
) -> None:
    for path in ("/health/live", "/health/ready", "/metrics", "/docs", "/openapi.json"):
        answer = await e2e_system.get(service, path, key=None)
        assert answer.status_code == 200, f"{service} {path}: {answer.status_code}"


async def test_webhooks_are_signed_and_a_tampered_call_fails_verification(
    e2e_system: E2ESystem,
) -> None:
    e2e = e2e_system
    body = e2e.complaint(
        "e2e-short", BURN, Person("上官若兰", "13912340009", "sg.ruolan@example.net")
    )
    complaint_id = (await e2e.submit(body))["complaint_id"]
    await e2e.document(
        complaint_id,
        lambda d: any(e["data"].get("channel") == "webhook" for e in d["timeline"]),
        what="the immediate report's webhook sent",
    )
    (hook,) = e2e.hooks_about(complaint_id, "immediate")
    secret = e2e.config.webhook_secret.encode()
    timestamp, signature = hook.headers[TIMESTAMP.lower()], hook.headers[SIGNATURE.lower()]
    expected = hmac.new(secret, f"{timestamp}.".encode() + hook.body, hashlib.sha256).hexdigest()

    assert hook.signature_valid
    assert signature == f"sha256={expected}"
    assert verify(secret, timestamp, hook.body, signature, now=time.time())
    tampered = hook.body.replace(b'"immediate"', b'"escalation"', 1)
    assert tampered != hook.body
    assert not verify(secret, timestamp, tampered, signature, now=time.time())
    assert not verify(b"another-secret" * 3, timestamp, hook.body, signature, now=time.time())
    assert not verify(secret, str(int(timestamp) + 1), hook.body, signature, now=time.time())
    assert not verify(secret, timestamp, hook.body, signature, now=int(timestamp) + 3600)


def immediate_report_sent(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        entry["data"]
        for entry in document["timeline"]
        if entry["event_type"] == "NoticeSent" and entry["data"]["notice_kind"] == "immediate"
    ]


async def notices_of(e2e: E2ESystem, complaint_id: str) -> dict[str, Any]:
    """The archived document once the immediate report (3 e-mails, 1 webhook) went out."""
    return await e2e.document(
        complaint_id,
        lambda d: len(immediate_report_sent(d)) == 4,
        what="the immediate report to general manager, department head and desk",
    )


def leaks(text: str, identifiers: list[str]) -> list[str]:
    return [value for value in identifiers if value in text]


async def test_a_confidential_complainant_is_withheld_from_the_respondent_and_from_readers(
    e2e_system: E2ESystem,
) -> None:
    e2e = e2e_system
    person = Person("东方慧敏", "+86 139-1234-0005", "dongfang.huimin@example.net")
    body = e2e.complaint(
        "e2e-short",
        f"{BURN}请打 13912340005 或发邮件到 {person.email} 联系我。",
        person,
        title=f"{person.name}：热水壶烫伤",
        complainant={"confidential": True},
    )
    answer = await e2e.submit(body)
    complaint_id, number = answer["complaint_id"], answer["complaint_number"]
    document = await notices_of(e2e, complaint_id)

    assert {(n["recipient_role"], n["redacted"]) for n in immediate_report_sent(document)} == {
        ("general_manager", False),
        ("department_head", True),  # respondent side
        ("complaint_desk", False),  # sees_complainant
    }
    identifiers = person.searchable()
    mail = e2e.mail_about(number, "immediate")
    assert len(mail) == 3
    for message in mail:
        text = f"{message['Subject']}\n{body_text(message)}"
        assert leaks(text, identifiers) == [], message["To"]
    to_respondent = [m for m in mail if "quality-head@example.org" in str(m["To"])]
    assert "[redacted]" in body_text(to_respondent[0])
    (hook,) = e2e.hooks_about(complaint_id, "immediate")
    assert hook.signature_valid and hook.json()["redacted"] is False
    assert leaks(hook.body.decode(), identifiers) == []
    assert leaks(json.dumps(hook.json(), ensure_ascii=False), identifiers) == []

    # the archive: masked for a reader, shown to a privileged caller
    as_reader = await e2e.get("archive", f"/complaints/{complaint_id}", key="reader")
    complainant = as_reader.json()["record"]["complainant"]
    assert (complainant["name"], complainant["phone"], complainant["email"]) == ("***",) * 3
    assert leaks(as_reader.text, identifiers) == []
    as_admin = await e2e.get("archive", f"/complaints/{complaint_id}", key="admin")
    assert as_admin.json()["record"]["complainant"]["name"] == person.name
    for path in (f"/complaints/{complaint_id}/timeline", "/complaints?policy_id=e2e-short"):
        answer = await e2e.get("archive", path, key="reader")
        assert answer.status_code == 200 and complaint_id in answer.text
        assert leaks(answer.text, identifiers) == [], path
    await e2e.command(complaint_id, "close", {"actor": "e2e", "outcome": "test over"})


async def test_an_anonymous_complainant_is_withheld_from_the_respondent(
    e2e_system: E2ESystem,
) -> None:
    e2e = e2e_system
    contact = ["anon.reporter.e2e@example.net", "13912340006"]
    e2e.personal_data.update(contact)
    body = e2e.complaint("e2e-short", f"{BURN}回复请发到 {contact[0]} 或拨打 {contact[1]}。", None)
    answer = await e2e.submit(body)
    complaint_id, number = answer["complaint_id"], answer["complaint_number"]
    document = await notices_of(e2e, complaint_id)

    assert document["record"]["complainant"]["anonymous"] is True
    assert {(n["recipient_role"], n["redacted"]) for n in immediate_report_sent(document)} == {
        ("general_manager", False),
        ("department_head", True),
        ("complaint_desk", False),
    }
    mail = e2e.mail_about(number, "immediate")
    assert len(mail) == 3
    for message in mail:
        assert leaks(f"{message['Subject']}\n{body_text(message)}", contact) == []
    (hook,) = e2e.hooks_about(complaint_id, "immediate")
    assert leaks(hook.body.decode(), contact) == []
    await e2e.command(complaint_id, "close", {"actor": "e2e", "outcome": "test over"})


async def test_no_personal_data_in_service_logs(e2e_system: E2ESystem) -> None:
    """Runs last in the session (conftest): every complainant of the e2e tests, plus personal
    data sent down the refusal paths (invalid over HTTP and Kafka, a conflicting repeat)."""
    e2e = e2e_system
    person = Person("慕容雪晴", "+86 139 1234 0007", "murong.xueqing@example.net")
    valid = e2e.complaint("e2e-short", BURN, person, title=f"{person.name}的投诉")
    complaint_id = (await e2e.submit(valid))["complaint_id"]
    conflicting = {**valid, "description": f"{BURN}（补充：{person.name}）"}
    answer = await e2e.http.post(
        e2e.url("intake", "/v1/complaints"), json=conflicting, headers=e2e.headers("admin")
    )
    assert answer.status_code == 409
    refused = Person("欧阳国栋", spaced("13912340008"), "ouyang.guodong@example.net")
    invalid = e2e.complaint("e2e-short", BURN, refused, channel="carrier-pigeon")
    answer = await e2e.http.post(
        e2e.url("intake", "/v1/complaints"), json=invalid, headers=e2e.headers("admin")
    )
    assert answer.status_code == 422
    dead = Person("皇甫思远", dashed("13912340010"), "huangfu.siyuan@example.net")
    dead_body = e2e.complaint("e2e-short", BURN, dead, channel="carrier-pigeon")
    await e2e.producer.send_and_wait(
        e2e.topic("complaints.submitted.v1"),
        json.dumps(dead_body, ensure_ascii=False).encode(),
        key=dead_body["external_reference"].encode(),
    )
    await notices_of(e2e, complaint_id)
    await dead_lettered(e2e, dead_body["external_reference"])

    await logged(e2e, "classifier", complaint_id)  # the logs did see this run's complaints
    logs = {name: e2e.system[name].log.read_text(errors="replace") for name in NAMES}
    found = [
        f"{name}: {value!r} in {line[:500]}"
        for name, text in logs.items()
        for line in text.splitlines()
        for value in e2e.personal_data
        if value in line
    ]
    assert found == [], "personal data in the logs:\n" + "\n".join(found[:20])


async def logged(e2e: E2ESystem, service: str, text: str, seconds: float = 30) -> None:
    """Wait until the service's log file holds `text` (its line is written after the event
    it logs was published, and a busy machine may delay it)."""
    deadline = time.monotonic() + seconds
    while text not in e2e.system[service].log.read_text(errors="replace"):
        if time.monotonic() >= deadline:
            pytest.fail(f"{service} never logged {text} within {seconds:.0f}s")
        await asyncio.sleep(0.5)


async def dead_lettered(e2e: E2ESystem, reference: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for event in await e2e.read_topic("complaints.rejected.v1"):
            if reference.encode() in event.payload.original_value:
                return
        await asyncio.sleep(0.5)
    pytest.fail(f"no dead letter for the Kafka submission {reference}")
