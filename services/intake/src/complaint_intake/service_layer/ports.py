"""What intake's use cases need from the outside world, and the data they exchange with it;
adapters/ implements it."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from complaint_events import Envelope

from ..domain.lifecycle import Position
from ..domain.records import Reservation


@dataclass(frozen=True)
class ComplaintRecord:
    """What intake knows of a complaint it has published."""

    complaint_id: str
    complaint_number: str
    received_event_id: str
    source_system: str


class Store(Protocol):
    async def reserve(self, reservations: Sequence[Reservation]) -> set[str]:
        """Insert the reservations whose key is new; the keys that were inserted."""

    async def reservation(self, key: str) -> Reservation | None: ...

    async def mark_published(self, reservations: Sequence[Reservation]) -> None: ...

    async def complaint(self, ref: str) -> ComplaintRecord | None:
        """A published complaint by its id or its number."""


@dataclass(frozen=True)
class Pending:
    """A command whose state change is stored but whose event Kafka may not have yet."""

    event: Envelope[Any]
    fingerprint: str


@dataclass(frozen=True)
class Standing:
    """What intake holds of a complaint's lifecycle; `revision` changes with every write."""

    position: Position = field(default_factory=Position)
    policy_id: str | None = None
    revision: int = 0
    pending: Pending | None = None


@dataclass(frozen=True)
class Classification:
    """The classifier's decision on a complaint, as its lifecycle takes it."""

    complaint_id: str
    event_id: str
    policy_id: str
    decision: str
    needs_review: bool


class States(Protocol):
    async def standing(self, complaint_id: str) -> Standing: ...

    async def move(
        self, complaint_id: str, revision: int, position: Position, pending: Pending
    ) -> bool:
        """Store the new position if the revision is still `revision`; False otherwise."""

    async def published(self, complaint_id: str, event_id: str) -> None: ...

    async def classified(
        self, complaint_id: str, event_id: str, policy_id: str, decision: str, needs_review: bool
    ) -> None:
        """Take a classification (the newest by event id wins)."""

    async def classified_all(self, classifications: Sequence[Classification]) -> None:
        """Take a batch's classifications together, as `classified` takes one."""


@dataclass(frozen=True)
class Answer:
    """What a command was answered: kept under its idempotency key."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class KeptAnswer:
    """A command's idempotency key: the request's fingerprint and, once given, its answer."""

    fingerprint: str
    answer: Answer | None = None


class CommandKeys(Protocol):
    async def claim(self, key: str, fingerprint: str) -> KeptAnswer | None:
        """None when the key is new (now claimed); what it holds otherwise."""

    async def keep(self, key: str, answer: Answer) -> None: ...

    async def release(self, key: str) -> None: ...


class Numbers(Protocol):
    async def take(self, count: int, now: datetime) -> list[str]: ...


class Publisher(Protocol):
    async def publish(self, events: Sequence[Envelope[Any]]) -> None:
        """Return only when the broker has every event; raise otherwise."""
