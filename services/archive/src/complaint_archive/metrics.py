"""The archive's domain metrics (consumer lag and handler metrics come from the runtime)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

WRITE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ArchiveMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.archived = Counter(
            "complaints_archive_events_total",
            "Events appended to the event log, by type (each event once).",
            ["event_type"],
            registry=registry,
        )
        self.duplicates = Counter(
            "complaints_archive_duplicate_events_total",
            "Events delivered again that the log already held.",
            ["event_type"],
            registry=registry,
        )
        self.documents = Gauge(
            "complaints_archive_documents",
            "Complaint documents in the archive (purged ones included as tombstones).",
            registry=registry,
        )
        self.write_seconds = Histogram(
            "complaints_archive_write_seconds",
            "Time of one batch write, by what was written.",
            ["target"],
            buckets=WRITE_BUCKETS,
            registry=registry,
        )
        self.batch_size = Histogram(
            "complaints_archive_batch_events",
            "Events per consumed batch.",
            buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 5000),
            registry=registry,
        )
        self.purges = Counter(
            "complaints_archive_purges_total",
            "Retention purges: requested (event recorded), executed, refused (legal hold).",
            ["outcome"],
            registry=registry,
        )
        self.attachments = Counter(
            "complaints_archive_attachments_total",
            "Attachment uploads, by outcome (stored or the refusal's HTTP status).",
            ["outcome"],
            registry=registry,
        )
