"""The lifecycle and the policy enforced on the real Kafka and MongoDB-protocol server: intake
follows the classifier's decisions from the classified topic (issue 14, reproductions 3-5)."""

import asyncio
import json
from typing import Any

import pytest
from httpx import AsyncClient, Response

from complaint_events import LIFECYCLE
from complaint_intake.settings import IntakeSettings

from .live import classify, in_process, read_events, source
from .samples import raw, submission

pytestmark = pytest.mark.integration


async def command(client: AsyncClient, ref: str, name: str, **body: Any) -> Response:
    return await client.post(
        f"/v1/complaints/{ref}/{name}", content=json.dumps({"actor": "desk-1", **body})
    )


async def test_order_and_policy_are_enforced_and_a_closure_is_never_overwritten(
    live_settings: IntakeSettings,
) -> None:
    async with in_process(live_settings) as client:
        received = await client.post(
            "/v1/complaints", content=raw(submission(source_system=source()))
        )
        ref = received.json()["complaint_id"]
        early = await command(client, ref, "acknowledge")
        before = (await client.get(f"/v1/complaints/{ref}")).json()
        await classify(live_settings, ref, "retail-service")
        after = (await client.get(f"/v1/complaints/{ref}")).json()
        nonsense = await command(client, ref, "reclassify", severity="nonsense", reason="r")
        no_dept = await command(client, ref, "assign", department="no_such_dept")
        closed = await command(client, ref, "close", outcome="settled")
        late = await command(client, ref, "acknowledge")
        again = await command(client, ref, "close", outcome="overwrite")
    assert (early.status_code, early.json()["state"]) == (409, "received")
    assert (before["state"], before["policy_id"], after["state"]) == ("received", None, "accepted")
    assert "acknowledge" in after["allowed_commands"]
    assert [e["field"] for e in nonsense.json()["field_errors"]] == ["severity"]
    assert [e["field"] for e in no_dept.json()["field_errors"]] == ["department"]
    assert (nonsense.status_code, no_dept.status_code, closed.status_code) == (422, 422, 202)
    assert (late.status_code, again.status_code) == (409, 409)
    assert late.json()["state"] == "closed" and "reopen" in late.json()["allowed_commands"]
    events = await read_events(
        live_settings.kafka_bootstrap_servers,
        LIFECYCLE,
        live_settings.topic_prefix,
        lambda event: event.complaint_id == ref,
        count=1,
        settle=2,
    )
    assert [event.event_type for event in events] == ["ComplaintClosed"]
    assert events[0].event_id == closed.json()["event_id"]


async def test_a_complaint_the_classifier_transferred_takes_no_handling(
    live_settings: IntakeSettings,
) -> None:
    async with in_process(live_settings) as client:
        received = await client.post(
            "/v1/complaints", content=raw(submission(source_system=source()))
        )
        ref = received.json()["complaint_number"]
        await classify(
            live_settings, received.json()["complaint_id"], "public-regulator", "transfer"
        )
        assign = await command(client, ref, "assign", department="complaint_center")
        reopen = await command(client, ref, "reopen", reason="sent back by the other body")
        after = await command(client, ref, "assign", department="complaint_center")
    assert (assign.status_code, assign.json()["state"]) == (409, "transferred")
    assert (reopen.status_code, after.status_code) == (202, 202)


async def test_an_idempotency_key_records_a_command_once_and_refuses_another_body(
    live_settings: IntakeSettings,
) -> None:
    async with in_process(live_settings) as client:
        received = await client.post(
            "/v1/complaints", content=raw(submission(source_system=source()))
        )
        ref = received.json()["complaint_id"]
        await classify(live_settings, ref, "retail-service")
        key = {"Idempotency-Key": f"contact-{ref}"}
        body = json.dumps({"actor": "desk-1", "method": "phone"})
        first, again = [
            await client.post(f"/v1/complaints/{ref}/contact", content=body, headers=key)
            for _ in range(2)
        ]
        other = await client.post(
            f"/v1/complaints/{ref}/contact",
            content=json.dumps({"actor": "desk-1", "method": "email"}),
            headers=key,
        )
    assert (first.status_code, again.status_code, other.status_code) == (202, 202, 409)
    assert again.json() == first.json()
    events = await read_events(
        live_settings.kafka_bootstrap_servers,
        LIFECYCLE,
        live_settings.topic_prefix,
        lambda event: event.complaint_id == ref,
        count=1,
        settle=2,
    )
    assert [event.event_id for event in events] == [first.json()["event_id"]]


async def test_racing_commands_on_the_real_server_record_one_closure(
    live_settings: IntakeSettings,
) -> None:
    async with in_process(live_settings) as client:
        received = await client.post(
            "/v1/complaints", content=raw(submission(source_system=source()))
        )
        ref = received.json()["complaint_id"]
        await classify(live_settings, ref, "retail-service")
        answers = await asyncio.gather(
            *(command(client, ref, "close", outcome=f"outcome {n}") for n in range(6))
        )
    assert sorted(answer.status_code for answer in answers) == [202, 409, 409, 409, 409, 409]
    events = await read_events(
        live_settings.kafka_bootstrap_servers,
        LIFECYCLE,
        live_settings.topic_prefix,
        lambda event: event.complaint_id == ref,
        count=1,
        settle=2,
    )
    assert [event.event_type for event in events] == ["ComplaintClosed"]
