"""What every use case works with, built once at start-up (see `app.py`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from complaint_events import Envelope

from ..domain import ClusterKey
from ..metrics import ClassifierMetrics
from .policies import PolicyBook
from .records import Current, Outcome

PRODUCER = "classifier"


class Refused(Exception):
    """An event the classifier cannot use: dead-lettered with the field it blames."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class Store(Protocol):
    async def outcome(self, complaint_id: str, source_event_id: str) -> Outcome | None: ...

    async def record_outcome(self, outcome: Outcome) -> Outcome:
        """Stores `outcome`, or returns the one already stored for that event."""
        ...

    async def current(self, complaint_id: str) -> Current | None: ...

    async def save_current(self, current: Current) -> None: ...


class Counters(Protocol):
    async def add(self, key: ClusterKey, *, complaint_id: str) -> int:
        """Counts this complaint (or its complainant) once; returns the count, it included."""
        ...


class Publisher(Protocol):
    async def publish(self, event: Envelope[Any]) -> None: ...


@dataclass
class Classifier:
    book: PolicyBook
    store: Store
    counters: Counters
    publisher: Publisher
    metrics: ClassifierMetrics
    clock: Callable[[], datetime]
