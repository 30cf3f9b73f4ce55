"""Intake's use cases, one function each; they see storage and Kafka only through Protocols."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from complaint_events import Envelope, FieldError, LifecycleEvent, new_event

from .domain.lifecycle import Position
from .domain.normalise import complete
from .domain.parsing import Incoming
from .domain.records import (
    PRODUCER,
    Receipt,
    Reservation,
    fingerprint,
    new_reservation,
    receipt,
    received_event,
    submission_key,
)
from .domain.refusals import Reason, Refusal


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


@dataclass(frozen=True)
class Intake:
    store: Store
    numbers: Numbers
    publisher: Publisher
    clock: Callable[[], datetime]
    states: States
    command_keys: CommandKeys


async def receive(intake: Intake, batch: Sequence[Incoming]) -> list[Receipt | Refusal]:
    """Number, record and publish each new submission; answer a repeat with the original.

    The reservation is stored before publishing and marked published after, so a crash in
    between is finished by the next delivery or retry of the same submission, with the same ids.
    """
    firsts: dict[str, Incoming] = {}
    for item in batch:
        firsts.setdefault(submission_key(item.submission), item)
    now = intake.clock()
    numbers = await intake.numbers.take(len(firsts), now)
    candidates = [
        new_reservation(item, number, now)
        for item, number in zip(firsts.values(), numbers, strict=True)
    ]
    inserted = await intake.store.reserve(candidates)
    standing: dict[str, Reservation] = {}  # the reservation each key stands for
    to_publish: list[tuple[Reservation, Incoming]] = []
    for candidate in candidates:
        item = firsts[candidate.key]
        if candidate.key in inserted:
            standing[candidate.key] = candidate
            to_publish.append((candidate, item))
        else:
            standing[candidate.key] = await _existing(intake, candidate, item, to_publish)
    await _publish(intake, to_publish)
    return [_answer(item, firsts, standing, inserted) for item in batch]


async def _existing(
    intake: Intake,
    candidate: Reservation,
    item: Incoming,
    to_publish: list[tuple[Reservation, Incoming]],
) -> Reservation:
    existing = await intake.store.reservation(candidate.key)
    if existing is None:  # the insert said it exists: only a purge in between explains this
        raise LookupError(f"reservation {candidate.key} vanished")
    same = existing.fingerprint == candidate.fingerprint
    if same and await intake.store.complaint(existing.complaint_id) is None:
        to_publish.append((existing, item))  # reserved earlier but never published: finish it
    return existing


async def _publish(intake: Intake, to_publish: list[tuple[Reservation, Incoming]]) -> None:
    if not to_publish:
        return
    events = [
        received_event(reservation, complete(item.submission, received_at=reservation.received_at))
        for reservation, item in to_publish
    ]
    await intake.publisher.publish(events)
    await intake.store.mark_published([reservation for reservation, _ in to_publish])


def _answer(
    item: Incoming,
    firsts: dict[str, Incoming],
    standing: dict[str, Reservation],
    inserted: set[str],
) -> Receipt | Refusal:
    """New for the one item that made the reservation; a repeat with the same content gets
    the original answer, one with other content a conflict."""
    key = submission_key(item.submission)
    reservation = standing[key]
    if fingerprint(item.submission) != reservation.fingerprint:
        return _conflict(key)
    new = key in inserted and firsts[key] is item
    return receipt(reservation, duplicate=not new)


def _conflict(key: str) -> Refusal:
    message = "already used for a submission with different content"
    error = FieldError(field="external_reference", message=message, type="duplicate_conflict")
    return Refusal(Reason.DUPLICATE_CONFLICT, f"{key} is {message}", (error,))


def lifecycle_event(complaint: ComplaintRecord, command: LifecycleEvent) -> Envelope[Any]:
    """The event a staff command records; built once, so a retried publish reuses its id."""
    return new_event(command, producer=PRODUCER, complaint_id=complaint.complaint_id)
