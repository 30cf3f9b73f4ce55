"""The state machine of one deadline clock of one complaint.

running ──stop──► met | late          running ──pause──► paused ──resume──► running
   ▲                  (a recurring clock starts its next round instead, until its last)
   └─start (again after an end: a new cycle)      any open state ──cancel──► cancelled
"""

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from .calendar import BusinessCalendar
from .policy import ClockSpec
from .timing import clock_start, counted_between, due_after, shift
from .units import Duration


class ClockStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    LATE = "late"
    """Stopped after its due time (the breach itself is noticed when the due time passes)."""
    CANCELLED = "cancelled"


ENDED = frozenset({ClockStatus.MET, ClockStatus.LATE, ClockStatus.CANCELLED})


class TransitionKind(StrEnum):
    STARTED = "started"
    PAUSED = "paused"
    RESUMED = "resumed"
    MET = "met"
    LATE = "late"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ClockState:
    complaint_id: str
    policy_id: str
    step: str
    calendar_id: str
    cycle: int
    """1, then 2... each time the clock is started again after it ended (e.g. reopened)."""
    round: int
    """Round of a recurring clock (1 for the others)."""
    status: ClockStatus
    started_at: datetime
    started_by: str
    limit: Duration | None
    """None for a clock that only sends progress notices."""
    due_at: datetime | None
    """None while paused and for a progress-only clock."""
    window: timedelta
    """Counted time the round allows in all; reminders are a share of it."""
    anchor: datetime
    """Start or last resume: notices planned before it are not sent again."""
    remaining: timedelta | None = None
    """Counted time left at a pause, up to the due before any holiday extension."""
    ended_at: datetime | None = None
    ended_by: str | None = None
    unextended_due: datetime | None = field(default=None, compare=False)
    """The due before holiday extension (节假日顺延); None: the same as due_at. Derived by
    the fold over the events like the rest, so a stored clock may leave it out."""

    @property
    def deadline_id(self) -> str:
        return stable_id(self.complaint_id, self.step, self.cycle, self.round)

    @property
    def is_open(self) -> bool:
        return self.status not in ENDED

    def is_overdue(self, now: datetime) -> bool:
        return self.status is ClockStatus.RUNNING and self.due_at is not None and now >= self.due_at


@dataclass(frozen=True)
class ClockTransition:
    kind: TransitionKind
    at: datetime
    event_type: str
    state: ClockState
    """The clock right after the transition."""


Moved = tuple[ClockState, tuple[ClockTransition, ...]]


def stable_id(*parts: object) -> str:
    """sha256 of the parts joined by "|": the same facts always give the same id.

    Datetimes are written as UTC ISO 8601, whatever zone they came in.
    """
    text = "|".join(_part(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()


def _part(part: object) -> str:
    if isinstance(part, datetime):
        return part.astimezone(UTC).isoformat()
    return str(part)


def start(
    spec: ClockSpec,
    calendar: BusinessCalendar,
    *,
    complaint_id: str,
    policy_id: str,
    at: datetime,
    event_type: str,
    cycle: int = 1,
    round_number: int = 1,
) -> Moved:
    at = at.astimezone(UTC)
    begin = clock_start(calendar, at, start_next_working_time=spec.start_next_working_time)
    limit = spec.limit_of_round(round_number)
    due = unextended = None
    window = timedelta(0)
    if limit is not None:
        due = due_after(
            calendar,
            begin,
            limit,
            extend_over_holidays=spec.extend_over_holidays,
            end_of_day=spec.end_of_day,
        )
        if calendar.extends(limit.unit, spec.extend_over_holidays):
            unextended = due_after(
                calendar, begin, limit, extend_over_holidays=False, end_of_day=spec.end_of_day
            )
        window = counted_between(calendar, limit.unit, begin, due)
    state = ClockState(
        complaint_id=complaint_id,
        policy_id=policy_id,
        step=spec.step,
        calendar_id=calendar.calendar_id,
        cycle=cycle,
        round=round_number,
        status=ClockStatus.RUNNING,
        started_at=begin,
        started_by=event_type,
        limit=limit,
        due_at=due,
        window=window,
        anchor=begin,
        unextended_due=unextended,
    )
    return state, (ClockTransition(TransitionKind.STARTED, at, event_type, state),)


def restart(
    spec: ClockSpec, calendar: BusinessCalendar, ended: ClockState, at: datetime, event_type: str
) -> Moved:
    """Start an ended clock again as a new cycle (e.g. the complaint was reopened)."""
    return start(
        spec,
        calendar,
        complaint_id=ended.complaint_id,
        policy_id=ended.policy_id,
        at=at,
        event_type=event_type,
        cycle=ended.cycle + 1,
    )


def stop(
    spec: ClockSpec, calendar: BusinessCalendar, state: ClockState, at: datetime, event_type: str
) -> Moved:
    """The step was done: met or late; a recurring clock goes on with its next round."""
    at = at.astimezone(UTC)
    status = ClockStatus.MET if _in_time(state, at) else ClockStatus.LATE
    ended = replace(state, status=status, ended_at=at, ended_by=event_type)
    kind = TransitionKind.MET if status is ClockStatus.MET else TransitionKind.LATE
    done = (ClockTransition(kind, at, event_type, ended),)
    if state.round >= spec.rounds:
        return ended, done
    following, started = start(
        spec,
        calendar,
        complaint_id=state.complaint_id,
        policy_id=state.policy_id,
        at=at,
        event_type=event_type,
        cycle=state.cycle,
        round_number=state.round + 1,
    )
    return following, done + started


def pause(calendar: BusinessCalendar, state: ClockState, at: datetime, event_type: str) -> Moved:
    """Freeze the counted time left; a progress-only clock just stops reporting.

    The time left runs to the due before holiday extension, so that resuming extends once;
    paused within the extension itself, it runs to the extended due.
    """
    at = at.astimezone(UTC)
    remaining = None
    if state.due_at is not None and state.limit is not None:
        unit, unextended = state.limit.unit, state.unextended_due
        remaining = counted_between(calendar, unit, at, state.due_at)
        if unextended is not None and at < unextended:
            remaining = counted_between(calendar, unit, at, unextended)
    paused = replace(state, status=ClockStatus.PAUSED, due_at=None, remaining=remaining)
    return paused, (ClockTransition(TransitionKind.PAUSED, at, event_type, paused),)


def resume(
    spec: ClockSpec, calendar: BusinessCalendar, state: ClockState, at: datetime, event_type: str
) -> Moved:
    """Run again with the time that was left when paused (overdue stays overdue by as much)."""
    at = at.astimezone(UTC)
    due = unextended = None
    if state.remaining is not None and state.limit is not None:
        due = shift(calendar, state.limit.unit, at, state.remaining)
        if calendar.extends(state.limit.unit, spec.extend_over_holidays):
            unextended, due = due, calendar.extend_to_working_day(due)
    resumed = replace(
        state,
        status=ClockStatus.RUNNING,
        due_at=due,
        remaining=None,
        anchor=at,
        unextended_due=unextended,
    )
    return resumed, (ClockTransition(TransitionKind.RESUMED, at, event_type, resumed),)


def cancel(state: ClockState, at: datetime, event_type: str) -> Moved:
    at = at.astimezone(UTC)
    cancelled = replace(state, status=ClockStatus.CANCELLED, ended_at=at, ended_by=event_type)
    return cancelled, (ClockTransition(TransitionKind.CANCELLED, at, event_type, cancelled),)


def _in_time(state: ClockState, at: datetime) -> bool:
    if state.status is ClockStatus.PAUSED:
        return state.remaining is None or state.remaining >= timedelta(0)
    return state.due_at is None or at <= state.due_at
