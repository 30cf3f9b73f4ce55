"""Intake's own metrics; labels never carry personal data (only paths, reasons, routes)."""

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class IntakeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter(
            "complaints_intake_received_total",
            "New complaints accepted, numbered and published, by way in (http, kafka).",
            ["path"],
            registry=registry,
        )
        self.duplicates = Counter(
            "complaints_intake_duplicates_total",
            "Repeated submissions answered with the complaint they already became.",
            ["path"],
            registry=registry,
        )
        self.rejected = Counter(
            "complaints_intake_rejected_total",
            "Submissions refused, by way in and reason code.",
            ["path", "reason"],
            registry=registry,
        )
        self.commands = Counter(
            "complaints_intake_commands_total",
            "Lifecycle commands published, by command.",
            ["command"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "complaints_intake_http_request_seconds",
            "HTTP request latency by method, route template and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.publish_seconds = Histogram(
            "complaints_intake_publish_seconds",
            "Time for Kafka to acknowledge one batch of events (acks=all).",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.batch_size = Histogram(
            "complaints_intake_batch_size",
            "Submissions written together, by way in.",
            ["path"],
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=registry,
        )
