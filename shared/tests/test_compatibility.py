"""Schema evolution: the committed schemas stay backward compatible with the pinned baseline."""

from enum import StrEnum
from typing import Any, ClassVar, Literal

import pytest
from pydantic import BaseModel, Field

from complaint_events import ComplaintClosed, ComplaintSubmitted
from complaint_events.compat import breaking_changes, breaking_changes_between_sets
from complaint_events.export import BASELINE_DIR, load_schemas
from complaint_events.schemas import all_schemas, event_schema

pytestmark = pytest.mark.unit


def test_current_schemas_are_backward_compatible_with_the_baseline() -> None:
    baseline = load_schemas(BASELINE_DIR)

    assert baseline, "pin one with: uv run python -m complaint_events.export --pin-baseline"
    assert breaking_changes_between_sets(baseline, all_schemas()) == []


def test_removing_a_schema_is_breaking() -> None:
    current = all_schemas()
    fewer = {name: schema for name, schema in current.items() if name != "ReplySent.v1.json"}

    assert breaking_changes_between_sets(current, fewer) == ["ReplySent.v1.json: schema removed"]


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class Fewer(StrEnum):
    RED = "red"


class More(StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Part(BaseModel):
    size: int


class V1(BaseModel):
    name: str = Field(max_length=50)
    note: str | None = None
    count: int
    colour: Colour
    parts: list[Part] = []


class FieldRemoved(BaseModel):
    name: str = Field(max_length=50)
    count: int
    colour: Colour
    parts: list[Part] = []


class MadeRequired(V1):
    note: str | None  # type: ignore[assignment]


class RequiredAdded(V1):
    origin: str


class Narrowed(V1):
    note: str = ""  # type: ignore[assignment]


class TypeChanged(V1):
    count: str  # type: ignore[assignment]


class EnumShrunk(V1):
    colour: Fewer  # type: ignore[assignment]


class Tightened(V1):
    name: str = Field(max_length=20)


class Bounded(V1):
    count: int = Field(le=1_000)


class StorableBounded(V1):
    """The 64-bit bound states a limit every consumer always had (MongoDB stores no more)."""

    count: int = Field(ge=-(2**63), le=2**63 - 1)


class NestedPart(BaseModel):
    size: int
    unit: str


class NestedRequired(V1):
    parts: list[NestedPart] = []  # type: ignore[assignment]


class OptionalAdded(V1):
    origin: str | None = None


class Widened(V1):
    count: int | str  # type: ignore[assignment]
    name: str = Field(max_length=100)


class NumberWidened(V1):
    count: float  # type: ignore[assignment]


class EnumGrown(V1):
    colour: More  # type: ignore[assignment]


def changes(new: type[BaseModel]) -> list[str]:
    return breaking_changes(V1.model_json_schema(), new.model_json_schema())


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (FieldRemoved, "$.note: field removed"),
        (MadeRequired, "$.note: made required"),
        (RequiredAdded, "$.origin: made required"),
        (Narrowed, "$.note: type narrowed (null no longer allowed)"),
        (TypeChanged, "$.count: type narrowed (integer no longer allowed)"),
        (EnumShrunk, "$.colour: enum values removed ['green']"),
        (Tightened, "$.name: maxLength tightened to 20"),
        (Bounded, "$.count: maximum tightened to 1000"),
        (NestedRequired, "$.parts[].unit: made required"),
    ],
)
def test_breaking_changes_are_caught(new: type[BaseModel], expected: str) -> None:
    assert changes(new) == [expected]


@pytest.mark.parametrize(
    "new", [V1, OptionalAdded, Widened, NumberWidened, EnumGrown, StorableBounded]
)
def test_compatible_changes_pass(new: type[BaseModel]) -> None:
    assert changes(new) == []


def test_a_real_event_made_stricter_is_caught() -> None:
    class StricterClosed(ComplaintClosed):
        note: str  # type: ignore[assignment]
        outcome: Literal["resolved", "refused"]  # type: ignore[assignment]

    problems = breaking_changes(event_schema(ComplaintClosed), event_schema(StricterClosed))

    assert "$.payload.note: made required" in problems
    assert any(problem.startswith("$.payload.outcome:") for problem in problems)


def test_a_real_event_with_a_new_optional_field_passes() -> None:
    class Extended(ComplaintSubmitted):
        event_type: ClassVar[str] = "ComplaintSubmitted"
        priority_hint: str | None = None

    old: dict[str, Any] = event_schema(ComplaintSubmitted)

    assert breaking_changes(old, event_schema(Extended)) == []
