"""The file format of a policy's deadlines (deploy/policies/<id>/deadlines.yaml)."""

from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator

from complaint_events import EVENT_TYPES

from .calendar import EndOfDay
from .classification import Condition
from .files import DataFile
from .units import DurationField, Unit, check_amount, parse_unit

PROGRESS_UNITS = frozenset({Unit.MINUTES, Unit.HOURS, Unit.WORKING_HOURS})


def _known_event_type(name: str) -> str:
    if name not in EVENT_TYPES:
        raise ValueError(f"unknown event type {name!r}")
    return name


EventType = Annotated[str, AfterValidator(_known_event_type)]
REFUSAL = "refusal"
"""Stands for the classification refusing the complaint (there is no refusal event)."""


def _known_ending(name: str) -> str:
    return name if name == REFUSAL else _known_event_type(name)


Ending = Annotated[str, AfterValidator(_known_ending)]
HANDOFFS = ["ComplaintTransferred", "ComplaintWithdrawn", "ComplaintClosed"]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
UnitField = Annotated[Unit, BeforeValidator(lambda value: parse_unit(str(value)))]
Share = Annotated[float, Field(gt=0, lt=1)]


class Titles(DataFile):
    zh: str = ""
    en: str = ""


class EscalationLevel(DataFile):
    after: DurationField = Field(description="Offset after the breach, on the clock's calendar.")
    roles: list[Name] = Field(min_length=1)


class Repeat(DataFile):
    """Further rounds of a recurring clock: each starts when the previous one is stopped."""

    rounds: int = Field(ge=2, le=100, description="Rounds in all, the first one included.")
    interval: DurationField = Field(description="Limit of every round after the first.")


class Options(DataFile):
    extend_over_holidays: bool | None = Field(
        default=None,
        description="节假日顺延: a due on a non-working day moves to the next one; "
        "unset: the calendar's day_periods rule for days, weeks and months.",
    )
    end_of_day: EndOfDay | None = Field(
        default=None,
        description='Days, weeks, months end at "24:00" or "close_of_business"; '
        "unset: the calendar's.",
    )
    start_next_working_time: bool | None = Field(
        default=None, description="Received after hours: count from the next start of work."
    )


class Defaults(DataFile):
    calendar: str
    reminder_at: Share = 0.75
    notify: list[Name] = Field(min_length=1)
    escalation: list[EscalationLevel] = Field(default_factory=list)
    cancels_on: list[EventType] = Field(default_factory=lambda: ["ComplaintWithdrawn"])
    pauses_on: list[EventType] = Field(default_factory=lambda: ["ClockPaused"])
    resumes_on: list[EventType] = Field(default_factory=lambda: ["ClockResumed"])
    ends_on: list[EventType] = Field(
        default_factory=lambda: list(HANDOFFS),
        description="Events that hand the complaint off or end it: every open clock stops "
        "(cancelled, or met/late when the event is in its stops_on) unless it keeps running.",
    )
    ends_on_refusal: bool = Field(
        default=True, description="A classification refusing the complaint ends it too."
    )
    options: Options = Options(start_next_working_time=False)


class ClockEntry(DataFile):
    step: Name
    title: Titles = Titles()
    source: str = Field(default="", description="Where the rule comes from, e.g. 000·D1.")
    limit: float | None = Field(default=None, ge=0)
    unit: UnitField | None = None
    calendar: str | None = None
    starts_on: list[EventType] = Field(min_length=1)
    stops_on: list[EventType] = Field(default_factory=list)
    cancels_on: list[EventType] | None = None
    pauses_on: list[EventType] | None = None
    resumes_on: list[EventType] | None = None
    applies_when: Condition = Condition()
    options: Options = Options()
    reminder_at: Share | Literal[False] | None = None
    notify: list[Name] | None = None
    escalation: list[EscalationLevel] | None = None
    repeat: Repeat | None = None
    progress_every: DurationField | None = None
    progress_notify: list[Name] | None = None
    keeps_running_after: list[Ending] = Field(
        default_factory=list,
        description='Events of defaults.ends_on (or "refusal") this clock outlives, e.g. a '
        "duty to notify after a transfer.",
    )
    swaps_with: list[Name] = Field(
        default_factory=list,
        description="Clocks of the same step under another classification: a pause or resume "
        "of one of them counts for this one, so a reclassification keeps the paused time.",
    )

    @model_validator(mode="after")
    def _has_a_limit_or_progress(self) -> Self:
        if (self.limit is None) != (self.unit is None):
            raise ValueError("limit and unit go together")
        if self.limit is None and self.progress_every is None:
            raise ValueError("a clock needs a limit and unit, or progress_every")
        if self.limit is not None and self.unit is not None:
            check_amount(self.limit, self.unit)
        if self.repeat is not None and self.limit is None:
            raise ValueError("repeat needs a limit for the first round")
        if self.progress_every is not None:
            if self.progress_every.unit not in PROGRESS_UNITS:
                raise ValueError("progress_every counts minutes, hours or working_hours")
            if self.progress_every.amount <= 0:
                raise ValueError("progress_every must be more than 0")
        return self


class ImmediateEntry(DataFile):
    """A report sent at once when a class or flag is decided (no deadline, no clock)."""

    id: Name
    title: Titles = Titles()
    source: str = ""
    when: Condition
    fires_on: list[EventType] = Field(
        default_factory=lambda: ["ComplaintClassified", "ComplaintReclassified"], min_length=1
    )
    occurrence: int = Field(
        default=1,
        ge=1,
        le=100,
        description="Sent at the n-th event of `fires_on` (e.g. a 2nd rejection).",
    )
    roles: list[Name] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _no_yaml_boolean_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and True in data:
            raise ValueError("YAML reads the key `on` as true: write `fires_on`")
        return data


class Delivery(DataFile):
    """When notices to people go out: in the recipients' working hours, unless urgent."""

    in_working_hours: bool = Field(
        default=True,
        description="A reminder, breach or escalation falling outside working hours waits for "
        "the next start of work on the delivery calendar.",
    )
    calendar: str | None = Field(
        default=None, description="The recipients' calendar; default the clock's."
    )
    at_once_when: Condition | None = Field(
        default=None, description="Classifications whose notices go at once, at any hour."
    )


class DeadlinePolicyFile(DataFile):
    policy_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    description: str = ""
    defaults: Defaults
    clocks: list[ClockEntry] = Field(default_factory=list)
    immediate: list[ImmediateEntry] = Field(default_factory=list)
    delivery: Delivery = Delivery()

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        for kind, names in (
            ("step", [clock.step for clock in self.clocks]),
            ("immediate id", [entry.id for entry in self.immediate]),
        ):
            twice = sorted({name for name in names if names.count(name) > 1})
            if twice:
                raise ValueError(f"{kind} used more than once: {twice}")
        steps = {clock.step for clock in self.clocks}
        for index, clock in enumerate(self.clocks):
            unknown = sorted(set(clock.swaps_with) - steps)
            if unknown:
                raise ValueError(f"clocks.{index}.swaps_with: unknown steps {unknown}")
        return self
