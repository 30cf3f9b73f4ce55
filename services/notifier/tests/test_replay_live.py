"""Replays send nothing new; bad messages are dead-lettered; the metrics count what happened."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from complaint_events import DEADLINES, LIFECYCLE, NOTICES, REJECTED, topic_name
from complaint_notifier.domain import SettableClock
from complaint_notifier.settings import NotifierSettings

from .live import (
    SmtpSink,
    classified,
    complaint_id,
    produce,
    produce_raw,
    read_events,
    received,
    running,
    until,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

T0 = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=2)  # reminder and breach are due, the escalation not yet


def of(complaint: str, kind: str | None = None) -> Callable[[Any], bool]:
    return lambda e: e.complaint_id == complaint and (kind is None or e.event_type == kind)


async def test_replaying_the_input_topics_sends_nothing_new(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    cid = complaint_id()
    events = [received(cid, T0, number=7), classified(cid, T0)]
    async with running(live_settings(), SettableClock(DUE)):
        await produce(kafka_bootstrap, own_prefix, events)
        await until(lambda: len(smtp.received()) == 4)
        first = await _outputs(kafka_bootstrap, own_prefix, cid, notices=6, deadlines=2)
        await produce(kafka_bootstrap, own_prefix, events)  # redelivered as they were
        await asyncio.sleep(2)
    # a new consumer group reads every input topic from the beginning, same database
    replay = live_settings(consumer_group_prefix=f"{own_prefix}replay")
    async with running(replay, SettableClock(DUE + timedelta(minutes=5))):
        await asyncio.sleep(4)
    assert len(smtp.received()) == 4
    assert await _outputs(kafka_bootstrap, own_prefix, cid, notices=6, deadlines=2) == first


async def _outputs(
    bootstrap: str, prefix: str, complaint: str, *, notices: int, deadlines: int
) -> list[str]:
    found = await read_events(bootstrap, NOTICES, prefix, of(complaint), count=notices, settle=1)
    found += await read_events(
        bootstrap, DEADLINES, prefix, of(complaint), count=deadlines, settle=1
    )
    assert len(found) == notices + deadlines, [e.event_type for e in found]
    return sorted(e.event_id for e in found)


async def test_a_message_that_is_no_event_is_dead_lettered_and_the_rest_goes_on(
    live_settings: Callable[..., NotifierSettings],
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    cid = complaint_id()
    async with running(live_settings(), SettableClock(T0)):
        lifecycle = topic_name(LIFECYCLE, own_prefix)
        await produce_raw(kafka_bootstrap, lifecycle, b'{"event_type": "ReplySent"', key=b"x")
        await produce(kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0)])
        (rejected,) = await read_events(
            kafka_bootstrap,
            REJECTED,
            own_prefix,
            lambda e: e.payload.source_topic == lifecycle,
            count=1,
        )
        await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineScheduled"), count=1
        )
    assert rejected.payload.rejected_by == "notifier"
    assert rejected.payload.original_value == b'{"event_type": "ReplySent"'


async def test_metrics_count_deadlines_notices_and_timer_lag(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    cid = complaint_id()
    async with running(live_settings(), SettableClock(DUE)) as app:
        await produce(kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0)])
        await until(lambda: len(smtp.received()) == 4)
        await read_events(kafka_bootstrap, NOTICES, own_prefix, of(cid), count=6)
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as client:
            samples = await until(lambda: _pending_counted(client))

    def value(name: str, **labels: str) -> float:
        return samples[(name, *sorted(labels.items()))]

    reply = {"policy": "notifier-test", "step": "reply"}
    assert value("complaints_notifier_deadlines_scheduled_total", **reply) == 1
    assert value("complaints_notifier_deadlines_breached_total", **reply, severity="B") == 1
    assert value("complaints_notifier_notices_sent_total", channel="email", kind="reminder") == 2
    assert value("complaints_notifier_notices_sent_total", channel="webhook", kind="breach") == 1
    assert value("complaints_notifier_timer_lag_seconds_count") == 2  # reminder and breach
    assert value("complaints_notifier_schedule_pending") == 1  # the escalation


async def _pending_counted(client: httpx.AsyncClient) -> dict[tuple[Any, ...], float] | None:
    """Samples by name and sorted labels, once the gauge has counted."""
    text = (await client.get("/metrics")).text
    samples: dict[tuple[Any, ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if "le" not in sample.labels:
                samples[(sample.name, *sorted(sample.labels.items()))] = sample.value
    return samples if samples.get(("complaints_notifier_schedule_pending",)) == 1 else None
