"""A policy's deadlines with every default filled in, and the loaders that build them."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from .calendar import BusinessCalendar, EndOfDay
from .classification import Condition
from .files import DataFileError, parse_file
from .policy_file import (
    REFUSAL,
    ClockEntry,
    DeadlinePolicyFile,
    Defaults,
    Delivery,
    EscalationLevel,
    ImmediateEntry,
    Repeat,
    Titles,
)
from .units import Duration

DEADLINES_FILE = "deadlines.yaml"
T = TypeVar("T")


@dataclass(frozen=True)
class ClockSpec:
    """One deadline clock of a policy: when it runs, how long it allows, who hears of it."""

    step: str
    title: Titles
    source: str
    limit: Duration | None
    calendar_id: str
    starts_on: frozenset[str]
    stops_on: frozenset[str]
    cancels_on: frozenset[str]
    pauses_on: frozenset[str]
    resumes_on: frozenset[str]
    applies_when: Condition
    extend_over_holidays: bool | None
    """None: the calendar's day_periods rule (days, weeks, months only)."""
    start_next_working_time: bool
    reminder_at: float | None
    notify: tuple[str, ...]
    escalation: tuple[EscalationLevel, ...]
    repeat: Repeat | None
    progress_every: Duration | None
    progress_notify: tuple[str, ...]
    end_of_day: EndOfDay | None = None
    """None: the calendar's."""
    ends_on: frozenset[str] = frozenset()
    """Handoffs and endings that cancel this clock ("refusal": the classification refuses)."""
    swaps_with: frozenset[str] = frozenset()
    """Steps whose pauses and resumes count for this clock (the same step in another class)."""

    def concerns(self, step: str | None) -> bool:
        """Whether a pause or resume naming `step` (None: every clock) is meant for this one."""
        return step is None or step == self.step or step in self.swaps_with

    def limit_of_round(self, round_number: int) -> Duration | None:
        if round_number > 1 and self.repeat is not None:
            return self.repeat.interval
        return self.limit

    @property
    def rounds(self) -> int:
        return self.repeat.rounds if self.repeat is not None else 1


@dataclass(frozen=True)
class ImmediateSpec:
    id: str
    title: Titles
    source: str
    when: Condition
    fires_on: frozenset[str]
    occurrence: int
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DeliveryRule:
    """Notices to people wait for working hours on `calendar_id` (default: the clock's)."""

    in_working_hours: bool = True
    calendar_id: str | None = None
    at_once_when: Condition | None = None


@dataclass(frozen=True)
class DeadlinePolicy:
    policy_id: str
    clocks: tuple[ClockSpec, ...]
    immediate: tuple[ImmediateSpec, ...]
    delivery: DeliveryRule = DeliveryRule()

    def clock(self, step: str) -> ClockSpec:
        for spec in self.clocks:
            if spec.step == step:
                return spec
        raise KeyError(step)

    def calendar_ids(self) -> set[str]:
        ids = {spec.calendar_id for spec in self.clocks}
        return ids | ({self.delivery.calendar_id} if self.delivery.calendar_id else set())

    def roles(self) -> set[str]:
        """Every recipient role the policy names."""
        roles = {role for entry in self.immediate for role in entry.roles}
        for spec in self.clocks:
            roles.update(spec.notify, spec.progress_notify)
            roles.update(role for level in spec.escalation for role in level.roles)
        return roles

    def conditions(self) -> list[Condition]:
        urgent = [self.delivery.at_once_when] if self.delivery.at_once_when else []
        return (
            [spec.applies_when for spec in self.clocks] + [e.when for e in self.immediate] + urgent
        )


def resolve(policy_file: DeadlinePolicyFile) -> DeadlinePolicy:
    """Fill each clock's gaps from the defaults; ValueError when a clock contradicts itself."""
    defaults = policy_file.defaults
    clocks = _swapping(tuple(_clock(entry, defaults) for entry in policy_file.clocks))
    for index, spec in enumerate(clocks):
        _check_event_roles(spec, f"clocks.{index}")
    return DeadlinePolicy(
        policy_id=policy_file.policy_id,
        clocks=clocks,
        immediate=tuple(_immediate(entry) for entry in policy_file.immediate),
        delivery=_delivery(policy_file.delivery),
    )


def _swapping(clocks: tuple[ClockSpec, ...]) -> tuple[ClockSpec, ...]:
    """`swaps_with` holds both ways: a clock also counts the pauses of those naming it."""
    named = {spec.step: set(spec.swaps_with) for spec in clocks}
    for spec in clocks:
        for other in spec.swaps_with:
            named[other].add(spec.step)
    return tuple(replace(spec, swaps_with=frozenset(named[spec.step])) for spec in clocks)


def _delivery(delivery: Delivery) -> DeliveryRule:
    return DeliveryRule(delivery.in_working_hours, delivery.calendar, delivery.at_once_when)


def _check_event_roles(spec: ClockSpec, where: str) -> None:
    """An event may start a clock or end it, not both: the outcome would depend on order."""
    ends = {"stops_on": spec.stops_on, "cancels_on": spec.cancels_on}
    for name, events in ends.items():
        both = sorted(events & spec.starts_on)
        if both:
            raise ValueError(f"{where}.{name}: {both} also in starts_on")
    both = sorted(spec.stops_on & spec.cancels_on)
    if both:
        raise ValueError(f"{where}.cancels_on: {both} also in stops_on")


def _clock(entry: ClockEntry, defaults: Defaults) -> ClockSpec:
    notify = entry.notify if entry.notify is not None else defaults.notify
    reminder = defaults.reminder_at if entry.reminder_at is None else entry.reminder_at
    return ClockSpec(
        step=entry.step,
        title=entry.title,
        source=entry.source,
        limit=None
        if entry.limit is None or entry.unit is None
        else Duration(entry.limit, entry.unit),
        calendar_id=entry.calendar or defaults.calendar,
        starts_on=frozenset(entry.starts_on),
        stops_on=frozenset(entry.stops_on),
        cancels_on=frozenset(_or(entry.cancels_on, defaults.cancels_on)),
        pauses_on=frozenset(_or(entry.pauses_on, defaults.pauses_on)),
        resumes_on=frozenset(_or(entry.resumes_on, defaults.resumes_on)),
        applies_when=entry.applies_when,
        extend_over_holidays=_option(entry, defaults, "extend_over_holidays"),
        start_next_working_time=bool(_option(entry, defaults, "start_next_working_time")),
        end_of_day=_option(entry, defaults, "end_of_day"),
        ends_on=_endings(entry, defaults),
        swaps_with=frozenset(entry.swaps_with),
        reminder_at=reminder or None,
        notify=tuple(notify),
        escalation=tuple(_or(entry.escalation, defaults.escalation)),
        repeat=entry.repeat,
        progress_every=entry.progress_every,
        progress_notify=tuple(_or(entry.progress_notify, notify)),
    )


def _endings(entry: ClockEntry, defaults: Defaults) -> frozenset[str]:
    """What ends this clock besides its own stops: the policy's handoffs, less what it keeps."""
    endings = set(defaults.ends_on) | ({REFUSAL} if defaults.ends_on_refusal else set())
    return frozenset(endings - set(entry.keeps_running_after) - set(entry.starts_on))


def _or(value: list[T] | None, default: list[T]) -> list[T]:
    return default if value is None else value


def _option(entry: ClockEntry, defaults: Defaults, name: str) -> Any:
    own = getattr(entry.options, name)
    return getattr(defaults.options, name) if own is None else own


def _immediate(entry: ImmediateEntry) -> ImmediateSpec:
    return ImmediateSpec(
        id=entry.id,
        title=entry.title,
        source=entry.source,
        when=entry.when,
        fires_on=frozenset(entry.fires_on),
        occurrence=entry.occurrence,
        roles=tuple(entry.roles),
    )


def load_deadline_policy(
    path: Path, calendars: Mapping[str, BusinessCalendar] | None = None
) -> DeadlinePolicy:
    """One deadlines.yaml; with `calendars`, every calendar it names must be among them."""
    path = Path(path)
    try:
        policy = resolve(parse_file(path, DeadlinePolicyFile))
    except DataFileError:
        raise
    except ValueError as error:
        raise DataFileError(path, [str(error)]) from error
    if path.parent.name != policy.policy_id:
        raise DataFileError(path, [f"policy_id: {policy.policy_id!r} differs from its folder"])
    unknown = sorted(policy.calendar_ids() - set(calendars or ())) if calendars is not None else []
    if unknown:
        raise DataFileError(path, [f"calendar: unknown calendar ids {unknown}"])
    return policy


def load_deadline_policies(
    policies_root: Path, calendars: Mapping[str, BusinessCalendar] | None = None
) -> dict[str, DeadlinePolicy]:
    """Every <policy-id>/deadlines.yaml under the root, by policy id."""
    paths = sorted(Path(policies_root).glob(f"*/{DEADLINES_FILE}"))
    policies = [load_deadline_policy(path, calendars) for path in paths]
    return {policy.policy_id: policy for policy in policies}
