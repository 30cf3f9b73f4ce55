"""`ComplaintClassified`: the policy engine's decision and the evidence behind it."""

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .base import EventPayload
from .fields import INT64_MAX, Identifier, Label, Model, Text


class AcceptanceDecision(StrEnum):
    ACCEPT = "accept"
    TRANSFER = "transfer"
    REFUSE = "refuse"


class Acceptance(Model):
    decision: AcceptanceDecision
    ground: Text | None = Field(default=None, description="Why it is refused or transferred.")
    transfer_to: Label | None = Field(default=None, description="The competent body.")
    needs_leader_review: bool = False

    @model_validator(mode="after")
    def _decision_is_explained(self) -> Self:
        if self.decision is AcceptanceDecision.REFUSE and self.ground is None:
            raise PydanticCustomError(
                "ground_required", "a refusal needs a ground", {"field": "ground"}
            )
        if self.decision is AcceptanceDecision.TRANSFER and self.transfer_to is None:
            raise PydanticCustomError(
                "transfer_to_required", "a transfer needs a body to go to", {"field": "transfer_to"}
            )
        return self


class Evidence(Model):
    """The part of the complaint a rule matched: a field path and (for text) a span."""

    field: Label = Field(examples=["description", "product.batch"])
    value: Text
    start: int | None = Field(default=None, ge=0, le=INT64_MAX)
    end: int | None = Field(default=None, ge=0, le=INT64_MAX)

    @model_validator(mode="after")
    def _span_is_ordered(self) -> Self:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise PydanticCustomError(
                "span_reversed", "end must not be before start", {"field": "end"}
            )
        return self


class MatchedRule(Model):
    rule_id: Label
    description: Text | None = None
    confidence: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    evidence: list[Evidence] = Field(default_factory=list, max_length=50)


class Decision(Model):
    """Which fired rule decided an effect several rules named, and why it won."""

    effect: Label = Field(examples=["category", "department", "acceptance"])
    rule_id: Label
    why: Text = Field(examples=["nursing (evidence 20.5 over attitude 7.5)"])


class ComplaintClassified(EventPayload):
    event_type: ClassVar[str] = "ComplaintClassified"
    schema_version: ClassVar[int] = 1

    policy_id: Identifier = Field(examples=["pharma-quality"])
    policy_version: Label = Field(description="Content hash of the policy file.")
    severity: Label = Field(description="Level name in that policy.", examples=["C", "class_1"])
    severity_rank: int = Field(ge=0, le=INT64_MAX, description="0 = least severe; higher is worse.")
    category: Label | None = None
    department: Label | None = None
    flags: list[Label] = Field(default_factory=list, max_length=100, examples=[["media"]])
    acceptance: Acceptance
    matched_rules: list[MatchedRule] = Field(default_factory=list, max_length=200)
    decisions: list[Decision] = Field(
        default_factory=list,
        max_length=10,
        description="For each effect that several fired rules named, the rule that decided it "
        "and why (strongest evidence, or an override's priority).",
    )
    repeat_count: int = Field(
        default=0, ge=0, le=INT64_MAX, description="Earlier similar complaints."
    )
    group_size: int | None = Field(
        default=None, ge=1, le=INT64_MAX, description="Complainants in the group."
    )
    upgraded_from: Label | None = Field(default=None, description="Severity before an upgrade.")
    unmatched: bool = Field(default=False, description="No rule fired; the default applied.")
    manual: bool = Field(default=False, description="Decided by a person, not the rules.")
    decided_by: Label | None = None
    reason: Text | None = Field(default=None, description="Why, for manual decisions.")
