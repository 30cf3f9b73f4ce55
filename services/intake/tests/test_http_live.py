"""The REST API on the real Kafka and MongoDB-protocol server."""

import asyncio
import json
from collections import Counter

import pytest
from httpx import AsyncClient

from complaint_events import LIFECYCLE, RECEIVED
from complaint_intake.settings import IntakeSettings

from .live import classify, in_process, read_events, source
from .samples import raw, submission

pytestmark = pytest.mark.integration


async def post_all(client: AsyncClient, bodies: list[bytes]) -> list[tuple[int, dict[str, str]]]:
    responses = await asyncio.gather(*(client.post("/v1/complaints", content=b) for b in bodies))
    return [(response.status_code, response.json()) for response in responses]


async def test_parallel_submissions_with_repeats_become_one_complaint_each(
    live_settings: IntakeSettings,
) -> None:
    system = source()
    bodies = [raw(submission(source_system=system, external_reference=f"P-{n}")) for n in range(60)]
    sent = bodies + bodies[:30] + bodies[:30]
    async with in_process(live_settings) as client:
        answers = await post_all(client, sent)
    assert Counter(status for status, _ in answers) == {202: 60, 200: 60}
    by_reference: dict[str, set[str]] = {}
    for body, (_, answer) in zip(sent, answers, strict=True):
        reference = json.loads(body)["external_reference"]
        by_reference.setdefault(reference, set()).add(answer["complaint_id"])
    assert all(len(ids) == 1 for ids in by_reference.values())
    numbers = {answer["complaint_id"]: answer["complaint_number"] for _, answer in answers}
    assert len(numbers) == 60 and len(set(numbers.values())) == 60

    events = await read_events(
        live_settings.kafka_bootstrap_servers,
        RECEIVED,
        live_settings.topic_prefix,
        lambda event: event.payload.submission.source_system == system,
        count=60,
        settle=2,
    )
    # A repeat racing the first publication republishes the identical event (same event_id,
    # which consumers deduplicate by); it never makes a second complaint.
    assert len({event.event_id for event in events}) == 60
    assert {e.complaint_id: e.payload.complaint_number for e in events} == numbers
    assert {e.payload.submission.complainant.phone for e in events} == {"+8613800138000"}


async def test_commands_are_published_for_known_complaints_only(
    live_settings: IntakeSettings,
) -> None:
    system = source()
    async with in_process(live_settings) as client:
        received = (
            await client.post("/v1/complaints", content=raw(submission(source_system=system)))
        ).json()
        await classify(live_settings, received["complaint_id"], "retail-service")
        assigned = await client.post(
            f"/v1/complaints/{received['complaint_number']}/assign",
            content=json.dumps({"actor": "qa-1", "department": "finance"}),
        )
        closed = await client.post(
            f"/v1/complaints/{received['complaint_id']}/close",
            content=json.dumps({"actor": "qa-1", "outcome": "replaced"}),
        )
        unknown = await client.post(
            "/v1/complaints/TS-19990101-000001/close",
            content=json.dumps({"actor": "qa-1", "outcome": "replaced"}),
        )
        status = await client.get(f"/v1/complaints/{received['complaint_number']}")
        by_reference = await client.get(
            "/v1/complaints", params={"source_system": system, "external_reference": "A-1"}
        )
        ready = await client.get("/health/ready")
    assert (assigned.status_code, closed.status_code, unknown.status_code) == (202, 202, 404)
    assert status.json()["complaint_id"] == received["complaint_id"]
    assert by_reference.json()["complaint_number"] == received["complaint_number"]
    assert ready.json() == {"status": "ready", "checks": {"kafka": "ok", "mongodb": "ok"}}
    events = await read_events(
        live_settings.kafka_bootstrap_servers,
        LIFECYCLE,
        live_settings.topic_prefix,
        lambda event: event.complaint_id == received["complaint_id"],
        count=2,
    )
    assert [event.event_type for event in events] == ["ComplaintAssigned", "ComplaintClosed"]
    assert events[0].event_id == assigned.json()["event_id"]
