"""Use case part: deliver one message, trying again with backoff, and record every outcome.

Each try's outcome is a NoticeSent or NoticeFailed event; the last failed try is final (the
delivery is dead-lettered: recorded failed, never tried again). "Sent" is recorded before
NoticeSent is published, so a sender taking over after a crash knows what went out. A crash
between the server accepting a message and that record is the one window where a message can
go out twice; e-mails carry the delivery id as Message-ID and webhooks as Idempotency-Key so
receivers can drop the repeat.
"""

import asyncio
import logging
from typing import Any

from complaint_events import Envelope, NoticeFailed, NoticeSent, decode, encode, new_event
from complaint_runtime import persistently

from .context import PRODUCER, Notifier
from .ports import Delivery, DeliveryFailed, EntryStatus, Outcome

log = logging.getLogger("complaints.notifier.delivery")
ERROR_MAX = 500


async def deliver(ctx: Notifier, delivery: Delivery, attempt: int) -> bool:
    """True when the person got the message, now or in an earlier attempt at the notice."""
    if attempt > 1:
        done = await persistently("read outcome", lambda: ctx.deliveries.outcome(delivery.key))
        if done is not None:
            # It may not have reached Kafka before the crash: publish the same event again.
            await _publish(ctx, decode(done.event.encode()))
            return done.status is EntryStatus.SENT
    sender, tries = ctx.senders[delivery.channel], ctx.options.tries
    for number in range(1, tries + 1):
        try:
            await sender.send(delivery)
        except DeliveryFailed as failure:
            final = failure.permanent or number == tries
            await _failed(ctx, delivery, number, failure.reason, final=final)
            if final:
                return False
            await asyncio.sleep(ctx.options.backoff_seconds * 2 ** (number - 1))
            continue
        await _sent(ctx, delivery, number)
        return True
    raise AssertionError("the last try is final")


async def _sent(ctx: Notifier, delivery: Delivery, number: int) -> None:
    event = _event(NoticeSent, delivery, number)
    outcome = Outcome(EntryStatus.SENT, encode(event).decode())
    await persistently(
        "record sent", lambda: ctx.deliveries.record(delivery.key, outcome, ctx.clock.now())
    )
    await _publish(ctx, event)
    ctx.metrics.notice_sent(delivery.channel.value, delivery.notice.kind.value)


async def _failed(
    ctx: Notifier, delivery: Delivery, number: int, reason: str, *, final: bool
) -> None:
    event = _event(NoticeFailed, delivery, number, error=reason[:ERROR_MAX], final=final)
    if final:
        outcome = Outcome(EntryStatus.FAILED, encode(event).decode())
        await persistently(
            "record failed", lambda: ctx.deliveries.record(delivery.key, outcome, ctx.clock.now())
        )
    await _publish(ctx, event)
    ctx.metrics.notice_failed(delivery.channel.value, delivery.notice.kind.value, final=final)
    log.warning(
        "notice delivery failed",
        extra={
            "notice_id": delivery.notice.notice_id,
            "channel": delivery.channel.value,
            "try": number,
            "final": final,
            "reason": reason[:ERROR_MAX],
        },
    )


def _event(
    kind: type[NoticeSent] | type[NoticeFailed], delivery: Delivery, number: int, **extra: Any
) -> Envelope[Any]:
    notice = delivery.notice
    payload = kind(
        notice_id=notice.notice_id,
        notice_kind=notice.kind,
        channel=delivery.channel,
        recipient_role=delivery.recipient.role,
        recipient_ref=delivery.recipient.person_id,
        deadline_id=notice.deadline_id,
        step=notice.step,
        level=notice.level,
        attempt=number,
        redacted=delivery.redacted,
        **extra,
    )
    return new_event(payload, producer=PRODUCER, complaint_id=notice.complaint_id)


async def _publish(ctx: Notifier, event: Envelope[Any]) -> None:
    await persistently("publish notice event", lambda: ctx.publisher.publish(event))
