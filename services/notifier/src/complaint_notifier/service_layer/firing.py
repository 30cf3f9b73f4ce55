"""Use case part: a due notice claimed by this sender; check it is still wanted, send it.

The claim (scheduler.py) is an atomic update of the entry that only one sender can make for an
attempt, so two replicas never both own one; a sender that died is replaced once its lease ran
out, by the next attempt number, which sees what the earlier one recorded and does not send it
again.
"""

import asyncio
import logging
from datetime import datetime

from complaint_events import DeadlineBreached, NoticeKind, decode, encode, new_event
from complaint_runtime import persistently

from ..domain import PlannedNotice, next_progress_notice
from .complaint_record import ComplaintRecord
from .composing import compose, still_wanted
from .context import PRODUCER, Notifier
from .delivering import deliver
from .ports import EntryStatus

log = logging.getLogger("complaints.notifier.firing")
SCHEDULER = "scheduler"


async def fire(
    ctx: Notifier,
    notice: PlannedNotice,
    attempt: int,
    record: ComplaintRecord | None,
    taken_at: datetime,
) -> EntryStatus:
    """The notice's status once done: sent, failed (a delivery dead-lettered) or dropped."""
    if record is None or not still_wanted(ctx.rules, record, notice):
        return EntryStatus.DROPPED
    ctx.metrics.lag((taken_at - notice.send_at).total_seconds())
    if notice.kind is NoticeKind.BREACH:
        await announce_breach(ctx, record, notice, attempt)
    deliveries = compose(ctx.rules, record, notice, ctx.senders)
    if not deliveries:
        log.warning("nobody to notify", extra={"notice_id": notice.notice_id})
    delivered = await asyncio.gather(*(deliver(ctx, item, attempt) for item in deliveries))
    if notice.kind is NoticeKind.PROGRESS:
        await schedule_next_progress(ctx, record, notice, taken_at)
    return EntryStatus.SENT if all(delivered) else EntryStatus.FAILED


async def announce_breach(
    ctx: Notifier, record: ComplaintRecord, notice: PlannedNotice, attempt: int
) -> None:
    """DeadlineBreached once per deadline, whether the breach notice or a late stop tells first."""
    assert notice.deadline_id is not None
    classification = record.classification()
    severity = classification.severity if classification else None
    due = notice.due_at or notice.send_at
    payload = DeadlineBreached(
        deadline_id=notice.deadline_id,
        step=notice.step,
        due_at=due,
        breached_at=due,
        severity=severity,
    )
    event = new_event(payload, producer=PRODUCER, complaint_id=notice.complaint_id, occurred_at=due)
    stored, source, new = await persistently(
        "record breach",
        lambda: ctx.breaches.record(notice.deadline_id or "", encode(event).decode(), SCHEDULER),
    )
    if new:
        ctx.metrics.deadline_breached(notice.policy_id, notice.step, severity)
    if new or (source == SCHEDULER and attempt > 1):
        # After a takeover the first sender may have died before Kafka took the event.
        again = decode(stored.encode())
        await persistently("publish breach", lambda: ctx.publisher.publish(again))


async def schedule_next_progress(
    ctx: Notifier, record: ComplaintRecord, notice: PlannedNotice, taken_at: datetime
) -> None:
    """The next progress notice after the moment this one was taken up: a sender that fell
    behind sends one, not every one it missed."""
    clock = record.clock(notice.deadline_id)
    spec = ctx.rules.spec(notice.policy_id, notice.step)
    if clock is None or spec is None:
        return
    following = next_progress_notice(
        clock,
        spec,
        ctx.rules.calendars[spec.calendar_id],
        max(taken_at, notice.send_at),
        notice.department,
    )
    if following is not None:
        await persistently("schedule progress", lambda: ctx.schedule.add([following], taken_at))
