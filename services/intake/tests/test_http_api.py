"""The REST API end to end in one process, with in-memory adapters."""

import json
import logging
from typing import Any

import pytest

from complaint_intake.domain.numbers import complaint_number

from .inprocess import CRM_ONLY, HOSPITAL_ONLY, READER, WRITER, Fakes, make_app, running
from .samples import raw, submission

pytestmark = pytest.mark.unit
JSON = {"content-type": "application/json"}


def as_writer(**extra: str) -> dict[str, str]:
    return {**JSON, "X-API-Key": WRITER, **extra}


async def test_a_submission_is_accepted_numbered_and_repeated_idempotently() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        first = await client.post("/v1/complaints", content=raw(submission()), headers=as_writer())
        again = await client.post("/v1/complaints", content=raw(submission()), headers=as_writer())
    assert first.status_code == 202, first.text
    assert again.status_code == 200
    body = first.json()
    assert body["status"] == "received" and again.json()["status"] == "duplicate"
    assert again.json()["complaint_id"] == body["complaint_id"]
    assert body["complaint_number"].startswith("TS-")
    assert first.headers["location"] == f"/v1/complaints/{body['complaint_id']}"
    assert len(fakes.publisher.events) == 1


async def test_bad_bodies_get_a_4xx_naming_each_field() -> None:
    bad = submission(channel="pigeon", complainant={"email": "x"})
    async with running(make_app(Fakes(), max_body_bytes=2048)) as client:
        invalid = await client.post("/v1/complaints", content=raw(bad), headers=as_writer())
        not_json = await client.post("/v1/complaints", content=b"{", headers=as_writer())
        not_utf8 = await client.post("/v1/complaints", content=b'{"a":"\xff"}', headers=as_writer())
        too_big = await client.post("/v1/complaints", content=b" " * 4096, headers=as_writer())
        wrong_type = await client.post(
            "/v1/complaints", content=b"a=b", headers=as_writer(**{"content-type": "text/plain"})
        )
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["field_errors"]} == {"channel", "complainant.email"}
    assert (not_json.status_code, not_json.json()["reason_codes"]) == (400, ["not_json"])
    assert (not_utf8.status_code, not_utf8.json()["reason_codes"]) == (400, ["not_utf8"])
    assert (too_big.status_code, too_big.json()["reason_codes"]) == (413, ["too_large"])
    assert wrong_type.status_code == 415


async def test_keys_scopes_and_source_binding() -> None:
    async with running(make_app(Fakes())) as client:
        anonymous = await client.post("/v1/complaints", content=raw(submission()), headers=JSON)
        reader = await client.post(
            "/v1/complaints", content=raw(submission()), headers={**JSON, "X-API-Key": READER}
        )
        other_source = await client.post(
            "/v1/complaints", content=raw(submission()), headers={**JSON, "X-API-Key": CRM_ONLY}
        )
        own_source = await client.post(
            "/v1/complaints",
            content=raw(submission(source_system="crm")),
            headers={**JSON, "X-API-Key": CRM_ONLY},
        )
    assert [anonymous.status_code, reader.status_code, other_source.status_code] == [401, 403, 403]
    assert own_source.status_code == 202


async def test_a_key_over_its_rate_limit_gets_429() -> None:
    async with running(make_app(Fakes(), rate="2/minute")) as client:
        codes = [
            (await client.get("/v1/complaints/TS-20240501-000001", headers=as_writer())).status_code
            for _ in range(3)
        ]
    assert codes == [404, 404, 429]


async def test_commands_need_a_known_complaint_by_id_or_number() -> None:
    fakes = Fakes()
    command = json.dumps({"actor": "qa-1", "department": "quality_department"})
    async with running(make_app(fakes)) as client:
        received = (
            await client.post("/v1/complaints", content=raw(submission()), headers=as_writer())
        ).json()
        await fakes.states.classified(
            received["complaint_id"], "e-1", "retail-service", "accept", needs_review=False
        )
        by_number = await client.post(
            f"/v1/complaints/{received['complaint_number']}/assign",
            content=command,
            headers=as_writer(),
        )
        by_id = await client.post(
            f"/v1/complaints/{received['complaint_id']}/acknowledge",
            content=b'{"actor": "qa-1"}',
            headers=as_writer(),
        )
        unknown = await client.post(
            "/v1/complaints/TS-20990101-000001/assign", content=command, headers=as_writer()
        )
        invalid = await client.post(
            f"/v1/complaints/{received['complaint_id']}/assign",
            content=b'{"actor": "qa-1"}',
            headers=as_writer(),
        )
        status = await client.get(
            f"/v1/complaints/{received['complaint_number']}", headers={"X-API-Key": READER}
        )
    assert by_number.status_code == 202 and by_id.status_code == 202
    assert by_number.json()["event_type"] == "ComplaintAssigned"
    assert unknown.status_code == 404
    assert invalid.status_code == 422
    assert [e["field"] for e in invalid.json()["field_errors"]] == ["department"]
    assert status.json()["complaint_id"] == received["complaint_id"]
    types = [event.event_type for event in fakes.publisher.events]
    assert types == ["ComplaintReceived", "ComplaintAssigned", "ComplaintAcknowledged"]
    assert {event.complaint_id for event in fakes.publisher.events} == {received["complaint_id"]}


async def test_an_unavailable_dependency_is_a_503_with_retry_after_and_nothing_is_lost() -> None:
    fakes = Fakes()
    fakes.publisher.down = True
    async with running(make_app(fakes)) as client:
        down = await client.post("/v1/complaints", content=raw(submission()), headers=as_writer())
        fakes.publisher.down = False
        retried = await client.post(
            "/v1/complaints", content=raw(submission()), headers=as_writer()
        )
    assert down.status_code == 503
    assert down.headers["retry-after"]
    assert retried.status_code == 200  # the reservation was made; the retry finished it
    [event] = fakes.publisher.events
    assert event.event_id == retried.json()["received_event_id"]


async def test_openapi_documents_the_request_bodies() -> None:
    async with running(make_app(Fakes())) as client:
        document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert "ComplaintSubmission" in schemas and "ComplaintAssigned" in schemas
    assert "channel" not in schemas["ComplaintSubmission"].get("required", [])
    assert "/v1/complaints/{ref}/set_legal_hold" in document["paths"]


async def test_cors_is_off_by_default_and_on_for_configured_origins() -> None:
    preflight = {
        "Origin": "https://desk.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-API-Key, Content-Type",
    }
    async with running(make_app(Fakes())) as client:
        closed = await client.options("/v1/complaints", headers=preflight)
    async with running(make_app(Fakes(), cors_origins=["https://desk.example"])) as client:
        opened = await client.options("/v1/complaints", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    assert opened.headers["access-control-allow-origin"] == "https://desk.example"


async def test_no_personal_data_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    personal = {"name": "王秘密", "phone": "13912345678", "email": "wang.secret@example.com"}
    body = submission(complainant=personal, description="王秘密的投诉内容")
    caplog.set_level(logging.DEBUG)
    fakes = Fakes()
    fakes.publisher.down = True  # the unhappy path logs the most
    async with running(make_app(fakes)) as client:
        await client.post("/v1/complaints", content=raw(body), headers=as_writer())
        fakes.publisher.down = False
        await client.post("/v1/complaints", content=raw(body), headers=as_writer())
        await client.post(
            "/v1/complaints", content=raw({**body, "channel": 1}), headers=as_writer()
        )
    logged = caplog.text + "".join(str(vars(record)) for record in caplog.records)
    assert caplog.records  # something was logged
    for value in [*personal.values(), "投诉内容"]:
        assert value not in logged


async def test_a_complaint_is_found_by_source_system_and_external_reference() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        received = await client.post(
            "/v1/complaints", content=raw(submission(source_system="crm")), headers=as_writer()
        )
        found = await client.get(
            "/v1/complaints",
            params={"source_system": "crm", "external_reference": "A-1"},
            headers={"X-API-Key": READER},
        )
        unknown = await client.get(
            "/v1/complaints",
            params={"source_system": "crm", "external_reference": "nope"},
            headers={"X-API-Key": READER},
        )
        missing = await client.get(
            "/v1/complaints", params={"source_system": "crm"}, headers={"X-API-Key": READER}
        )
    assert found.status_code == 200, found.text
    assert found.json()["complaint_id"] == received.json()["complaint_id"]
    assert found.json()["complaint_number"] == received.json()["complaint_number"]
    assert unknown.status_code == 404
    assert missing.status_code == 422
    assert "external_reference" in json.dumps(missing.json()["field_errors"])


async def test_a_submission_may_name_its_policy_if_it_exists_and_the_key_may_use_it() -> None:
    fakes = Fakes()
    as_hospital = {**JSON, "X-API-Key": HOSPITAL_ONLY}
    async with running(make_app(fakes)) as client:

        async def submit(reference: str, headers: dict[str, str], **policy: str) -> Any:
            body = raw(submission(external_reference=reference, **policy))
            return await client.post("/v1/complaints", content=body, headers=headers)

        unknown = await submit("P-1", as_writer(), policy_id="hospitl")
        named = await submit("P-2", as_hospital, policy_id="hospital")
        other = await submit("P-3", as_hospital, policy_id="pharma-quality")
        routed = await submit("P-4", as_hospital)
    assert unknown.status_code == 422
    (error,) = unknown.json()["field_errors"]
    assert (error["field"], error["type"]) == ("policy_id", "unknown_policy")
    assert "hospital" in error["message"]
    assert [named.status_code, other.status_code, routed.status_code] == [202, 403, 202]
    published = [event.payload.submission.policy_id for event in fakes.publisher.events]
    assert published == ["hospital", None]


async def test_a_day_without_numbers_left_is_a_503_that_says_so() -> None:
    fakes = Fakes()

    async def exhausted(count: int, now: Any) -> list[str]:
        return [complaint_number(now.date(), 1_000_000)]  # raises NumbersExhausted

    fakes.numbers.take = exhausted  # type: ignore[method-assign]
    async with running(make_app(fakes)) as client:
        answer = await client.post("/v1/complaints", content=raw(submission()), headers=as_writer())
    assert answer.status_code == 503 and answer.headers["retry-after"]
    assert "complaint numbers are used up" in answer.json()["detail"]
    assert answer.json()["reason_codes"] == ["unavailable"]
    assert fakes.publisher.events == []
