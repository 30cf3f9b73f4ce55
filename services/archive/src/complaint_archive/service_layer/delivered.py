"""What the archive's use cases are handed to archive: an event and where it was read."""

from dataclasses import dataclass, field
from typing import Any

from complaint_events import Envelope


@dataclass(frozen=True)
class Delivered:
    """An event and where it was read (None for events the archive made itself)."""

    envelope: Envelope[Any]
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    record: Any = field(default=None, repr=False, compare=False)  # the consumed Kafka record
