"""What the archive's use cases need from the outside world, and the data they exchange with it;
adapters/ implements it (structurally: no adapter subclasses these protocols)."""

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from complaint_events import Envelope

from ..domain import Document, Position, SearchFilters


@dataclass(frozen=True)
class StoredFile:
    """An attachment as it is kept: its content is stored beside it."""

    attachment_id: str
    complaint_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


class Store(Protocol):
    """The event log and the complaint documents (the archive's only writer of both)."""

    async def append(self, entries: Sequence[Document]) -> set[str]:
        """Insert into the log; returns the ids that were new (the others were archived before)."""

    async def documents(
        self, complaint_ids: Iterable[str], projection: Mapping[str, int] | None = None
    ) -> dict[str, Document]: ...

    async def save(self, documents: Sequence[Document], read: Mapping[str, Document]) -> set[str]:
        """Write each document unless somebody else wrote it since it was `read`; returns the
        ids where somebody had."""

    async def forget_events(self, complaint_id: str, *, keep: str, now: datetime) -> None:
        """Let a purged complaint's events but `keep` expire."""

    async def count_events(self, complaint_id: str) -> int: ...

    def log_by_complaint(self) -> AsyncIterator[Document]:
        """The whole log, one complaint after another, each in its events' order."""
        ...

    async def complaint_ids(self) -> set[str]: ...

    async def expired(self, now: datetime, limit: int) -> list[Document]:
        """Ended complaints past their retain-until date and not under legal hold."""

    async def document_count(self) -> int:
        """An estimate, from the collection's metadata (for the documents gauge)."""

    async def ping(self) -> None: ...


class Queries(Protocol):
    """Reads of the complaint documents for the HTTP API and the reports."""

    async def by_id(self, complaint_id: str) -> Document | None: ...

    async def by_number(self, number: str) -> Document | None: ...

    async def search(
        self, filters: SearchFilters, *, now: datetime, after: Position | None, limit: int
    ) -> list[Document]: ...

    async def counts(
        self, match: dict[str, Any], keys: dict[str, str], unwind: str | None = None
    ) -> list[dict[str, Any]]:
        """How many documents (or unwound array items) share each combination of keys."""

    def received_in(
        self,
        start: datetime,
        end: datetime,
        policy_id: str | None,
        limit: int,
        source_systems: tuple[str, ...] | None = None,
    ) -> AsyncIterator[Document]: ...


class Files(Protocol):
    """The attachments' content."""

    async def store(self, file: StoredFile, data: bytes) -> None: ...

    async def find(self, complaint_id: str, attachment_id: str) -> StoredFile | None: ...

    def chunks(self, attachment_id: str) -> AsyncIterator[bytes]: ...

    async def delete_for(self, complaint_id: str) -> int:
        """Every file of a purged complaint; returns how many."""


class Publisher(Protocol):
    async def publish(self, event: Envelope[Any]) -> None: ...
