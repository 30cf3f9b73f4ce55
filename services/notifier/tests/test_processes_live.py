"""The notifier as OS processes on the real stack: killed with SIGKILL in the middle of a run
and restarted, and two replicas on one database. Every due notice goes out once: counted at
the SMTP server, the webhook receiver and in the NoticeSent events."""

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from complaint_events import DEADLINES, NOTICES
from complaint_notifier.settings import NotifierSettings

from .live import (
    HookSink,
    SmtpSink,
    classified,
    complaint_id,
    free_port,
    produce,
    read_events,
    received,
    until,
)
from .processes import NotifierProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

COMPLAINTS = 40
# Received three hours ago: reminder, breach and the first escalation are all due. Reminder and
# breach reach the desk (e-mail, webhook) and the head (e-mail); the escalation the manager
# (e-mail, webhook).
EMAILS, HOOKS = 5 * COMPLAINTS, 3 * COMPLAINTS
FAST = {  # short tries, so a short lease still outlasts a delivery
    "delivery_tries": 2,
    "smtp_timeout_seconds": 2,
    "webhook_timeout_seconds": 2,
    "lease_seconds": 6,
}


async def _produce_due_complaints(bootstrap: str, prefix: str) -> set[str]:
    start = datetime.now(UTC) - timedelta(hours=3)
    ids = [complaint_id() for _ in range(COMPLAINTS)]
    events = [
        e
        for n, cid in enumerate(ids)
        for e in (received(cid, start, number=n), classified(cid, start))
    ]
    await produce(bootstrap, prefix, events)
    return set(ids)


def _distinct(smtp: SmtpSink, hooks: HookSink) -> tuple[set[str], set[str]]:
    messages = {str(m["Message-ID"]).strip() for m in smtp.received()}
    keys = {call.headers["Idempotency-Key"] for call in hooks.received()}
    return messages, keys


async def _notice_events(bootstrap: str, prefix: str, ids: set[str]) -> list[Any]:
    return await read_events(
        bootstrap,
        NOTICES,
        prefix,
        lambda e: e.complaint_id in ids,
        count=EMAILS + HOOKS,
        within=120,
        settle=2,
    )


def _once_each(sent: list[Any]) -> Counter[tuple[str, str, str]]:
    """Distinct NoticeSent events per delivery (a repeat after a crash keeps its event id)."""
    by_delivery: dict[tuple[str, str, str], set[str]] = {}
    for e in sent:
        key = (e.payload.notice_id, e.payload.recipient_ref, e.payload.channel.value)
        by_delivery.setdefault(key, set()).add(e.event_id)
    return Counter({key: len(ids) for key, ids in by_delivery.items()})


async def test_a_notifier_killed_mid_run_misses_nothing_and_sends_nothing_twice(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    hooks: HookSink,
    kafka_bootstrap: str,
    own_prefix: str,
    tmp_path: Path,
) -> None:
    smtp.delay = 0.03  # a slower server keeps the run going long enough to be interrupted
    settings = live_settings(**FAST)
    ids = await _produce_due_complaints(kafka_bootstrap, own_prefix)
    first = NotifierProcess(settings, tmp_path / "first.log").start()
    try:
        await until(lambda: len(smtp.received()) >= EMAILS // 4, within=90)
        first.kill()
    finally:
        first.stop()
    at_kill = len(smtp.received())
    assert at_kill < EMAILS, "the run finished before the kill; nothing was interrupted"
    second = NotifierProcess(settings, tmp_path / "second.log").start()
    try:
        await until(lambda: _all_delivered(smtp, hooks), within=120)
        sent = [
            e
            for e in await _notice_events(kafka_bootstrap, own_prefix, ids)
            if e.event_type == "NoticeSent"
        ]
        breaches = await read_events(
            kafka_bootstrap,
            DEADLINES,
            own_prefix,
            lambda e: e.complaint_id in ids and e.event_type == "DeadlineBreached",
            count=COMPLAINTS,
            settle=2,
        )
    finally:
        second.stop()
    messages, keys = _distinct(smtp, hooks)
    assert (len(messages), len(keys)) == (EMAILS, HOOKS)
    once = _once_each(sent)
    assert len(once) == EMAILS + HOOKS and set(once.values()) == {1}
    assert len({e.payload.deadline_id for e in breaches}) == COMPLAINTS
    assert len({e.event_id for e in breaches}) == COMPLAINTS
    # The one window where a repeat is possible: the server accepted a message and the process
    # died before recording it. Receivers drop those by Message-ID / Idempotency-Key.
    repeats = len(smtp.received()) - EMAILS + len(hooks.received()) - HOOKS
    print(f"\nkilled after {at_kill} of {EMAILS} e-mails; repeats at the receivers: {repeats}")
    assert repeats <= settings.send_concurrency


async def test_two_replicas_on_one_database_send_each_notice_once(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    hooks: HookSink,
    kafka_bootstrap: str,
    own_prefix: str,
    tmp_path: Path,
    mongo_client: Any,
) -> None:
    # No replica dies here, so no notice may be taken over: a lease well past the slowest
    # delivery (two 2 s tries and a backoff; a fresh-clone CI run saw a webhook time out
    # once, the 6 s lease ran out, and the other replica published that NoticeSent again).
    slow = {**FAST, "lease_seconds": 30}
    settings = live_settings(**slow)
    replicas = [
        NotifierProcess(live_settings(**slow, http_port=free_port()), tmp_path / f"replica{n}.log")
        for n in (1, 2)
    ]
    try:
        for replica in replicas:
            replica.start()
        await asyncio.gather(*(asyncio.to_thread(replica.wait_ready) for replica in replicas))
        ids = await _produce_due_complaints(kafka_bootstrap, own_prefix)
        await until(lambda: _all_delivered(smtp, hooks), within=120)
        events = await _notice_events(kafka_bootstrap, own_prefix, ids)
        await asyncio.sleep(2)  # time for a duplicate to show up, if there were one
    finally:
        for replica in replicas:
            replica.stop()
    messages, keys = _distinct(smtp, hooks)
    assert (len(messages), len(keys)) == (EMAILS, HOOKS)
    assert (len(smtp.received()), len(hooks.received())) == (EMAILS, HOOKS)  # no repeats
    assert len(events) == EMAILS + HOOKS and all(e.event_type == "NoticeSent" for e in events)
    assert set(_once_each(events).values()) == {1}
    schedule = mongo_client[settings.mongodb_database].schedule
    owners = {doc["owner"] async for doc in schedule.find({"owner": {"$exists": True}})}
    assert len(owners) == 2, "both replicas should have sent some of the notices"


def _all_delivered(smtp: SmtpSink, hooks: HookSink) -> bool:
    messages, keys = _distinct(smtp, hooks)
    return len(messages) >= EMAILS and len(keys) >= HOOKS
