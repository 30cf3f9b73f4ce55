"""The notifier's domain metrics, named complaints_notifier_* like every service's own (the
scrape target adds the `service` label). Labels hold codes only (policy, step, severity,
channel)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.scheduled = Counter(
            "complaints_notifier_deadlines_scheduled_total",
            "Deadline clocks started (DeadlineScheduled), by policy and step.",
            ["policy", "step"],
            registry=registry,
        )
        self.met = Counter(
            "complaints_notifier_deadlines_met_total",
            "Deadlines whose stop event came in time (DeadlineMet), by policy and step.",
            ["policy", "step"],
            registry=registry,
        )
        self.breached = Counter(
            "complaints_notifier_deadlines_breached_total",
            "Deadlines breached (DeadlineBreached), by policy, step and severity level.",
            ["policy", "step", "severity"],
            registry=registry,
        )
        self.sent = Counter(
            "complaints_notifier_notices_sent_total",
            "Notice deliveries accepted by the SMTP server or webhook, by channel and kind.",
            ["channel", "kind"],
            registry=registry,
        )
        self.failed = Counter(
            "complaints_notifier_notices_failed_total",
            "Failed delivery tries, by channel, kind and whether it was the last try.",
            ["channel", "kind", "final"],
            registry=registry,
        )
        self.timer_lag = Histogram(
            "complaints_notifier_timer_lag_seconds",
            "How late a due notice is taken up for sending, after its due moment.",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.schedule_size = Gauge(
            "complaints_notifier_schedule_pending",
            "Notices scheduled and not yet sent, failed or dropped.",
            registry=registry,
        )

    def deadline_scheduled(self, policy: str, step: str) -> None:
        self.scheduled.labels(policy, step).inc()

    def deadline_met(self, policy: str, step: str) -> None:
        self.met.labels(policy, step).inc()

    def deadline_breached(self, policy: str, step: str, severity: str | None) -> None:
        self.breached.labels(policy, step, severity or "none").inc()

    def notice_sent(self, channel: str, kind: str) -> None:
        self.sent.labels(channel, kind).inc()

    def notice_failed(self, channel: str, kind: str, *, final: bool) -> None:
        self.failed.labels(channel, kind, str(final).lower()).inc()

    def lag(self, seconds: float) -> None:
        self.timer_lag.observe(max(0.0, seconds))

    def pending(self, count: int) -> None:
        self.schedule_size.set(count)
