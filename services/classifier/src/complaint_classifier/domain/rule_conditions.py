"""The `when` part of a rule: conditions as they are written in a policy file."""

from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    model_validator,
)

Term = Annotated[StrictStr, Field(min_length=1, max_length=200)]
Scalar = StrictStr | StrictBool | StrictInt | StrictFloat
Number = StrictInt | StrictFloat


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class KeywordSpec(Strict):
    terms: list[Term] = Field(min_length=1)
    weak: list[Term] = Field(default_factory=list, description="Suggestive, not conclusive.")
    except_: list[Term] = Field(default_factory=list, alias="except")
    fields: list[StrictStr] | None = None
    negation: StrictBool = True
    min_hits: StrictInt = Field(default=1, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _terms_shorthand(cls, value: Any) -> Any:
        # `keywords: [a, b]` stands for `keywords: {terms: [a, b]}`.
        return {"terms": value} if isinstance(value, list) else value


class RegexSpec(Strict):
    pattern: StrictStr = Field(min_length=1)
    fields: list[StrictStr] | None = None
    ignore_case: StrictBool = True
    negation: StrictBool = False

    @model_validator(mode="before")
    @classmethod
    def _pattern_shorthand(cls, value: Any) -> Any:
        return {"pattern": value} if isinstance(value, str) else value


class Comparisons(Strict):
    gt: Number | None = None
    gte: Number | None = None
    lt: Number | None = None
    lte: Number | None = None

    def has_comparison(self) -> bool:
        return any(bound is not None for bound in (self.gt, self.gte, self.lt, self.lte))


class FieldSpec(Comparisons):
    path: StrictStr
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    exists: StrictBool | None = None
    contains: Scalar | None = None
    matches: StrictStr | None = None

    @model_validator(mode="after")
    def _has_an_operator(self) -> Self:
        operators = (self.eq, self.ne, self.in_, self.not_in, self.exists, self.contains)
        if not self.has_comparison() and all(op is None for op in (*operators, self.matches)):
            raise ValueError(
                "a field condition needs an operator: "
                "eq, ne, in, not_in, exists, contains, matches, gt, gte, lt, lte"
            )
        return self


class MeasureSpec(Comparisons):
    """A number read out of the text, e.g. a defect rate: `value` and optional `unit` groups."""

    pattern: StrictStr = Field(min_length=1)
    units: dict[StrictStr, Number] = Field(default_factory=dict)
    fields: list[StrictStr] | None = None

    @model_validator(mode="after")
    def _compares(self) -> Self:
        if not self.has_comparison():
            raise ValueError("a measure needs a bound: gt, gte, lt or lte")
        return self


class FlagsSpec(Strict):
    any: list[StrictStr] | None = None
    all: list[StrictStr] | None = None
    none: list[StrictStr] | None = None

    @model_validator(mode="after")
    def _has_a_test(self) -> Self:
        if self.any is None and self.all is None and self.none is None:
            raise ValueError("a flags condition needs any, all or none")
        return self


class SeveritySpec(Strict):
    at_least: StrictStr | None = None
    at_most: StrictStr | None = None


class KeywordsCondition(Strict):
    keywords: KeywordSpec


class RegexCondition(Strict):
    regex: RegexSpec


class FieldCondition(Strict):
    field: FieldSpec


class MeasureCondition(Strict):
    measure: MeasureSpec


class FlagsCondition(Strict):
    flags: FlagsSpec


class SeverityCondition(Strict):
    severity: SeveritySpec


class CategoryCondition(Strict):
    category: list[StrictStr] = Field(min_length=1)


class AllCondition(Strict):
    all: "list[Condition]" = Field(min_length=1)


class AnyCondition(Strict):
    any: "list[Condition]" = Field(min_length=1)


class NotCondition(Strict):
    not_: "Condition" = Field(alias="not")


CONDITION_KEYS = (
    "keywords",
    "regex",
    "field",
    "measure",
    "flags",
    "severity",
    "category",
    "all",
    "any",
    "not",
)
# Conditions on the classification being built; only `derived_flags` may use them.
RESULT_CONDITION_KEYS = frozenset({"severity", "category"})


def _condition_key(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return next(iter(value.model_fields_set), None)
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in CONDITION_KEYS else None
    return None


Condition = Annotated[
    Annotated[KeywordsCondition, Tag("keywords")]
    | Annotated[RegexCondition, Tag("regex")]
    | Annotated[FieldCondition, Tag("field")]
    | Annotated[MeasureCondition, Tag("measure")]
    | Annotated[FlagsCondition, Tag("flags")]
    | Annotated[SeverityCondition, Tag("severity")]
    | Annotated[CategoryCondition, Tag("category")]
    | Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotCondition, Tag("not")],
    Discriminator(
        _condition_key,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with exactly one of: "
        + ", ".join(CONDITION_KEYS),
    ),
]

AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()
