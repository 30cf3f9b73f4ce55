"""The scheduler loop, and the periodic count of the schedule's size."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from faststream.kafka import KafkaBroker

from ..service_layer import send_due
from .deps import Wiring

log = logging.getLogger("complaints.notifier.timer")


async def run_scheduler(wiring: Wiring, broker: KafkaBroker) -> None:
    """Poll for due notices; a full batch is followed by the next at once."""
    settings = wiring.settings
    await _started(broker)  # breach events and notice outcomes need the producer
    while True:
        taken = 0
        try:
            taken = await send_due(wiring.ready())
        except Exception as error:  # MongoDB away: the next round tries again
            log.warning("scheduler round failed", extra={"error": type(error).__name__})
        if taken < settings.batch_size:
            await asyncio.sleep(settings.poll_interval_seconds)


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
async def background(wiring: Wiring, broker: KafkaBroker) -> AsyncIterator[None]:
    tasks = []
    if wiring.settings.send:
        tasks.append(asyncio.create_task(run_scheduler(wiring, broker)))
    if wiring.settings.gauge_interval_seconds > 0:
        every = wiring.settings.gauge_interval_seconds
        tasks.append(asyncio.create_task(count_schedule(wiring, every)))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
