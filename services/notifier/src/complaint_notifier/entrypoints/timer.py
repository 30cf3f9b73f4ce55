"""The scheduler loop, and the periodic count of the schedule's size."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from ..service_layer import Dispatcher
from .deps import Wiring

log = logging.getLogger("complaints.notifier.timer")


class SchedulerLoop:
    """The scheduler's rounds (service_layer.Dispatcher) as a task of the app, started once the
    broker has started (breach events and notice outcomes need the producer) and stopped before
    it stops: stopping lets the notices in progress finish (their outcomes recorded and
    published) within the grace period."""

    def __init__(self, wiring: Wiring) -> None:
        self.wiring = wiring
        self.stopping = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        dispatcher = Dispatcher(self.wiring.ready())
        await dispatcher.run(self.stopping, self.wiring.settings.poll_interval_seconds)

    async def stop(self) -> None:
        self.stopping.set()
        if self.task is None or self.task.done():
            return
        grace = self.wiring.settings.shutdown_grace_seconds
        try:
            await asyncio.wait_for(asyncio.shield(self.task), grace)
        except TimeoutError:
            # Claims of unfinished notices stay; their lease runs out and a replica takes over.
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


async def count_schedule(wiring: Wiring, every: float) -> None:
    while True:
        with contextlib.suppress(Exception):
            wiring.metrics.pending(await wiring.ready().schedule.pending_count())
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def schedule_gauge(wiring: Wiring) -> AsyncIterator[None]:
    """The schedule's size, counted every NOTIFIER_GAUGE_INTERVAL_SECONDS (0: never)."""
    every = wiring.settings.gauge_interval_seconds
    counting = asyncio.create_task(count_schedule(wiring, every)) if every > 0 else None
    try:
        yield
    finally:
        if counting is not None:
            counting.cancel()
            await asyncio.gather(counting, return_exceptions=True)
