"""What every use case works with, built once at start-up (see `app.py`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from complaint_events import Envelope

from ..adapters.files import AttachmentFiles
from ..adapters.queries import ArchiveQueries
from ..adapters.store import ArchiveStore
from ..domain import RetentionPolicies
from ..metrics import ArchiveMetrics

PRODUCER = "archive"


class Publisher(Protocol):
    async def publish(self, event: Envelope[Any]) -> None: ...


@dataclass
class Archive:
    store: ArchiveStore
    queries: ArchiveQueries
    files: AttachmentFiles
    publisher: Publisher
    policies: RetentionPolicies
    metrics: ArchiveMetrics
    clock: Callable[[], datetime]
