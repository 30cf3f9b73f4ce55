"""What the subscriber needs, built in the lifespan and found on `app.state`."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..metrics import ClassifierMetrics
from ..service_layer import Classifier
from ..settings import ClassifierSettings


@dataclass
class Wiring:
    settings: ClassifierSettings
    metrics: ClassifierMetrics
    classifier: Classifier | None = None  # set once the clients are open
    store_ping: Callable[[], Awaitable[None]] | None = None

    def ready(self) -> Classifier:
        if self.classifier is None:
            raise ConnectionError("the classifier is starting or stopping")
        return self.classifier

    async def ping_store(self) -> None:
        """Readiness: the database answers."""
        if self.store_ping is None:
            raise ConnectionError("no database client")
        await self.store_ping()
