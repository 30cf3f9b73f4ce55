"""`make demo`'s flow on the four service processes: the demo set fed by REST and Kafka comes out
archived, classified and with its deadlines and notices as each policy says; the summary counts
what was fed and what the topics and the local SMTP server and webhook receiver saw; and the
check can fail."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from complaint_classifier.domain import classify, cluster_keys, load_policies
from complaint_events import DEADLINES, NOTICES, TopicSpec, decode, topic_name
from deploy.local.demo import Fed, load_demo
from deploy.local.demo_privacy import Sinks, privacy_problems
from deploy.local.demo_summary import render, totals
from deploy.local.demo_verify import (
    Outcome,
    Verifier,
    document_problems,
    feed_and_verify,
    verify,
)
from deploy.local.system import DEPLOY, HookReceiver, Mailbox
from tests.e2e.support_demo import DemoSystem, demo_system


@pytest.fixture(scope="module")
async def demo(
    kafka_bootstrap: str, mongodb_uri: str, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DemoSystem]:
    workdir = tmp_path_factory.mktemp("demo")
    name = f"demo-{run_id}"
    async with demo_system(
        workdir, bootstrap=kafka_bootstrap, mongodb_uri=mongodb_uri, name=name
    ) as system:
        yield system


@pytest.fixture(scope="module")
async def outcomes(demo: DemoSystem) -> list[Outcome]:
    return await feed_and_verify(
        load_demo(),
        run_tag=f"test-{demo.topic_prefix.rstrip('.')}",
        urls=demo.urls,
        api_key=demo.config.api_key,
        bootstrap=demo.bootstrap,
        topic_prefix=demo.topic_prefix,
        expectations=demo.expectations(),
        sinks=demo.sinks,
        seconds=150,
    )


async def events_on(demo: DemoSystem, spec: TopicSpec) -> Counter[str]:
    """Distinct events of each type on one of this system's own topics (only the demo's)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=demo.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic_name(spec, demo.topic_prefix), number)
            for number in range(spec.partitions)
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        seen: dict[str, str] = {}
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    envelope = decode(record.value, record.headers)
                    seen[envelope.event_id] = envelope.event_type
        return Counter(seen.values())
    finally:
        await consumer.stop()


@pytest.mark.e2e
async def test_every_demo_complaint_comes_out_as_its_policy_says(outcomes: list[Outcome]) -> None:
    problems = [line for outcome in outcomes for line in outcome.lines()]
    assert problems == []
    assert len(outcomes) == len(load_demo())


@pytest.mark.e2e
async def test_the_summary_counts_what_was_fed_and_what_went_out(
    demo: DemoSystem, outcomes: list[Outcome]
) -> None:
    fed = load_demo()
    counted = totals(outcomes, demo.mailbox, demo.hooks)
    assert counted.fed == len(fed) == 18
    assert counted.by_channel == Counter({"http": 9, "kafka": 9})
    assert counted.by_language == Counter({"zh": 9, "en": 9})
    assert counted.archived == 18
    expected_severities: dict[str, Counter[str]] = {}
    for item in fed:
        expected_severities.setdefault(item.preset, Counter())[item.expect_severity] += 1
    assert counted.by_severity == expected_severities
    deadline_events, notice_events = (
        await events_on(demo, DEADLINES),
        await events_on(demo, NOTICES),
    )
    assert sum(counted.deadlines.values()) == deadline_events["DeadlineScheduled"] > 0
    assert sum(counted.notices.values()) == notice_events["NoticeSent"] > 0
    assert counted.emails_received == counted.notices["email"] > 0
    assert counted.webhooks_received == counted.notices["webhook"] > 0
    text = render(counted, outcomes, {"intake": demo.urls["intake"]})
    assert "Demo: 18 complaints in: 9 by REST, 9 by Kafka; 9 English, 9 Chinese" in text
    assert f"Deadlines scheduled: {deadline_events['DeadlineScheduled']} (" in text
    assert "Documents archived: 18 of 18" in text


@pytest.mark.e2e
async def test_the_check_reports_what_is_missing(demo: DemoSystem, outcomes: list[Outcome]) -> None:
    """A complaint the archive never got, a missing deadline and notice, another severity."""
    expectations = demo.expectations()
    with_notice = next(o for o in outcomes if o.document and o.document["notices"])
    document = copy.deepcopy(with_notice.document)
    assert document is not None
    dropped_deadline = document["deadlines"].pop(0)["step"]
    dropped_notice = document["notices"].pop(0)
    problems = document_problems(document, with_notice.fed.item, expectations)
    assert f"no DeadlineScheduled for step {dropped_deadline}" in problems
    assert any(
        line.startswith(f"no NoticeSent for immediate notice {dropped_notice['step']} ")
        and dropped_notice["recipient_ref"] in line
        for line in problems
    ), problems
    other = copy.deepcopy(with_notice.document)
    assert other is not None
    other["severity"] = "not-a-level"
    assert document_problems(other, with_notice.fed.item, expectations) == [
        f"classified not-a-level, the demo expects {with_notice.fed.item.expect_severity}"
    ]

    ghost = Fed(with_notice.fed.item, "never-fed", complaint_id="0190c7d2-no-such-complaint")
    [outcome] = await _verify_once(demo, [ghost])
    assert outcome.lines() == [
        f"complaint {ghost.item.key} ({ghost.item.preset}, by {ghost.item.via}): not archived "
        "(archive GET /complaints/0190c7d2-no-such-complaint)"
    ]


async def _verify_once(demo: DemoSystem, fed: list[Fed]) -> list[Outcome]:
    headers = {"X-API-Key": demo.config.api_key}
    async with (
        httpx.AsyncClient(base_url=demo.urls["archive"], headers=headers) as archive,
        httpx.AsyncClient(base_url=demo.urls["notifier"], headers=headers) as notifier,
    ):
        return await verify(fed, Verifier(archive, notifier, demo.expectations(), demo.sinks))


@pytest.mark.unit
def test_the_demo_set_is_classified_as_it_says_and_counts_toward_no_cluster() -> None:
    """What each preset makes of each text, by the classifier's own domain; no cluster key, so
    `make demo` run again on the same databases classifies them the same way."""
    policies = load_policies(DEPLOY / "policies")
    for item in load_demo():
        body = item.body("check")
        result = classify(policies[item.preset], body)
        assert (item.key, result.severity) == (item.key, item.expect_severity)
        keys = cluster_keys(
            policies[item.preset], body, result, complaint_id="c", at=datetime.now(UTC)
        )
        assert keys == [], item.key


@pytest.mark.e2e
async def test_the_privacy_check_reads_what_reached_the_receivers(
    demo: DemoSystem, outcomes: list[Outcome]
) -> None:
    """The confidential group complaint's notice to the respondent's department head is
    redacted and was checked at the receiver; a leak or a missing message is reported."""
    directory = demo.expectations().rules.directory
    petition = next(o for o in outcomes if o.fed.item.key == "retail-group-petition")
    document = petition.document
    assert document is not None
    redacted = [n for n in document["notices"] if n["sent"] and n["redacted"]]
    assert {n["recipient_ref"] for n in redacted} == {"dept-head"}
    complainant = petition.fed.item.submission["complainant"]
    assert privacy_problems(document, complainant, demo.sinks, directory) == []

    number = document["number"]  # surely in the notice: stands in for a leaked name
    leaked = privacy_problems(document, {"name": number}, demo.sinks, directory)
    assert leaked and all("carries the complainant's identifier TS***" in line for line in leaked)
    mailbox, hooks = Mailbox(), HookReceiver("unused")
    try:
        missing = privacy_problems(document, complainant, Sinks(mailbox, hooks), directory)
    finally:
        hooks.server.server_close()
    assert missing == [
        f"redacted notice {n['step']} to dept-head by {n['channel']} was sent but never "
        "reached the local receiver"
        for n in redacted
    ]
