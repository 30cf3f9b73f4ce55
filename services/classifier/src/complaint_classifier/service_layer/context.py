"""What every use case works with, built once at start-up (in `bootstrap.py`)."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from complaint_events import Envelope

from ..domain import ClusterKey
from ..metrics import ClassifierMetrics
from .policies import PolicyBook
from .records import Current, Outcome

PRODUCER = "classifier"


@dataclass(frozen=True)
class Refused:
    """An event the classifier cannot use: dead-lettered with the field it blames."""

    field: str
    message: str


class Store(Protocol):
    async def currents(self, complaint_ids: Iterable[str]) -> dict[str, Current]:
        """The stored records of those complaints (absent ones left out)."""
        ...

    async def outcome(self, complaint_id: str, source_event_id: str) -> Outcome | None: ...

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        """Stores each outcome, or gives the one already stored for that event instead."""
        ...

    async def create_all(self, currents: Sequence[Current]) -> list[bool]:
        """Stores complaints' first records; False (nothing written) where one exists."""
        ...

    async def save(self, current: Current) -> Current:
        """Stores the record (created or replaced); returns it marked as stored."""
        ...


class Counters(Protocol):
    async def add_all(
        self, additions: Sequence[tuple[str, Sequence[ClusterKey]]]
    ) -> list[dict[ClusterKey, int]]:
        """Records each (complaint id, its keys) once; each key's count: the distinct
        complaints (or complainants) of its problem received within its window, itself
        included, whatever order they arrived in."""
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
