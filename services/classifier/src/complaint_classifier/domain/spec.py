"""The policy file (`classification.yaml`) as pydantic models: structure and types only.

Cross references (a rule naming an undeclared category, say) are checked in `references.py`.
"""

from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    BeforeValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from .rule_conditions import Condition, Strict, Term

Id = Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")]
LevelId = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
# A title in several languages ({zh: ..., en: ...}); a plain string stands for one text.
LocalText = Annotated[
    dict[StrictStr, StrictStr],
    BeforeValidator(lambda value: {"text": value} if isinstance(value, str) else value),
]
Confidence = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1)]


class Decision(StrEnum):
    ACCEPT = "accept"
    TRANSFER = "transfer"
    REFUSE = "refuse"


class Named(Strict):
    title: LocalText | None = None
    description: LocalText | None = None


class SeverityLevel(Named):
    id: LevelId


class SeverityScale(Strict):
    levels: list[SeverityLevel] = Field(min_length=1, description="Least severe first.")


class Category(Named):
    id: Id
    department: Id | None = Field(default=None, description="Where it is routed by default.")


class Listed(Named):
    id: Id


class AcceptanceSettings(Strict):
    default: Decision = Decision.ACCEPT
    refusal_grounds: list[Listed] = Field(default_factory=list)
    transfer_bodies: list[Listed] = Field(default_factory=list)
    never_refuse_on: list[StrictStr] = Field(
        default_factory=list, description="Paths a refusing rule may not look at."
    )
    leader_review_flags: list[Id] = Field(default_factory=list)


class Defaults(Strict):
    severity: LevelId
    category: Id
    department: Id


class CueSet(Strict):
    position: StrictStr = Field(pattern="^(before|after)$")
    window: StrictInt = Field(ge=1, le=50)
    cues: list[Term] = Field(min_length=1)


class NegationLanguage(Strict):
    unit: StrictStr = Field(pattern="^(chars|words)$")
    cue_sets: list[CueSet] = Field(min_length=1)
    pseudo: list[Term] = Field(default_factory=list, description="Look like cues but are not.")
    joiners: list[Term] = Field(
        default_factory=list,
        description="Words that join a list ('or', '或') and do not count toward a window.",
    )


class NegationSettings(Strict):
    scope_breakers: list[Term] = Field(default_factory=list)
    languages: dict[StrictStr, NegationLanguage] = Field(min_length=1)


class AcceptanceEffect(Strict):
    decision: Decision
    ground: Id | None = None
    transfer_to: Id | None = None

    @model_validator(mode="after")
    def _explained(self) -> Self:
        if self.decision is Decision.REFUSE and self.ground is None:
            raise ValueError("a refusal needs a ground")
        if self.decision is Decision.TRANSFER and self.transfer_to is None:
            raise ValueError("a transfer needs transfer_to")
        return self


class Effects(Strict):
    severity: LevelId | None = None
    pin_severity: StrictBool = False
    category: Id | None = None
    department: Id | None = None
    flags: list[Id] = Field(default_factory=list)
    acceptance: AcceptanceEffect | None = None
    needs_leader_review: StrictBool = False


class Rule(Strict):
    id: Id
    description: StrictStr | None = None
    priority: StrictInt = 0
    override: StrictBool = Field(
        default=False,
        description="Safety or legal: its category, department and acceptance win by priority "
        "over every rule without `override`, however well those are supported.",
    )
    confidence: Confidence = 0.8
    context: StrictBool = Field(
        default=False, description="Records context only; alone it leaves a complaint unmatched."
    )
    when: Condition
    unless: Condition | None = Field(
        default=None, description="An exclusion: when it holds, the rule does not fire."
    )
    then: Effects


class Segmentation(Strict):
    """Chinese word edges: jieba's dictionary, extended or corrected by the policy."""

    enabled: StrictBool = True
    words: list[Term] = Field(
        default_factory=list,
        description="Domain words kept whole (a keyword inside one is not hit).",
    )
    split: list[Term] = Field(
        default_factory=list, description="Dictionary words that are two words in this domain."
    )


class ClusterKind(StrEnum):
    REPEAT = "repeat"
    GROUP = "group"
    INCIDENT = "incident"


class ClusterEffects(Strict):
    upgrade_levels: StrictInt = Field(default=0, ge=0)
    severity: LevelId | None = None
    flags: list[Id] = Field(default_factory=list)


class Cluster(Named):
    id: Id
    kind: ClusterKind
    key: list[StrictStr] = Field(min_length=1, description="Paths whose values identify it.")
    window_days: StrictInt = Field(ge=1, le=3660)
    count: StrictStr = Field(default="complaints", pattern="^(complaints|complainants)$")
    threshold: StrictInt = Field(ge=2)
    categories: list[Id] | None = Field(default=None, description="Only these are counted.")
    from_text: dict[StrictStr, list[StrictStr]] = Field(
        default_factory=dict,
        description="Key paths read from the text when the field is empty: regexes whose "
        "`value` group names it (a product named only in the description).",
    )
    then: ClusterEffects


class MultipleDepartments(Strict):
    """A flag for a complaint whose matched categories route to several departments."""

    flag: Id
    at_least: StrictInt = Field(default=2, ge=2)


class DerivedFlag(Strict):
    flag: Id
    when: Condition


class PolicySpec(Strict):
    policy_id: Id
    title: LocalText
    description: LocalText | None = None
    sources: list[StrictStr] = Field(default_factory=list)
    text_fields: list[StrictStr] = Field(default=["title", "description"], min_length=1)
    severity: SeverityScale
    categories: list[Category] = Field(min_length=1)
    departments: list[Listed] = Field(min_length=1)
    flags: list[Listed] = Field(default_factory=list)
    acceptance: AcceptanceSettings = Field(default_factory=AcceptanceSettings)
    defaults: Defaults
    multiple_departments: MultipleDepartments | None = None
    weak_evidence_factor: Confidence = 0.6
    segmentation: Segmentation = Field(default_factory=Segmentation)
    negation: NegationSettings
    rules: list[Rule] = Field(min_length=1)
    clusters: list[Cluster] = Field(default_factory=list)
    derived_flags: list[DerivedFlag] = Field(default_factory=list)
