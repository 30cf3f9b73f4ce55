"""The whole service in-process on real Kafka and MongoDB: consume, query, report, attach."""

import asyncio
import csv
import io
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaConsumer
from httpx import ASGITransport, AsyncClient

from complaint_archive.app import build
from complaint_archive.settings import ArchiveSettings
from complaint_events import REJECTED, decode, topic_name

from .builders import START, Story, classified, full_story
from .support import PRIVILEGED, READER, WRITER, api_keys, publish_all, publish_raw

pytestmark = pytest.mark.integration
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def settings(kafka_bootstrap, mongodb_uri, topic_prefix, database_name, run_id):
    return ArchiveSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        mongodb_uri=mongodb_uri,
        mongodb_database=database_name("archive_service"),
        topic_prefix=topic_prefix,
        consumer_group_prefix=f"test-{run_id}-{uuid.uuid4().hex[:6]}",
        purge_interval_seconds=0,
        kafka_batch_wait_ms=20,
        attachment_max_bytes=1024,
    )


@asynccontextmanager
async def running(settings: ArchiveSettings) -> AsyncIterator[AsyncClient]:
    app = build(settings, keys=api_keys())
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url="http://archive", timeout=30) as client,
    ):
        client.headers["X-API-Key"] = READER
        yield client


async def eventually(client: AsyncClient, path: str, check, seconds: float = 60.0):
    """Polls until the archive has consumed what `check` waits for."""
    for _ in range(int(seconds / 0.25)):
        response = await client.get(path, headers={"X-API-Key": PRIVILEGED})
        if response.status_code == 200 and check(response.json()):
            return response.json()
        await asyncio.sleep(0.25)
    raise AssertionError(
        f"{path} never satisfied the check: {response.status_code} {response.text}"
    )


def policy_stories(policy: str, batch: str) -> list[Story]:
    closed = full_story(batch=batch)
    closed.events[1] = closed.events[1].model_copy(update={"payload": classified(policy=policy)})
    open_one = Story(start=START + timedelta(days=40))
    open_one.received(batch=batch, received_at=open_one.start, confidential=False)
    open_one.at(1, classified("A", policy=policy, category="packaging"), producer="classifier")
    return [closed, open_one]


async def test_the_archive_serves_what_it_consumed(settings, kafka_bootstrap, topic_prefix, run_id):
    policy, batch = f"policy-{run_id}", f"B-{uuid.uuid4().hex[:8]}"
    closed, open_one = policy_stories(policy, batch)
    events = [*closed.events, *open_one.events]
    random.Random(5).shuffle(events)  # classified before received, replies before assignment
    async with running(settings) as client:
        await publish_all(kafka_bootstrap, topic_prefix, events)
        document = await eventually(
            client, f"/complaints/{closed.complaint_id}", lambda d: d["status"] == "closed"
        )
        await eventually(
            client, f"/complaints/{open_one.complaint_id}", lambda d: d["policy_id"] == policy
        )
        assert document["record"]["complainant"]["name"] == "张三"
        assert document["event_count"] == len(closed.events)

        masked = (await client.get(f"/complaints/{closed.complaint_id}")).json()
        assert masked["record"]["complainant"]["phone"] == "***"
        by_number = await client.get(f"/complaints/{closed.number}")
        assert by_number.json()["complaint_id"] == closed.complaint_id
        timeline = (await client.get(f"/complaints/{closed.complaint_id}/timeline")).json()
        assert timeline["events"][0]["event_type"] == "ComplaintReceived"

        await _searches(client, batch, closed, open_one)
        await _reports(client, policy)
        await _attachments(client, closed, open_one)
        await _refusals(client)

        spec = (await client.get("/openapi.json")).json()
        assert {"/complaints", "/reports/causes-pareto"} <= set(spec["paths"])
        metrics = (await client.get("/metrics")).text
        assert 'complaints_archive_events_total{event_type="ComplaintReceived"}' in metrics


async def _searches(client, batch, closed, open_one):
    found = (await client.get("/complaints", params={"batch": batch})).json()
    assert [hit["complaint_id"] for hit in found["items"]] == [
        open_one.complaint_id,
        closed.complaint_id,
    ]
    first = (await client.get("/complaints", params={"batch": batch, "limit": 1})).json()
    second = await client.get(
        "/complaints", params={"batch": batch, "limit": 1, "cursor": first["next_cursor"]}
    )
    assert second.json()["items"][0]["complaint_id"] == closed.complaint_id
    assert second.json()["next_cursor"] is None
    closed_only = await client.get(
        "/complaints", params={"batch": batch, "status": ["closed", "withdrawn"], "q": "阿莫西林"}
    )
    assert [hit["number"] for hit in closed_only.json()["items"]] == [closed.number]
    exported = await client.get("/complaints", params={"batch": batch, "format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert {row["complaint_id"] for row in rows} == {closed.complaint_id, open_one.complaint_id}


async def _reports(client, policy):
    scope = {"policy_id": policy, "from": "2024-05", "to": "2024-06"}
    monthly = (await client.get("/reports/monthly-counts", params=scope)).json()
    assert {"month": "2024-06", "dimension": "severity", "value": "A", "count": 1} in monthly
    on_time = (await client.get("/reports/on-time", params=scope)).json()
    assert on_time == [
        {"step": "reply", "finished": 1, "on_time": 1, "late": 0, "on_time_rate": 1.0}
    ]
    closure = (await client.get("/reports/closure-rate", params=scope)).json()
    assert (closure["count"], closure["of"], closure["rate"]) == (1, 2, 0.5)
    replies = (await client.get("/reports/reply-accepted-rate", params=scope)).json()
    assert (replies["count"], replies["of"]) == (1, 1)
    causes = (await client.get("/reports/causes-pareto", params=scope)).json()
    assert causes == [{"cause": "运输包装破损", "count": 1, "share": 1.0, "cumulative": 1.0}]
    annual = await client.get(
        "/reports/annual-summary", params={"year": 2024, "policy_id": policy, "format": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(annual.text.lstrip("\ufeff"))))
    assert [(row["received_date"], row["cause"], row["actions"]) for row in rows] == [
        ("2024-05-06", "运输包装破损", "refund; 改进外箱"),
        ("2024-06-15", "", ""),
    ]


async def _attachments(client, closed, open_one):
    path = f"/complaints/{open_one.complaint_id}/attachments"
    writer = {"X-API-Key": WRITER}
    refused = await client.post(path, files={"file": ("x.png", PNG)})
    assert refused.status_code == 403  # the read key may not write
    stored = await client.post(path, files={"file": ("外盒.png", PNG, "image/png")}, headers=writer)
    assert stored.status_code == 202, stored.text
    body = stored.json()
    await eventually(client, f"/complaints/{open_one.complaint_id}", lambda d: d["attachments"])
    download = await client.get(body["download"])
    assert (download.status_code, download.content) == (200, PNG)
    fake = await client.post(
        path, files={"file": ("a.png", b"not a png", "image/png")}, headers=writer
    )
    assert fake.status_code == 415
    big = await client.post(
        path, files={"file": ("a.txt", b"x" * 2048, "text/plain")}, headers=writer
    )
    assert big.status_code == 413
    exe = await client.post(
        path, files={"file": ("a.exe", b"MZ", "application/x-msdownload")}, headers=writer
    )
    assert exe.status_code == 415
    secret = await client.post(
        f"/complaints/{closed.complaint_id}/attachments",
        files={"file": ("a.txt", b"hello", "text/plain")},
        headers=writer,
    )
    confidential = secret.json()["download"]
    assert (await client.get(confidential)).status_code == 403
    privileged = await client.get(confidential, headers={"X-API-Key": PRIVILEGED})
    assert privileged.content == b"hello"


async def _refusals(client):
    assert (await client.get("/complaints/no-such-complaint")).status_code == 404
    assert (await client.get("/complaints/TS-19990101-000001")).status_code == 404
    for params, parameter in [
        ({"status": "bogus"}, "status"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"received_from": "yesterday"}, "received_from"),
    ]:
        response = await client.get("/complaints", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field_errors"][0]["field"] == f"query.{parameter}"
    for params, parameter in [
        ({"from": "2024-13"}, "from"),
        ({"from": "2024-05", "to": "2024-01"}, "to"),
    ]:
        response = await client.get("/reports/monthly-counts", params=params)
        assert response.status_code == 422
        assert response.json()["field_errors"][0]["field"] == f"query.{parameter}"
    misspelt = await client.get("/complaints", params={"severty": "C", "status": "closed"})
    assert (misspelt.status_code, misspelt.json()["status"]) == (422, 422)
    assert [e["field"] for e in misspelt.json()["field_errors"]] == ["query.severty"]
    assert misspelt.json()["reason_codes"] == ["validation_failed"]
    unknown = await client.get("/complaints/no-such-complaint")
    assert unknown.json()["title"] == "Not Found" and unknown.json()["status"] == 404
    assert (await client.get("/complaints", headers={"X-API-Key": "wrong"})).status_code == 401


async def test_an_invalid_event_goes_to_the_dead_letter_topic_with_a_reason(
    settings, kafka_bootstrap, topic_prefix
):
    lifecycle = f"{topic_prefix}complaints.lifecycle.v1"
    marker = uuid.uuid4().hex
    value = f'{{"event_type":"ComplaintAssigned","marker":"{marker}"}}'.encode()
    rejected = topic_name(REJECTED, topic_prefix)
    consumer = AIOKafkaConsumer(
        rejected, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        async with running(settings):
            await publish_raw(
                kafka_bootstrap, lifecycle, value, [("event_type", b"ComplaintAssigned")]
            )
            letter = await _dead_letter(consumer, marker)
    finally:
        await consumer.stop()
    assert letter.payload.rejected_by == "archive"
    assert letter.payload.source_topic == lifecycle
    assert letter.payload.reason_codes == ["validation_failed"]
    assert {error.field for error in letter.payload.field_errors} >= {"event_id", "payload"}


async def _dead_letter(consumer: AIOKafkaConsumer, marker: str):
    async with asyncio.timeout(60):
        async for record in consumer:
            event = decode(record.value, record.headers)
            if marker.encode() in event.payload.original_value:
                return event
    raise AssertionError("no dead letter")
