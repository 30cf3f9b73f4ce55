"""What the archive does on its own while it runs: the periodic purge (when enabled) and the
document count gauge."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from ..service_layer import request_purges
from .deps import Wiring

log = logging.getLogger("complaints.archive")


@contextlib.asynccontextmanager
async def background(wiring: Wiring) -> AsyncIterator[None]:
    """The loops run while the context is open and are cancelled when it closes."""
    tasks = [asyncio.create_task(_count_documents(wiring))]
    if wiring.settings.purge_interval_seconds > 0:
        tasks.append(asyncio.create_task(_purge_periodically(wiring)))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _purge_periodically(wiring: Wiring) -> None:
    while True:
        await asyncio.sleep(wiring.settings.purge_interval_seconds)
        try:
            archive = wiring.ready()
            requested = await request_purges(archive, limit=wiring.settings.purge_batch_size)
            log.info("purge round", extra={"purges_requested": requested})
        except Exception as error:  # the next round tries again
            log.warning("purge round failed", extra={"error": type(error).__name__})


async def _count_documents(wiring: Wiring, every: float = 30.0) -> None:
    while True:
        with contextlib.suppress(Exception):
            wiring.metrics.documents.set(await wiring.ready().store.document_count())
        await asyncio.sleep(every)
