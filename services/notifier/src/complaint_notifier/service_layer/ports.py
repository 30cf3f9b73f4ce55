"""What the use cases need from the outside world; adapters/ implements it."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from complaint_events import Envelope, NoticeChannel

from ..domain import PlannedNotice, Recipient
from .complaint_record import ComplaintRecord


class EntryStatus(StrEnum):
    PENDING = "pending"
    """Due or not yet; also while it is being sent (the claims say by whom)."""
    SENT = "sent"
    FAILED = "failed"
    """At least one delivery failed for good (dead-lettered)."""
    DROPPED = "dropped"
    """No longer wanted (the step was done, paused, cancelled or reclassified)."""


OPEN = frozenset({EntryStatus.PENDING})


@dataclass(frozen=True)
class ScheduledEntry:
    notice: PlannedNotice
    status: EntryStatus
    attempt: int = 0
    """How many times it was claimed: the attempt now sending it, or that finished it."""


@dataclass(frozen=True)
class Delivery:
    """One notice rendered for one person over one channel."""

    key: str
    """delivery id and channel: the unique key of its sent or failed record."""
    delivery_id: str
    channel: NoticeChannel
    notice: PlannedNotice
    recipient: Recipient
    language: str
    redacted: bool
    complaint_number: str | None
    subject: str
    body: str


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


class Outcome(NamedTuple):
    status: EntryStatus
    event: str
    """The encoded NoticeSent / NoticeFailed event recorded with it."""


class ComplaintStore(Protocol):
    async def load(self, complaint_id: str) -> ComplaintRecord | None: ...

    async def load_many(self, complaint_ids: Iterable[str]) -> dict[str, ComplaintRecord]: ...

    async def save(self, record: ComplaintRecord) -> None: ...

    async def save_many(self, records: Sequence[ComplaintRecord]) -> None:
        """One write for all of them."""


class ComplaintNumbers(Protocol):
    async def complaint_id(self, number: str) -> str | None:
        """The id of the complaint with this `TS-` number, if the notifier has seen it."""


class Schedule(Protocol):
    async def add(self, notices: Sequence[PlannedNotice], now: datetime) -> None:
        """Insert entries (present ones are kept; dropped ones become pending again)."""

    async def drop(self, notices: Mapping[str, datetime]) -> None:
        """Mark pending entries dropped, given notice id → send time."""

    async def due(self, now: datetime, limit: int) -> list[ScheduledEntry]:
        """Pending entries due by now, earliest first."""

    async def mark(
        self,
        entries: Sequence[ScheduledEntry],
        status: EntryStatus,
        *,
        attempt: int | None = None,
    ) -> None:
        """Record the entries' status (advisory: the claims and delivery records are the truth)."""

    async def find(self, notice_id: str, send_at: datetime) -> ScheduledEntry | None: ...

    async def pending_count(self) -> int: ...


class Claims(Protocol):
    async def take(self, entries: Sequence[ScheduledEntry], now: datetime) -> dict[str, int]:
        """Notice id → attempt number of the entries now ours; others hold the rest."""


class DeliveryLog(Protocol):
    async def record(self, key: str, outcome: Outcome, at: datetime) -> None: ...

    async def outcome(self, key: str) -> Outcome | None: ...


class Breaches(Protocol):
    async def record(self, deadline_id: str, event: str, source: str) -> tuple[str, str, bool]:
        """(stored event, who stored it, whether this call stored it): one breach per deadline."""


class Publisher(Protocol):
    async def publish(self, event: Envelope[Any]) -> None: ...

    async def publish_all(self, events: Sequence[Envelope[Any]]) -> None:
        """In their order; done when the broker acknowledged every one."""


class Sender(Protocol):
    channel: NoticeChannel

    def reaches(self, recipient: Recipient) -> bool: ...

    async def send(self, delivery: Delivery) -> None:
        """Delivered, or DeliveryFailed (permanent when trying again cannot help)."""
