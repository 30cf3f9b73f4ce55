"""Use case: one round of the scheduler: every notice due by now, fired concurrently."""

import asyncio
import contextlib
import logging

from complaint_runtime import TRANSIENT

from .context import Notifier
from .firing import fire
from .ports import EntryStatus, ScheduledEntry
from .record import ComplaintRecord

log = logging.getLogger("complaints.notifier.scheduler")


async def send_due(ctx: Notifier) -> int:
    """How many due entries were taken up (a full batch means: look again at once)."""
    now = ctx.clock.now()
    entries = await ctx.schedule.due(now, ctx.options.batch_size)
    if entries:
        records = await ctx.complaints.load_many({e.notice.complaint_id for e in entries})
        gate = asyncio.Semaphore(ctx.options.concurrency)

        async def one(entry: ScheduledEntry) -> None:
            async with gate:
                await _fire_safely(ctx, entry, records.get(entry.notice.complaint_id))

        await asyncio.gather(*(one(entry) for entry in entries))
    await ctx.schedule.advance(now)
    return len(entries)


async def _fire_safely(
    ctx: Notifier, entry: ScheduledEntry, record: ComplaintRecord | None
) -> None:
    notice_id = entry.notice.notice_id
    try:
        await fire(ctx, entry, record)
    except TRANSIENT as error:
        # The claim stays; once its lease runs out a sender takes the notice up again.
        log.warning(
            "notice postponed", extra={"notice_id": notice_id, "error": type(error).__name__}
        )
    except Exception as error:
        log.error(
            "notice failed unexpectedly", extra={"notice_id": notice_id, "error": repr(error)}
        )
        with contextlib.suppress(Exception):
            await ctx.schedule.mark(entry, EntryStatus.FAILED)
