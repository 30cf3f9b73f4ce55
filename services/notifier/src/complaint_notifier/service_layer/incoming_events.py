"""Use case: complaints' events came in; re-plan each and reconcile the schedule.

Crash safety: the records are saved with the work they imply (entries to add and drop, events
to publish) before any of it is done, and saved again without it afterwards. A redelivered
event finds itself in its record and just finishes the work left; ids make each step
idempotent. A batch's complaints share their database writes: one read, one bulk save before
and one after, one insert and one drop for the schedule.
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from complaint_events import (
    DeadlineBreached,
    DeadlineMet,
    DeadlineScheduled,
    Envelope,
    decode,
    encode,
    new_event,
)

from .complaint_record import ComplaintRecord
from .context import PRODUCER, Notifier
from .replanning import DeadlineFact, adopt, replan

log = logging.getLogger("complaints.notifier.recording")
CONSUMER = "consumer"


async def record_batch(ctx: Notifier, events: Mapping[str, Sequence[Envelope[Any]]]) -> None:
    """Each complaint's events, in order; complaints of a batch together."""
    stored = await ctx.complaints.load_many(events)
    records = [stored.get(cid) or ComplaintRecord(cid) for cid in events]
    planned = []
    for record in records:
        fresh = [event for event in events[record.complaint_id] if record.absorb(event)]
        if fresh:
            await _plan(ctx, record, caused_by=fresh[-1])
            planned.append(record)
    await ctx.complaints.save_many(planned)
    working = [record for record in records if record.has_work]
    if working:
        await carry_out(ctx, working)
        await ctx.complaints.save_many(working)


async def _plan(ctx: Notifier, record: ComplaintRecord, *, caused_by: Envelope[Any]) -> None:
    plan = replan(ctx.rules, record, ctx.clock.now())
    if plan is None:
        classification = record.classification()
        if classification is not None:
            log.warning("unknown policy", extra={"policy_id": classification.policy_id})
        return
    for fact in adopt(record, plan):
        event = new_event(
            fact.payload,
            producer=PRODUCER,
            complaint_id=record.complaint_id,
            caused_by=caused_by,
            occurred_at=fact.at,
        )
        encoded = await _once(ctx, fact, encode(event).decode())
        if encoded is not None:
            record.outbox.append(encoded)
        record.published.add(fact.key)


async def _once(ctx: Notifier, fact: DeadlineFact, encoded: str) -> str | None:
    """The event to publish for a fact, counted once. A breach is recorded by deadline, since
    the scheduler may have announced it already when its breach notice fired."""
    if not isinstance(fact.payload, DeadlineBreached):
        _count(ctx, fact)
        return encoded
    stored, source, new = await ctx.breaches.record(fact.payload.deadline_id, encoded, CONSUMER)
    if new:
        _count(ctx, fact)
    return stored if source == CONSUMER else None


def _count(ctx: Notifier, fact: DeadlineFact) -> None:
    if isinstance(fact.payload, DeadlineScheduled):
        ctx.metrics.deadline_scheduled(fact.policy_id, fact.step)
    elif isinstance(fact.payload, DeadlineMet):
        ctx.metrics.deadline_met(fact.policy_id, fact.step)
    elif isinstance(fact.payload, DeadlineBreached):
        ctx.metrics.deadline_breached(fact.policy_id, fact.step, fact.severity)


async def carry_out(ctx: Notifier, records: Sequence[ComplaintRecord]) -> None:
    """Insert and drop schedule entries, publish the deadline events (in order, their
    acknowledgements awaited together); then forget the work."""
    await ctx.schedule.add([notice for r in records for notice in r.adds], ctx.clock.now())
    await ctx.schedule.drop({key: at for r in records for key, at in r.drops.items()})
    outbox = [decode(encoded.encode()) for record in records for encoded in record.outbox]
    await ctx.publisher.publish_all(outbox)
    for record in records:
        record.adds, record.drops, record.outbox = [], {}, []
