"""In-memory stand-ins for the store, the counters and the publisher (unit tests only)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from complaint_classifier.domain import ClusterKey, Sighting, count_within, load_policies, sighting
from complaint_classifier.metrics import ClassifierMetrics
from complaint_classifier.service_layer import Classifier, Current, Outcome, PolicyBook
from complaint_events import Envelope

POLICIES = Path(__file__).resolve().parents[4] / "deploy" / "policies"
BY_SOURCE = {"his": "hospital", "mes": "manufacturing-quality", "pms": "retail-service"}


@dataclass
class MemoryStore:
    outcomes: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    complaints: dict[str, Current] = field(default_factory=dict)

    async def outcome(self, complaint_id: str, source_event_id: str) -> Outcome | None:
        return self.outcomes.get((complaint_id, source_event_id))

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        return [
            self.outcomes.setdefault((outcome.complaint_id, outcome.source_event_id), outcome)
            for outcome in outcomes
        ]

    async def currents(self, complaint_ids: Iterable[str]) -> dict[str, Current]:
        return {cid: self.complaints[cid] for cid in complaint_ids if cid in self.complaints}

    async def create_all(self, currents: Sequence[Current]) -> list[bool]:
        created = []
        for current in currents:
            created.append(current.complaint_id not in self.complaints)
            self.complaints.setdefault(current.complaint_id, replace(current, stored=True))
        return created

    async def save(self, current: Current) -> Current:
        self.complaints[current.complaint_id] = replace(current, stored=True)
        return self.complaints[current.complaint_id]


@dataclass
class MemoryCounters:
    """Sightings by problem and complaint, counted by the domain's rolling window."""

    sightings: dict[tuple[str, str], Sighting] = field(default_factory=dict)

    async def add_all(
        self, additions: Sequence[tuple[str, Sequence[ClusterKey]]]
    ) -> list[dict[ClusterKey, int]]:
        for complaint_id, keys in additions:
            for key in keys:
                self.sightings.setdefault((key.problem, complaint_id), sighting(key, complaint_id))
        return [
            {key: count_within(key, self.sightings.values()) for key in keys}
            for _, keys in additions
        ]


@dataclass
class MemoryPublisher:
    published: list[Envelope[Any]] = field(default_factory=list)

    async def publish(self, event: Envelope[Any]) -> None:
        self.published.append(event)


PRESETS = load_policies(POLICIES)


def memory_classifier() -> tuple[Classifier, MemoryStore, MemoryCounters, MemoryPublisher]:
    store, counters, publisher = MemoryStore(), MemoryCounters(), MemoryPublisher()
    book = PolicyBook.checked(PRESETS, BY_SOURCE, "retail-service")
    metrics = ClassifierMetrics(CollectorRegistry())
    classifier = Classifier(book, store, counters, publisher, metrics, lambda: datetime.now(UTC))
    return classifier, store, counters, publisher
