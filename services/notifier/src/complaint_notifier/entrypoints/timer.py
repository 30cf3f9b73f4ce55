"""The scheduler loop, and the periodic count of the schedule's size."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from faststream.kafka import KafkaBroker

from ..service_layer import Dispatcher
from .deps import Wiring

log = logging.getLogger("complaints.notifier.timer")


class SchedulerLoop:
    """The scheduler's rounds (service_layer.Dispatcher) as a task of the app. Stopping lets the
    notices in progress finish (their outcomes recorded and published) within the grace period."""

    def __init__(self, wiring: Wiring, broker: KafkaBroker) -> None:
        self.wiring, self.broker = wiring, broker
        self.stopping = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        await _started(self.broker)  # breach events and notice outcomes need the producer
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


async def _started(broker: KafkaBroker, every: float = 0.05) -> None:
    # FastStream offers no event for it; create_app starts the broker after our resources.
    while not broker.running:  # noqa: ASYNC110
        await asyncio.sleep(every)


async def count_schedule(wiring: Wiring, every: float) -> None:
    while True:
        with contextlib.suppress(Exception):
            wiring.metrics.pending(await wiring.ready().schedule.pending_count())
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def background(wiring: Wiring, scheduler: SchedulerLoop | None) -> AsyncIterator[None]:
    counting = None
    if scheduler is not None:
        scheduler.start()
    if wiring.settings.gauge_interval_seconds > 0:
        every = wiring.settings.gauge_interval_seconds
        counting = asyncio.create_task(count_schedule(wiring, every))
    try:
        yield
    finally:
        if scheduler is not None:
            await scheduler.stop()
        if counting is not None:
            counting.cancel()
            await asyncio.gather(counting, return_exceptions=True)
