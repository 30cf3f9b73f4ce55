"""The classifier's domain metrics (consumer lag, handler and dead-letter metrics come from the
runtime). Labels are policy, level, category, rule and cluster ids from the policy files, never
complaint content."""

from prometheus_client import CollectorRegistry, Counter, Histogram

from .domain import Classification

CPU_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1)
HANDLING_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ClassifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.classified = Counter(
            "complaints_classifier_classified_total",
            "ComplaintClassified published, by policy, severity, category and whether a person "
            "decided it.",
            ["policy", "severity", "category", "manual"],
            registry=registry,
        )
        self.rule_hits = Counter(
            "complaints_classifier_rule_hits_total",
            "Rules that fired in published automatic classifications (clusters as "
            "cluster:<id>), by policy and rule id.",
            ["policy", "rule"],
            registry=registry,
        )
        self.unmatched = Counter(
            "complaints_classifier_unmatched_total",
            "Automatic classifications where no rule matched (the policy's default applied).",
            ["policy"],
            registry=registry,
        )
        self.upgraded = Counter(
            "complaints_classifier_upgraded_total",
            "Automatic classifications raised by a repeat or cluster count.",
            ["policy"],
            registry=registry,
        )
        self.overrides = Counter(
            "complaints_classifier_overrides_total",
            "Manual reclassifications: applied, pending (before the complaint arrived) or "
            "refused (names the policy does not declare).",
            ["outcome"],
            registry=registry,
        )
        self.kept_manual = Counter(
            "complaints_classifier_kept_manual_total",
            "Automatic passes not published because a manual classification stands.",
            registry=registry,
        )
        self.replays = Counter(
            "complaints_classifier_replays_total",
            "Events delivered again, answered from the stored outcome (nothing recounted).",
            ["event_type"],
            registry=registry,
        )
        self.classify_seconds = Histogram(
            "complaints_classifier_classify_seconds",
            "Time the rule engine took for one complaint (CPU only), by policy.",
            ["policy"],
            buckets=CPU_BUCKETS,
            registry=registry,
        )
        self.handling_seconds = Histogram(
            "complaints_classifier_handling_seconds",
            "Time an event spent being handled, as part of its consumed batch (reads, "
            "counters, writes and publishing included), by event type.",
            ["event_type"],
            buckets=HANDLING_BUCKETS,
            registry=registry,
        )
        self.batch_size = Histogram(
            "complaints_classifier_batch_events",
            "Events per consumed batch.",
            buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 5000),
            registry=registry,
        )

    def published(self, result: Classification) -> None:
        policy = result.policy_id
        manual = "true" if result.manual else "false"
        self.classified.labels(policy, result.severity, result.category, manual).inc()
        if result.manual:
            return
        for rule in result.matched_rules:
            self.rule_hits.labels(policy, rule.rule_id).inc()
        if result.unmatched:
            self.unmatched.labels(policy).inc()
        if result.upgraded_from is not None:
            self.upgraded.labels(policy).inc()
