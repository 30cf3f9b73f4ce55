"""Use case: the scheduler's rounds: claim what is due and send each notice in a worker of its
own, which records its outcome.

A round claims no more notices than there are free workers, so a claimed notice starts at once
and its lease is not spent waiting; a slow delivery (a webhook tried again with backoff) holds
up only its own notice. A round's only write is its claim (one update for all). The entry's
status is written when its notice is done; while it is sent it still reads `pending`, and its
lease says who has it.
"""

import asyncio
import logging
from datetime import datetime

from complaint_runtime import TRANSIENT, persistently

from .context import Notifier
from .firing import fire
from .ports import EntryStatus, ScheduledEntry

log = logging.getLogger("complaints.notifier.scheduler")


class Dispatcher:
    def __init__(self, ctx: Notifier) -> None:
        self.ctx = ctx
        self.working: dict[str, asyncio.Task[None]] = {}
        self.worker_done = asyncio.Event()
        self.more_due = False
        """The last round found as many due notices as it could take: look again soon."""

    async def run(self, stopping: asyncio.Event, poll: float) -> None:
        """Rounds until `stopping` is set, then the notices in progress are let finish."""
        while not stopping.is_set():
            try:
                await self.round()
            except Exception as error:  # MongoDB away: the next round tries again
                log.warning("scheduler round failed", extra={"error": type(error).__name__})
            await self._pause(stopping, poll)
        await self.drain()

    async def _pause(self, stopping: asyncio.Event, poll: float) -> None:
        if self.more_due and self.free > 0:
            return
        events = [stopping] + ([self.worker_done] if self.more_due else [])
        waits = [asyncio.create_task(event.wait()) for event in events]
        await asyncio.wait(waits, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()
        self.worker_done.clear()

    @property
    def free(self) -> int:
        return self.ctx.options.concurrency - len(self.working)

    async def round(self) -> int:
        """How many notices this round took up."""
        now = self.ctx.clock.now()
        taken, limit = 0, min(self.ctx.options.batch_size, self.free)
        self.more_due = limit <= 0
        if limit > 0:
            # the notices in progress still read pending: ask for them too, and leave them out
            entries = await self.ctx.schedule.due(now, limit + len(self.working))
            fresh = [entry for entry in entries if entry.notice.notice_id not in self.working]
            self.more_due = len(fresh) >= limit
            taken = await self._start(fresh[:limit], now)
        return taken

    async def _start(self, entries: list[ScheduledEntry], now: datetime) -> int:
        if not entries:
            return 0
        owned = await self.ctx.claims.take(entries, now)
        for entry in entries:
            attempt = owned.get(entry.notice.notice_id)
            if attempt is not None:
                work = self._work(entry, attempt, now)
                self.working[entry.notice.notice_id] = asyncio.create_task(work)
        return len(owned)

    async def _work(self, entry: ScheduledEntry, attempt: int, now: datetime) -> None:
        try:
            status = await _fire_safely(self.ctx, entry, attempt, now)
            if status is not None:
                await _mark(self.ctx, entry, status, attempt)
        finally:
            self.working.pop(entry.notice.notice_id, None)
            self.worker_done.set()

    async def drain(self) -> None:
        """Let the notices in progress finish."""
        await asyncio.gather(*self.working.values(), return_exceptions=True)


async def send_due(ctx: Notifier) -> int:
    """One round, waiting for its notices to be sent and recorded."""
    dispatcher = Dispatcher(ctx)
    taken = await dispatcher.round()
    await dispatcher.drain()
    return taken


async def _mark(ctx: Notifier, entry: ScheduledEntry, status: EntryStatus, attempt: int) -> None:
    await persistently(
        "record notice status", lambda: ctx.schedule.mark([entry], status, attempt=attempt)
    )


async def _fire_safely(
    ctx: Notifier, entry: ScheduledEntry, attempt: int, now: datetime
) -> EntryStatus | None:
    """None leaves the claim in place: once its lease runs out, a sender takes it up again."""
    notice_id = entry.notice.notice_id
    try:
        record = await ctx.complaints.load(entry.notice.complaint_id)
        return await fire(ctx, entry.notice, attempt, record, now)
    except TRANSIENT as error:
        log.warning(
            "notice postponed", extra={"notice_id": notice_id, "error": type(error).__name__}
        )
        return None
    except Exception as error:
        log.error("notice failed unexpectedly", extra={"notice_id": notice_id}, exc_info=error)
        return EntryStatus.FAILED
