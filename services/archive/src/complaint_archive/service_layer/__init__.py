"""The archive's use cases: archive events, rebuild documents, purge, store attachments."""

from .attachments import store_attachment
from .context import PRODUCER, Archive, Publisher
from .ingest import Archived, archive_events
from .purge import request_purges
from .rebuild import Rebuilt, rebuild

__all__ = [
    "PRODUCER",
    "Archive",
    "Archived",
    "Publisher",
    "Rebuilt",
    "archive_events",
    "rebuild",
    "request_purges",
    "store_attachment",
]
