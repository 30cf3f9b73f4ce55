"""What the notifier keeps of one complaint: the events its clocks count, its classification,
the privacy flags, and the work still to carry out after a crash.

Only flags and codes are kept of the complainant, never their name or contact details; the
title is kept with those scrubbed out.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from complaint_events import (
    ComplaintClassified,
    ComplaintReceived,
    ComplaintReclassified,
    Envelope,
)

from ..domain import (
    Classification,
    ClockState,
    ComplaintEvent,
    ComplaintSummary,
    PlannedNotice,
    Privacy,
    from_envelope,
    redact_text,
)

Order = tuple[datetime, str]
"""When a decision was recorded, then its event id: the order classifications apply in."""


@dataclass(frozen=True)
class Override:
    """A manual reclassification, applied over the classifier's decision made before it."""

    order: Order
    severity: str
    category: str | None
    department: str | None
    flags: frozenset[str]


@dataclass
class ComplaintRecord:
    complaint_id: str
    complaint_number: str | None = None
    source_system: str | None = None
    title: str | None = None
    received: bool = False
    confidential: bool = False
    anonymous: bool = False
    respondent_department: str | None = None
    classified: Classification | None = None
    classified_order: Order | None = None
    overrides: list[Override] = field(default_factory=list)
    events: list[ComplaintEvent] = field(default_factory=list)
    clocks: list[ClockState] = field(default_factory=list)
    """The clocks of the last plan."""
    scheduled: dict[str, datetime] = field(default_factory=dict)
    """Notice id → send time of every notice the last plan wants (sent ones included)."""
    published: set[str] = field(default_factory=set)
    """Keys of the deadline events already put out."""
    outbox: list[str] = field(default_factory=list)
    """Encoded events to publish (kept until Kafka took them)."""
    adds: list[PlannedNotice] = field(default_factory=list)
    """Schedule entries to insert."""
    drops: dict[str, datetime] = field(default_factory=dict)
    """Schedule entries to drop, by notice id → send time."""

    @property
    def has_work(self) -> bool:
        return bool(self.outbox or self.adds or self.drops)

    def seen(self, event_id: str) -> bool:
        return any(event.event_id == event_id for event in self.events)

    def absorb(self, envelope: Envelope[Any]) -> bool:
        """Take in one event; False when it was taken in before (a redelivery or replay)."""
        if self.seen(envelope.event_id):
            return False
        payload, order = envelope.payload, (envelope.occurred_at, envelope.event_id)
        if isinstance(payload, ComplaintReceived):
            self._received(payload)
        elif isinstance(payload, ComplaintClassified):
            if self.classified_order is None or order > self.classified_order:
                self.classified = Classification.from_classified(payload)
                self.classified_order = order
        elif isinstance(payload, ComplaintReclassified):
            self.overrides.append(_override(payload, order))
        self.events.append(from_envelope(envelope))
        self.events.sort(key=lambda event: (event.at, event.event_id or ""))
        return True

    def _received(self, payload: ComplaintReceived) -> None:
        submission = payload.submission
        person = submission.complainant
        self.received = True
        self.complaint_number = payload.complaint_number
        self.source_system = submission.source_system
        self.title = redact_text(submission.title, Privacy.of(person)) if submission.title else None
        self.confidential = bool(person and person.confidential)
        self.anonymous = bool(person and person.anonymous)
        if submission.respondent is not None:
            self.respondent_department = submission.respondent.department

    def classification(self) -> Classification | None:
        """The classifier's latest decision with later manual overrides applied in order."""
        if self.classified is None or self.classified_order is None:
            return None
        current = self.classified
        for override in sorted(self.overrides, key=lambda item: item.order):
            if override.order > self.classified_order:
                current = replace(
                    current,
                    severity=override.severity,
                    category=override.category,
                    department=override.department,
                    flags=override.flags,
                )
        if current.department is None and self.respondent_department:
            current = replace(current, department=self.respondent_department)
        return current

    def privacy(self) -> Privacy:
        """Until the receipt is known, the complainant is treated as confidential."""
        return Privacy(
            confidential=self.confidential or not self.received, anonymous=self.anonymous
        )

    def summary(self) -> ComplaintSummary:
        classification = self.classification()
        return ComplaintSummary(
            complaint_id=self.complaint_id,
            complaint_number=self.complaint_number,
            title=self.title,
            severity=classification.severity if classification else None,
            category=classification.category if classification else None,
            department=classification.department if classification else None,
        )

    def clock(self, deadline_id: str | None) -> ClockState | None:
        return next((state for state in self.clocks if state.deadline_id == deadline_id), None)


def _override(payload: ComplaintReclassified, order: Order) -> Override:
    return Override(
        order=order,
        severity=payload.severity,
        category=payload.category,
        department=payload.department,
        flags=frozenset(payload.flags),
    )
