"""What the routes, the subscriber and the scheduler need, built in the lifespan."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ..metrics import NotifierMetrics
from ..service_layer import Notifier
from ..settings import NotifierSettings


@dataclass
class Wiring:
    settings: NotifierSettings
    metrics: NotifierMetrics
    notifier: Notifier | None = None  # set once the clients are open
    store_ping: Callable[[], Awaitable[None]] | None = None

    def ready(self) -> Notifier:
        if self.notifier is None:
            raise ConnectionError("the notifier is starting or stopping")
        return self.notifier

    async def ping_store(self) -> None:
        """Readiness: the database answers."""
        if self.store_ping is None:
            raise ConnectionError("no database client")
        await self.store_ping()


def wiring(request: Request) -> Wiring:
    found: Wiring = request.app.state.wiring
    return found


WiringDep = Annotated[Wiring, Depends(wiring)]
