"""A complaint's classification as the notifier sees it, and the `applies_when` conditions on it."""

from dataclasses import dataclass, replace
from typing import Self

from pydantic import ConfigDict, Field

from complaint_events import ComplaintClassified, ComplaintReclassified

from .files import DataFile

LEADER_REVIEW_FLAG = "needs_leader_review"


@dataclass(frozen=True)
class Classification:
    policy_id: str
    severity: str
    category: str | None = None
    flags: frozenset[str] = frozenset()
    acceptance: str | None = None
    """The acceptance decision: accept, transfer or refuse."""
    department: str | None = None

    @classmethod
    def from_classified(cls, event: ComplaintClassified) -> Self:
        flags = set(event.flags)
        if event.acceptance.needs_leader_review:
            flags.add(LEADER_REVIEW_FLAG)
        return cls(
            policy_id=event.policy_id,
            severity=event.severity,
            category=event.category,
            flags=frozenset(flags),
            acceptance=event.acceptance.decision.value,
            department=event.department,
        )

    def reclassified(self, event: ComplaintReclassified) -> Self:
        """A manual override replaces severity, category, department and flags as a whole."""
        return replace(
            self,
            severity=event.severity,
            category=event.category,
            department=event.department,
            flags=frozenset(event.flags),
        )


class FlagCondition(DataFile):
    model_config = ConfigDict(populate_by_name=True)

    any_of: list[str] = Field(default_factory=list, alias="any")
    all_of: list[str] = Field(default_factory=list, alias="all")
    none_of: list[str] = Field(default_factory=list, alias="none")

    def matches(self, flags: frozenset[str]) -> bool:
        if self.any_of and not flags.intersection(self.any_of):
            return False
        return flags.issuperset(self.all_of) and not flags.intersection(self.none_of)

    def names(self) -> set[str]:
        return {*self.any_of, *self.all_of, *self.none_of}


class Condition(DataFile):
    """Every field given must hold; a list means "one of these"; `any` needs one sub-condition."""

    model_config = ConfigDict(populate_by_name=True)

    severity: list[str] | None = None
    category: list[str] | None = None
    flags: FlagCondition | None = None
    acceptance: list[str] | None = None
    department: list[str] | None = None
    any_of: list["Condition"] | None = Field(default=None, alias="any", min_length=1)

    def matches(self, classification: Classification) -> bool:
        return (
            (self.any_of is None or any(sub.matches(classification) for sub in self.any_of))
            and _one_of(self.severity, classification.severity)
            and _one_of(self.category, classification.category)
            and _one_of(self.acceptance, classification.acceptance)
            and _one_of(self.department, classification.department)
            and (self.flags is None or self.flags.matches(classification.flags))
        )

    def names(self) -> dict[str, set[str]]:
        """The severity, category, flag... names this condition mentions, by field."""
        found: dict[str, set[str]] = {}
        for field in ("severity", "category", "acceptance", "department"):
            found[field] = set(getattr(self, field) or ())
        found["flags"] = self.flags.names() if self.flags is not None else set()
        for sub in self.any_of or ():
            for field, names in sub.names().items():
                found[field] |= names
        return found


def _one_of(allowed: list[str] | None, value: str | None) -> bool:
    return allowed is None or value in allowed
