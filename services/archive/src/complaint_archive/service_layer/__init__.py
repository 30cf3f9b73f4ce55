"""The archive's use cases: archive events, rebuild documents, purge, store attachments. They
see MongoDB and Kafka only through the ports (`ports`); the adapters implement them."""

from .attachments import store_attachment
from .context import PRODUCER, Archive
from .delivered import Delivered
from .event_log import envelope_of, log_entry
from .ingest import Archived, archive_events
from .ports import Files, Publisher, Queries, Store, StoredFile
from .purge import request_purges
from .rebuild import Rebuilt, rebuild

__all__ = [
    "PRODUCER",
    "Archive",
    "Archived",
    "Delivered",
    "Files",
    "Publisher",
    "Queries",
    "Rebuilt",
    "Store",
    "StoredFile",
    "archive_events",
    "envelope_of",
    "log_entry",
    "rebuild",
    "request_purges",
    "store_attachment",
]
