"""Group commit: concurrent REST submissions written and published together.

A writer takes everything queued at the moment it becomes free (up to `max_batch`), so a lone
request waits for nobody and a busy server amortises each database round trip and Kafka
acknowledgement over many requests.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self,
        handle: Callable[[Sequence[Item]], Awaitable[Sequence[Result]]],
        *,
        max_batch: int,
        writers: int,
    ) -> None:
        self.handle, self.max_batch, self.writers = handle, max_batch, writers
        self.queue: asyncio.Queue[tuple[Item, asyncio.Future[Result]]] = asyncio.Queue()

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        await self.queue.put((item, future))
        return await future

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(self._write()) for _ in range(self.writers)]
        try:
            yield
        finally:
            await self.queue.join()  # what was accepted is finished before shutting down
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _write(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < self.max_batch and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            await self._settle(batch)
            for _ in batch:
                self.queue.task_done()

    async def _settle(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            results = await self.handle([item for item, _ in batch])
        except Exception as error:
            for _, future in batch:
                if not future.done():  # a caller that went away no longer waits
                    future.set_exception(error)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
