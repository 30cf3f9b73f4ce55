"""The service in-process on the real Kafka and MongoDB: complaints in, classifications or dead
letters out, metrics and readiness."""

import asyncio
from urllib.parse import urlsplit

import pytest
from httpx import ASGITransport, AsyncClient, Response

from complaint_classifier.app import build
from complaint_events import LIFECYCLE, RECEIVED, encode, topic_name

from .builders import received, reclassified
from .live import Proxy, Watch, produce, produce_raw, running

pytestmark = pytest.mark.integration

DEATH = "我爸在ICU抢救三天后去世，医院至今没给一个说法，我们准备联系电视台。"


async def test_a_received_complaint_is_classified_with_its_policy_and_evidence(
    make_settings, kafka_bootstrap, prefix
):
    hospital = received(DEATH, source="his")
    unmatched = received("xyz 123 qwerty", source="unknown-system")
    async with Watch(kafka_bootstrap, prefix) as watch, running(make_settings()) as (_, client):
        await produce(kafka_bootstrap, prefix, [hospital, unmatched])
        first, second = await watch.results(
            [hospital.payload.complaint_id, unmatched.payload.complaint_id]
        )
        metrics = (await client.get("/metrics")).text

    assert (first.payload.policy_id, first.payload.severity) == ("hospital", "critical")
    assert first.payload.category == "medical_treatment"
    assert {"death", "media", "medical_dispute"} <= set(first.payload.flags)
    evidence = {
        rule.rule_id: [(e.field, e.value) for e in rule.evidence]
        for rule in first.payload.matched_rules
    }
    assert ("description", "去世") in evidence["death"]
    assert first.causation_id == hospital.event_id
    assert first.correlation_id == hospital.correlation_id
    assert first.complaint_id == hospital.payload.complaint_id
    assert (second.payload.policy_id, second.payload.unmatched) == ("retail-service", True)
    assert "no_rule_matched" in second.payload.flags
    assert (
        'complaints_classifier_classified_total{category="medical_treatment",manual="false",'
        'policy="hospital",severity="critical"} 1.0'
    ) in metrics
    assert 'complaints_classifier_rule_hits_total{policy="hospital",rule="death"} 1.0' in metrics
    assert 'complaints_classifier_unmatched_total{policy="retail-service"} 1.0' in metrics
    assert 'complaints_classifier_classify_seconds_count{policy="hospital"} 1.0' in metrics
    assert 'complaints_classifier_handling_seconds_count{event_type="ComplaintReceived"}' in metrics
    assert "13900" not in metrics and "张三" not in metrics


async def test_garbage_and_unusable_overrides_are_dead_lettered_with_reason_and_bytes(
    make_settings, kafka_bootstrap, prefix
):
    garbage = b"\xff\xfe not json"
    no_envelope = b'{"event_type": "ComplaintReceived", "payload": {}}'
    complaint = received(DEATH, source="his")
    bad_override = reclassified(complaint.payload.complaint_id, "class_9")
    async with (
        Watch(kafka_bootstrap, prefix) as watch,
        running(make_settings()) as (_, client),
    ):
        await produce_raw(kafka_bootstrap, topic_name(RECEIVED, prefix), garbage)
        await produce_raw(kafka_bootstrap, topic_name(LIFECYCLE, prefix), no_envelope)
        await produce(kafka_bootstrap, prefix, [complaint])
        await watch.results([complaint.payload.complaint_id])
        await produce(kafka_bootstrap, prefix, [bad_override])
        await watch.until(lambda: len(watch.rejected) >= 3)
        await watch.quiet(1.0)
        metrics = (await client.get("/metrics")).text

    by_bytes = {bytes(event.payload.original_value): event.payload for event in watch.rejected}
    assert set(by_bytes) == {garbage, no_envelope, encode(bad_override)}
    assert by_bytes[garbage].reason_codes == ["not_utf8"]
    assert by_bytes[garbage].source_topic == topic_name(RECEIVED, prefix)
    assert by_bytes[garbage].rejected_by == "classifier"
    assert by_bytes[no_envelope].reason_codes == ["validation_failed"]
    refused = by_bytes[encode(bad_override)]
    assert [(e.field, e.type) for e in refused.field_errors] == [("payload.severity", "refused")]
    assert "class_9" in (refused.detail or "")
    assert len(watch.classified[complaint.payload.complaint_id]) == 1  # nothing else published
    lifecycle = LIFECYCLE.name
    assert (
        'complaints_dead_letters_total{reason="validation_failed",service="classifier",'
        f'topic="{lifecycle}"}} 2.0'
    ) in metrics
    assert 'complaints_classifier_overrides_total{outcome="refused"} 1.0' in metrics


async def test_readiness_follows_kafka_and_mongodb(make_settings, mongodb_uri):
    host, port = _host_port(mongodb_uri)
    proxy = Proxy(host, port)
    await proxy.open()
    app = build(make_settings(mongodb_uri=f"mongodb://127.0.0.1:{proxy.port}/"))
    async with AsyncClient(transport=ASGITransport(app), base_url="http://c") as client:
        before = await client.get("/health/ready")  # nothing connected yet
        async with app.router.lifespan_context(app):
            ready = await client.get("/health/ready")
            await proxy.cut()
            cut_off = await client.get("/health/ready")
            await proxy.open()
            again = await _eventually_ready(client)

    assert before.status_code == 503
    assert {
        name: value.startswith("failed") for name, value in before.json()["checks"].items()
    } == {
        "kafka": True,
        "mongodb": True,
    }
    assert (ready.status_code, ready.json()["checks"]) == (200, {"kafka": "ok", "mongodb": "ok"})
    assert cut_off.status_code == 503
    assert cut_off.json()["checks"]["kafka"] == "ok"
    assert cut_off.json()["checks"]["mongodb"].startswith("failed")
    assert again.status_code == 200


async def _eventually_ready(client: AsyncClient, tries: int = 60) -> Response:
    for _ in range(tries):
        response = await client.get("/health/ready")
        if response.status_code == 200:
            break
        await asyncio.sleep(0.5)
    return response


def _host_port(uri: str) -> tuple[str, int]:
    parsed = urlsplit(uri)
    return parsed.hostname or "127.0.0.1", parsed.port or 27017
