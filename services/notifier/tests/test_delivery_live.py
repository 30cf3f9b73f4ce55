"""Delivery over the real channels: SMTP (aiosmtpd on loopback) and webhooks (an HTTP server
on loopback): texts in Chinese and English, redaction, signatures, retries, dead letters."""

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from complaint_events import NOTICES, NoticeChannel, NoticeFailed, NoticeKind
from complaint_notifier.adapters.webhook import SIGNATURE, TIMESTAMP, verify
from complaint_notifier.domain import SettableClock
from complaint_notifier.settings import NotifierSettings

from .live import (
    NAME,
    PHONE,
    SECRET,
    HookSink,
    SmtpSink,
    classified,
    complaint_id,
    produce,
    read_events,
    received,
    running,
    until,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

T0 = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)
REMINDER_AT = T0 + timedelta(hours=1)


def of(complaint: str, kind: str | None = None) -> Callable[[Any], bool]:
    return lambda e: e.complaint_id == complaint and (kind is None or e.event_type == kind)


def text(message: Any) -> str:
    return f"{message['Subject']}\n{message.get_content()}"


@pytest.mark.parametrize("privacy", ["confidential", "anonymous"])
async def test_the_party_complained_about_never_learns_who_complained(
    privacy: str,
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    hooks: HookSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    clock = SettableClock(REMINDER_AT)  # the reminder is due as soon as it is planned
    cid = complaint_id()
    flags = {privacy: True}
    async with running(live_settings(), clock):
        await produce(
            kafka_bootstrap, own_prefix, [received(cid, T0, **flags), classified(cid, T0)]
        )
        await until(lambda: len(smtp.received()) == 2)
        desk_hook = await until(lambda: hooks.received("/hooks/desk"))
        sent = await read_events(
            kafka_bootstrap, NOTICES, own_prefix, of(cid, "NoticeSent"), count=3
        )
    by_person = {str(m["To"]).split("<")[1].split("@")[0]: m for m in smtp.received()}
    head, desk = by_person["head"], by_person["desk"]
    for message in (head, desk):  # the notifier never stored the name or phone
        assert NAME not in text(message) and PHONE not in text(message)
    assert "投诉人：（保密，已隐去）" in text(head)  # Chinese for the respondent's head
    assert str(head["Subject"]).startswith("【投诉时限提醒】")
    assert str(desk["Subject"]).startswith("[Complaint deadline reminder]")  # English
    assert NAME not in desk_hook[0].body.decode() and PHONE not in desk_hook[0].body.decode()
    redacted = {
        (e.payload.recipient_ref, e.payload.channel.value): e.payload.redacted for e in sent
    }
    assert redacted == {
        ("head", "email"): True,
        ("desk", "email"): False,
        ("desk", "webhook"): False,
    }


async def test_a_named_complainant_is_not_withheld_but_never_stored(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    kafka_bootstrap: str,
    own_prefix: str,
    mongo_client: Any,
) -> None:
    clock = SettableClock(REMINDER_AT)
    cid = complaint_id()
    settings = live_settings()
    async with running(settings, clock):
        await produce(kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0)])
        await until(lambda: len(smtp.received()) == 2)
    head = next(m for m in smtp.received() if "head@" in str(m["To"]))
    assert "保密" not in text(head)
    stored = await mongo_client[settings.mongodb_database].complaints.find_one({"_id": cid})
    assert NAME not in str(stored) and PHONE not in str(stored)
    assert stored["title"] == "[redacted]（电话 [redacted]）投诉产品破损"


async def test_webhooks_are_signed_and_carry_an_idempotency_key(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    hooks: HookSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    clock = SettableClock(T0 + timedelta(minutes=1))
    cid = complaint_id()
    async with running(live_settings(), clock):
        await produce(
            kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0, severity="A")]
        )
        (call,) = await until(lambda: hooks.received("/hooks/manager"))
        await until(lambda: smtp.received())
    headers = {name.lower(): value for name, value in call.headers.items()}
    timestamp, signed = headers[TIMESTAMP.lower()], headers[SIGNATURE.lower()]
    assert verify(SECRET.encode(), timestamp, call.body, signed, now=time.time())
    assert not verify(b"another-secret", timestamp, call.body, signed, now=time.time())
    assert not verify(SECRET.encode(), timestamp, call.body + b" ", signed, now=time.time())
    body = call.json
    assert body["kind"] == "immediate" and body["complaint_id"] == cid
    assert body["recipient"] == {"ref": "manager", "role": "manager"}
    assert headers["idempotency-key"] == body["delivery_id"]
    (mail,) = smtp.received()
    assert mail["Message-ID"] == f"<{body['delivery_id']}@test.example>"
    # a long header may be folded onto a second line: its value is the same unfolded
    notice_header = str(mail["X-Complaints-Notice-Id"]).strip()
    assert notice_header == body["notice_id"] == headers["x-complaints-notice-id"]


async def test_a_failing_webhook_is_tried_again_with_backoff_until_it_answers(
    live_settings: Callable[..., NotifierSettings],
    hooks: HookSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    hooks.queued["/hooks/manager"] = [503, 503]
    clock = SettableClock(T0 + timedelta(minutes=1))
    cid = complaint_id()
    async with running(live_settings(delivery_tries=3), clock):
        await produce(
            kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0, severity="A")]
        )
        outcomes = await read_events(
            kafka_bootstrap, NOTICES, own_prefix, _webhook(cid), count=3, settle=1
        )
    assert [(e.event_type, e.payload.attempt) for e in outcomes] == [
        ("NoticeFailed", 1),
        ("NoticeFailed", 2),
        ("NoticeSent", 3),
    ]
    assert [e.payload.final for e in outcomes[:2]] == [False, False]
    assert outcomes[0].payload.error == "webhook answered HTTP 503"
    calls = hooks.received("/hooks/manager")
    assert len(calls) == 3 and len({c.headers["Idempotency-Key"] for c in calls}) == 1


async def test_a_webhook_failing_every_try_is_dead_lettered_and_kept_failed(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    hooks: HookSink,
    kafka_bootstrap: str,
    own_prefix: str,
    mongo_client: Any,
) -> None:
    hooks.queued["/hooks/manager"] = [500] * 10
    clock = SettableClock(T0 + timedelta(minutes=1))
    cid = complaint_id()
    settings = live_settings(delivery_tries=3)
    async with running(settings, clock):
        await produce(
            kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0, severity="A")]
        )
        outcomes = await read_events(
            kafka_bootstrap, NOTICES, own_prefix, _webhook(cid), count=3, settle=1
        )
        await until(lambda: smtp.received())  # the e-mail to the manager went out all the same
        clock.set(T0 + timedelta(minutes=20))
        await asyncio.sleep(1)  # later rounds do not try the dead-lettered delivery again
    assert [(e.payload.attempt, e.payload.final) for e in outcomes] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert all(isinstance(e.payload, NoticeFailed) for e in outcomes)
    assert len(hooks.received("/hooks/manager")) == 3
    database = mongo_client[settings.mongodb_database]
    assert await database.notices_failed.count_documents({}) == 1
    entry = await _entry(database, outcomes[0].payload.notice_id)
    assert entry["status"] == "failed"


async def test_a_webhook_refusing_the_request_fails_at_once(
    live_settings: Callable[..., NotifierSettings],
    hooks: HookSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    hooks.queued["/hooks/manager"] = [404]
    clock = SettableClock(T0 + timedelta(minutes=1))
    cid = complaint_id()
    async with running(live_settings(delivery_tries=3), clock):
        await produce(
            kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0, severity="A")]
        )
        (failed,) = await read_events(
            kafka_bootstrap, NOTICES, own_prefix, _webhook(cid), count=1, settle=1
        )
    assert failed.payload.final and failed.payload.attempt == 1
    assert len(hooks.received("/hooks/manager")) == 1


def _webhook(complaint: str) -> Callable[[Any], bool]:
    return lambda e: e.complaint_id == complaint and e.payload.channel.value == "webhook"


async def _entry(database: Any, notice_id: str) -> dict[str, Any]:
    found = await database.schedule.find_one({"_id": notice_id})
    assert found is not None, f"no schedule entry {notice_id}"
    return dict(found)


async def test_a_pooled_smtp_session_the_server_dropped_is_replaced_without_a_failed_try(
    smtp: SmtpSink,
) -> None:
    from complaint_notifier.adapters.smtp import SmtpSender
    from complaint_notifier.domain import PlannedNotice, Recipient
    from complaint_notifier.service_layer.ports import Delivery

    sender = SmtpSender(host="127.0.0.1", port=smtp.port, sender="n@test.example", tls="none")
    person = Recipient("desk", "Desk", "desk@test.example", None, "en", "desk", False, True)
    notice = PlannedNotice(
        "n1", "c1", "p", "reply", NoticeKind.REMINDER, 0, 1, 1, T0, T0, ("desk",), None, None
    )

    def delivery(number: int) -> Delivery:
        delivery_id = f"d{number}"
        return Delivery(
            f"{delivery_id}:email",
            delivery_id,
            NoticeChannel.EMAIL,
            notice,
            person,
            "en",
            False,
            None,
            f"subject {number}",
            "body\n",
        )

    await sender.send(delivery(1))
    smtp.controller.stop()  # the server goes away and comes back: the kept session is dead
    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    smtp.controller.start()
    await sender.send(delivery(2))
    await sender.aclose()
    assert [str(m["Subject"]) for m in smtp.received()] == ["subject 1", "subject 2"]


async def test_stopping_lets_the_notices_in_progress_finish_and_be_recorded(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    kafka_bootstrap: str,
    own_prefix: str,
    mongo_client: Any,
) -> None:
    smtp.delay = 1.5  # the server is slow to accept: the sends are in progress at the stop
    settings = live_settings()
    database = mongo_client[settings.mongodb_database]
    cid = complaint_id()
    async with running(settings, SettableClock(REMINDER_AT)):
        await produce(kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0)])
        await until(lambda: database.schedule.count_documents({"claim": {"$exists": True}}))
        assert smtp.received() == []
    # the app has stopped: what was in progress was finished, recorded and published first
    assert len(smtp.received()) == 2
    sent = await read_events(kafka_bootstrap, NOTICES, own_prefix, of(cid, "NoticeSent"), count=3)
    entry = await _entry(database, sent[0].payload.notice_id)
    assert entry["status"] == "sent" and await database.notices_sent.count_documents({}) == 3
