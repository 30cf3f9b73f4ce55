"""What the engine decides: `Classification`, field for field the `ComplaintClassified` payload."""

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a rule matched: a text span (`start`/`end` in that field) or a field's value."""

    field: str
    value: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class MatchedRule:
    rule_id: str
    description: str | None
    confidence: float
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Decided:
    """Which fired rule decided an effect that several rules named, and why."""

    effect: str  # category | department | acceptance
    rule_id: str
    why: str


@dataclass(frozen=True, slots=True)
class Acceptance:
    decision: str  # accept | transfer | refuse
    ground: str | None = None
    transfer_to: str | None = None
    needs_leader_review: bool = False


@dataclass(frozen=True, slots=True)
class Classification:
    policy_id: str
    policy_version: str
    severity: str
    severity_rank: int
    category: str
    department: str
    flags: tuple[str, ...]
    acceptance: Acceptance
    matched_rules: tuple[MatchedRule, ...]
    decisions: tuple[Decided, ...] = ()
    repeat_count: int = 0
    group_size: int | None = None
    upgraded_from: str | None = None
    unmatched: bool = False
    manual: bool = False
    decided_by: str | None = None
    reason: str | None = None

    def as_payload(self) -> dict[str, Any]:
        """Plain JSON-ready fields, named as in the `ComplaintClassified` event."""
        payload = asdict(self)
        payload["flags"] = list(self.flags)
        payload["matched_rules"] = [
            {**asdict(rule), "evidence": [asdict(item) for item in rule.evidence]}
            for rule in self.matched_rules
        ]
        payload["decisions"] = [asdict(decided) for decided in self.decisions]
        return payload

    def has_flag(self, flag: str) -> bool:
        return flag in self.flags
