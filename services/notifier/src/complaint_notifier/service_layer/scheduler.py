"""Use case: one round of the scheduler: claim what is due, send it concurrently, record it.

Claims and statuses are written for the whole round at once: on a server that serialises
writes (FerretDB on SQLite) the number of writes, not their size, limits the rate.
"""

import asyncio
import logging
from collections import defaultdict
from datetime import datetime

from complaint_runtime import TRANSIENT

from .context import Notifier, persist
from .firing import fire
from .ports import EntryStatus, ScheduledEntry
from .record import ComplaintRecord

log = logging.getLogger("complaints.notifier.scheduler")


async def send_due(ctx: Notifier) -> int:
    """How many due entries were taken up (a full batch means: look again at once)."""
    now = ctx.clock.now()
    entries = await ctx.schedule.due(now, ctx.options.batch_size)
    if entries:
        await _send(ctx, entries, now)
    await ctx.schedule.advance(now)
    return len(entries)


async def _send(ctx: Notifier, entries: list[ScheduledEntry], now: datetime) -> None:
    owned = await ctx.claims.take(entries, now)
    mine = [entry for entry in entries if entry.notice.notice_id in owned]
    by_attempt: dict[int, list[ScheduledEntry]] = defaultdict(list)
    for entry in mine:
        by_attempt[owned[entry.notice.notice_id]].append(entry)
    for attempt, group in by_attempt.items():
        until = now + ctx.options.lease
        await ctx.schedule.mark(group, EntryStatus.CLAIMED, attempt=attempt, lease_until=until)
    records = await ctx.complaints.load_many({entry.notice.complaint_id for entry in mine})
    gate = asyncio.Semaphore(ctx.options.concurrency)

    async def one(entry: ScheduledEntry) -> EntryStatus | None:
        async with gate:
            record = records.get(entry.notice.complaint_id)
            return await _fire_safely(ctx, entry, owned[entry.notice.notice_id], record, now)

    done: dict[EntryStatus, list[ScheduledEntry]] = defaultdict(list)
    for entry, status in zip(mine, await asyncio.gather(*(one(e) for e in mine)), strict=True):
        if status is not None:
            done[status].append(entry)
    for status, group in done.items():
        await _mark(ctx, group, status)


async def _mark(ctx: Notifier, entries: list[ScheduledEntry], status: EntryStatus) -> None:
    await persist("record notice status", lambda: ctx.schedule.mark(entries, status))


async def _fire_safely(
    ctx: Notifier,
    entry: ScheduledEntry,
    attempt: int,
    record: ComplaintRecord | None,
    now: datetime,
) -> EntryStatus | None:
    """None leaves the claim in place: once its lease runs out, a sender takes it up again."""
    notice_id = entry.notice.notice_id
    try:
        return await fire(ctx, entry.notice, attempt, record, now)
    except TRANSIENT as error:
        log.warning(
            "notice postponed", extra={"notice_id": notice_id, "error": type(error).__name__}
        )
        return None
    except Exception as error:
        log.error("notice failed unexpectedly", extra={"notice_id": notice_id}, exc_info=error)
        return EntryStatus.FAILED
