"""Lifecycle commands over REST, in one process: the order and the policy are enforced before
anything is published (issue 14, reproductions 3, 4 and 5)."""

import asyncio
import json
from typing import Any

import pytest
from httpx import AsyncClient, Response

from .inprocess import CRM_ONLY, WRITER, Fakes, make_app, running
from .samples import raw, submission

pytestmark = pytest.mark.unit
HEADERS = {"content-type": "application/json", "X-API-Key": WRITER}


async def submitted(client: AsyncClient, fakes: Fakes, policy: str, **changes: Any) -> str:
    answer = await client.post(
        "/v1/complaints", content=raw(submission(**changes)), headers=HEADERS
    )
    complaint_id: str = answer.json()["complaint_id"]
    await fakes.states.classified(complaint_id, "e-1", policy, "accept", needs_review=False)
    return complaint_id


async def command(client: AsyncClient, ref: str, name: str, **body: Any) -> Response:
    body.setdefault("actor", "desk-1")
    return await client.post(
        f"/v1/complaints/{ref}/{name}", content=json.dumps(body), headers=HEADERS
    )


def published(fakes: Fakes, complaint_id: str) -> list[str]:
    return [e.event_type for e in fakes.publisher.events if e.complaint_id == complaint_id][1:]


async def test_acknowledge_after_close_and_a_second_close_are_refused_with_409() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        ref = await submitted(client, fakes, "retail-service")
        closed = await command(client, ref, "close", outcome="settled on the spot")
        late = await command(client, ref, "acknowledge")
        again = await command(client, ref, "close", outcome="overwritten?")
        status = await client.get(f"/v1/complaints/{ref}", headers=HEADERS)
    assert (status.json()["state"], status.json()["policy_id"]) == ("closed", "retail-service")
    assert status.json()["allowed_commands"] == late.json()["allowed_commands"]
    assert closed.status_code == 202, closed.text
    assert (late.status_code, again.status_code) == (409, 409)
    assert late.json()["state"] == "closed"
    assert late.json()["allowed_commands"] == ["release_legal_hold", "reopen", "set_legal_hold"]
    assert "reopen" in late.json()["detail"]
    assert published(fakes, ref) == ["ComplaintClosed"]


async def test_a_command_before_the_classification_is_refused_naming_state_received() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        answer = await client.post("/v1/complaints", content=raw(submission()), headers=HEADERS)
        early = await command(client, answer.json()["complaint_id"], "assign", department="x")
    assert early.status_code == 409
    assert early.json()["state"] == "received"
    assert "withdraw" in early.json()["allowed_commands"]


async def test_commands_naming_what_the_policy_does_not_know_get_422_naming_the_field() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        ref = await submitted(client, fakes, "retail-service")
        nonsense = await command(client, ref, "reclassify", severity="nonsense", reason="r")
        no_dept = await command(client, ref, "assign", department="no_such_dept")
        no_body = await command(client, ref, "transfer", to_body="mars", reason="r")
        good = await command(client, ref, "assign", department="finance")
    assert [r.status_code for r in (nonsense, no_dept, no_body)] == [422, 422, 422]
    assert [e["field"] for e in nonsense.json()["field_errors"]] == ["severity"]
    assert [e["field"] for e in no_dept.json()["field_errors"]] == ["department"]
    assert [e["field"] for e in no_body.json()["field_errors"]] == ["to_body"]
    assert good.status_code == 202
    assert published(fakes, ref) == ["ComplaintAssigned"]


async def test_a_policy_needing_approval_refuses_an_unapproved_reply_and_steps_out_of_order() -> (
    None
):
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        ref = await submitted(client, fakes, "manufacturing-quality")
        unapproved = await command(client, ref, "reply", content="We will replace it.")
        early_close = await command(client, ref, "close", outcome="done")
        approved = await command(
            client, ref, "reply", content="We will replace it.", approved_by="quality-director"
        )
    assert (unapproved.status_code, early_close.status_code) == (409, 409)
    assert "approval" in unapproved.json()["detail"]
    assert "resolve" in early_close.json()["detail"]
    assert approved.status_code == 202
    assert published(fakes, ref) == ["ReplySent"]


async def test_racing_closes_record_one_closure() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        ref = await submitted(client, fakes, "retail-service")
        fakes.publisher.slow = True
        answers = await asyncio.gather(
            *(command(client, ref, "close", outcome=f"outcome {n}") for n in range(5))
        )
    assert sorted(a.status_code for a in answers) == [202, 409, 409, 409, 409]
    assert published(fakes, ref) == ["ComplaintClosed"]


async def test_a_command_kafka_did_not_take_is_finished_by_its_retry_with_the_same_event() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        ref = await submitted(client, fakes, "retail-service")
        fakes.publisher.down = True
        down = await command(client, ref, "close", outcome="replaced")
        fakes.publisher.down = False
        retried = await command(client, ref, "close", outcome="replaced")
        again = await command(client, ref, "close", outcome="replaced")
    assert (down.status_code, retried.status_code, again.status_code) == (503, 202, 409)
    assert published(fakes, ref) == ["ComplaintClosed"]
    assert fakes.publisher.events[-1].event_id == retried.json()["event_id"]


async def keyed(client: AsyncClient, ref: str, name: str, key: str, **body: Any) -> Response:
    body.setdefault("actor", "desk-1")
    return await client.post(
        f"/v1/complaints/{ref}/{name}",
        content=json.dumps(body),
        headers={**HEADERS, "Idempotency-Key": key},
    )


async def test_the_same_idempotency_key_and_body_get_the_same_answer_and_one_event() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        ref = await submitted(client, fakes, "retail-service")
        first = await keyed(client, ref, "contact", "k-1", method="phone")
        again = await keyed(client, ref, "contact", "k-1", method="phone")
        other_body = await keyed(client, ref, "contact", "k-1", method="email")
        unkeyed = await command(client, ref, "contact", method="phone")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert other_body.status_code == 409
    assert other_body.json()["reason_codes"] == ["idempotency_key_reused"]
    assert unkeyed.status_code == 202  # without a key a repeat is a second contact
    assert published(fakes, ref) == ["ComplainantContacted", "ComplainantContacted"]


async def test_a_refusal_is_answered_again_under_its_key_and_a_failure_frees_the_key() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        ref = await submitted(client, fakes, "retail-service")
        refused = await keyed(client, ref, "assign", "k-2", department="no_such_dept")
        again = await keyed(client, ref, "assign", "k-2", department="no_such_dept")
        fakes.publisher.down = True
        down = await keyed(client, ref, "close", "k-3", outcome="done")
        fakes.publisher.down = False
        retried = await keyed(client, ref, "close", "k-3", outcome="done")
        repeated = await keyed(client, ref, "close", "k-3", outcome="done")
        bad_key = await keyed(client, ref, "close", "x" * 300, outcome="done")
    assert (refused.status_code, again.status_code) == (422, 422)
    assert again.json() == refused.json()
    assert (down.status_code, retried.status_code, repeated.status_code) == (503, 202, 202)
    assert repeated.json() == retried.json()
    assert bad_key.status_code == 422
    assert "Idempotency-Key" in json.dumps(bad_key.json()["field_errors"])
    assert published(fakes, ref) == ["ComplaintClosed"]


async def test_idempotency_keys_of_two_api_keys_never_meet() -> None:
    fakes = Fakes()
    async with running(make_app(fakes)) as client:
        ref = await submitted(client, fakes, "retail-service", source_system="crm")
        mine = await keyed(client, ref, "contact", "shared", method="phone")
        theirs = await client.post(
            f"/v1/complaints/{ref}/contact",
            content=json.dumps({"actor": "crm-desk", "method": "email"}),
            headers={**HEADERS, "X-API-Key": CRM_ONLY, "Idempotency-Key": "shared"},
        )
    assert (mine.status_code, theirs.status_code) == (202, 202)
    assert published(fakes, ref) == ["ComplainantContacted", "ComplainantContacted"]
