"""What the classifier keeps per complaint and per handled event (no personal data)."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from complaint_events import ComplaintClassified, ComplaintReclassified, Envelope

from ..domain import Acceptance, Classification, Decided, Evidence, MatchedRule

Classified = Envelope[ComplaintClassified]


class Status(StrEnum):
    PUBLISHED = "published"  # a ComplaintClassified was published for this event
    PENDING = "pending"  # an override that arrived before the complaint: applied later
    KEPT_MANUAL = "kept_manual"  # an automatic pass that a manual classification outranks


@dataclass(frozen=True)
class Override:
    """A person's reclassification, as the lifecycle event recorded it."""

    event_id: str
    actor: str
    reason: str
    severity: str
    category: str | None
    department: str | None
    flags: tuple[str, ...] | None  # None keeps the automatic flags
    at: datetime

    @classmethod
    def of(cls, event: Envelope[ComplaintReclassified]) -> "Override":
        payload = event.payload
        return cls(
            event_id=event.event_id,
            actor=payload.actor,
            reason=payload.reason,
            severity=payload.severity,
            category=payload.category,
            department=payload.department,
            # The event always carries a list; an empty one cannot mean "no flags at all"
            # without losing engine flags, so it keeps them.
            flags=tuple(payload.flags) or None,
            at=event.occurred_at,
        )

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of `domain.reclassify`."""
        return {
            "severity": self.severity,
            "category": self.category,
            "department": self.department,
            "flags": self.flags,
            "decided_by": self.actor,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Current:
    """A complaint's classification as it stands (and the event that published it), who
    changed it by hand, and the consumed events already handled."""

    complaint_id: str
    policy_id: str | None = None
    classification: Classification | None = None
    event: Classified | None = None  # the ComplaintClassified that published it
    pending: tuple[Override, ...] = ()  # overrides waiting for the complaint itself
    overrides: tuple[Override, ...] = ()  # overrides applied, oldest first
    handled: tuple[str, ...] = ()  # ids of the consumed events already handled
    stored: bool = False  # whether the database holds it already

    @property
    def manual(self) -> bool:
        return self.classification is not None and self.classification.manual

    def has_handled(self, event_id: str) -> bool:
        return event_id in self.handled

    def after(self, source_event_id: str, **changes: Any) -> "Current":
        """This record once `source_event_id` is handled, with `changes`."""
        handled = (*self.handled, source_event_id)
        return replace(self, handled=handled, **changes)

    def classified(
        self, source_event_id: str, result: Classification, event: Classified
    ) -> "Current":
        return self.after(
            source_event_id,
            policy_id=result.policy_id,
            classification=result,
            event=event,
            pending=(),
        )


@dataclass(frozen=True)
class Outcome:
    """What handling one consumed event produced, so a redelivery repeats it exactly."""

    complaint_id: str
    source_event_id: str
    status: Status
    event: Classified | None = None


def classification_from_payload(payload: Mapping[str, Any]) -> Classification:
    """The inverse of `Classification.as_payload()`."""
    rules = tuple(
        MatchedRule(
            rule_id=rule["rule_id"],
            description=rule.get("description"),
            confidence=rule["confidence"],
            evidence=tuple(Evidence(**item) for item in rule.get("evidence", ())),
        )
        for rule in payload.get("matched_rules", ())
    )
    return Classification(
        **{
            **payload,
            "flags": tuple(payload.get("flags", ())),
            "acceptance": Acceptance(**payload["acceptance"]),
            "matched_rules": rules,
            "decisions": tuple(Decided(**item) for item in payload.get("decisions", ())),
        }
    )
