"""Notices a clock or a classification calls for, each with a deterministic id."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from complaint_events import NoticeKind

from .calendar import BusinessCalendar
from .clock_state import ClockState, ClockStatus, stable_id
from .policy import ClockSpec
from .timing import counted_between, shift


@dataclass(frozen=True)
class PlannedNotice:
    """A notice to send at `send_at` to the people holding `roles`."""

    notice_id: str
    complaint_id: str
    policy_id: str
    step: str
    """The clock's step, or the id of an immediate report."""
    kind: NoticeKind
    level: int
    """Escalation level (1, 2...), progress notice number, or 0."""
    round: int
    cycle: int
    send_at: datetime
    due_at: datetime | None
    roles: tuple[str, ...]
    department: str | None
    deadline_id: str | None
    falls_due_at: datetime | None = field(default=None, compare=False)
    """When the notice fell due; send_at is when it is delivered (later when it waited for
    working hours). None: the same as send_at (a stored notice may leave it out)."""


HELD_FOR_WORKING_HOURS = frozenset({NoticeKind.REMINDER, NoticeKind.BREACH, NoticeKind.ESCALATION})
"""Notices to people that wait for working hours unless urgent (immediate reports never do)."""


def delivered(notice: PlannedNotice, calendar: BusinessCalendar | None) -> PlannedNotice:
    """The notice as delivered on the recipients' calendar; None: at once, at any hour.

    A notice delivered when it falls due keeps its id; one held for working hours gets the id
    of its delivery time, so that a classification turning urgent re-plans it.
    """
    falls_due = notice.falls_due_at or notice.send_at
    send_at = falls_due
    if calendar is not None and notice.kind in HELD_FOR_WORKING_HOURS:
        send_at = calendar.delivery_time(falls_due)
    notice_id = notice.notice_id
    if send_at != falls_due:
        parts = (notice.complaint_id, notice.step, notice.cycle, notice.round, notice.kind.value)
        notice_id = stable_id(*parts, notice.level, send_at)
    return replace(notice, notice_id=notice_id, send_at=send_at, falls_due_at=falls_due)


def planned(
    state: ClockState,
    kind: NoticeKind,
    send_at: datetime,
    roles: tuple[str, ...],
    *,
    level: int = 0,
    department: str | None = None,
) -> PlannedNotice:
    parts = (state.complaint_id, state.step, state.cycle, state.round, kind.value, level)
    return PlannedNotice(
        notice_id=stable_id(*parts, send_at),
        complaint_id=state.complaint_id,
        policy_id=state.policy_id,
        step=state.step,
        kind=kind,
        level=level,
        round=state.round,
        cycle=state.cycle,
        send_at=send_at,
        due_at=state.due_at,
        roles=roles,
        department=department,
        deadline_id=state.deadline_id,
    )


def clock_notices(
    state: ClockState, spec: ClockSpec, calendar: BusinessCalendar, department: str | None = None
) -> list[PlannedNotice]:
    """Reminder, breach, every escalation level and the first progress notice of a running clock.

    Notices that would fall before the clock's anchor (its start or last resume) are left
    out: they were due before a pause and were sent then, or never applied.
    """
    if state.status is not ClockStatus.RUNNING:
        return []
    notices = []
    if state.due_at is not None:
        notices += _deadline_notices(state, spec, calendar, state.due_at, department)
    first_progress = progress_notice(state, spec, calendar, 1, department)
    if first_progress is not None:
        notices.append(first_progress)
    return [notice for notice in notices if notice.send_at >= state.anchor]


def _deadline_notices(
    state: ClockState,
    spec: ClockSpec,
    calendar: BusinessCalendar,
    due: datetime,
    department: str | None,
) -> list[PlannedNotice]:
    notices = []
    reminder = reminder_time(state, spec, calendar)
    if reminder is not None:
        notices.append(
            planned(state, NoticeKind.REMINDER, reminder, spec.notify, department=department)
        )
    notices.append(planned(state, NoticeKind.BREACH, due, spec.notify, department=department))
    for level, rung in enumerate(spec.escalation, start=1):
        send_at = calendar.add(due, rung.after.amount, rung.after.unit)
        notices.append(
            planned(
                state,
                NoticeKind.ESCALATION,
                send_at,
                tuple(rung.roles),
                level=level,
                department=department,
            )
        )
    return notices


def reminder_time(
    state: ClockState, spec: ClockSpec, calendar: BusinessCalendar
) -> datetime | None:
    """When the configured share of the round's window has been used; None if there is none."""
    if spec.reminder_at is None or state.limit is None or state.due_at is None:
        return None
    if state.window <= timedelta(0):
        return None
    left = state.window * (1 - spec.reminder_at)
    moment = shift(calendar, state.limit.unit, state.due_at, -left)
    return moment if moment < state.due_at else None


def progress_notice(
    state: ClockState,
    spec: ClockSpec,
    calendar: BusinessCalendar,
    number: int,
    department: str | None = None,
) -> PlannedNotice | None:
    """The number-th progress notice since the clock's anchor (1 is the first)."""
    every = spec.progress_every
    if every is None or number < 1 or state.status is not ClockStatus.RUNNING:
        return None
    send_at = shift(calendar, every.unit, state.anchor, every.as_timedelta() * number)
    return planned(
        state,
        NoticeKind.PROGRESS,
        send_at,
        spec.progress_notify,
        level=number,
        department=department,
    )


def progress_number_by(
    state: ClockState, spec: ClockSpec, calendar: BusinessCalendar, now: datetime
) -> int:
    """How many progress notices have fallen due by `now` since the clock's anchor."""
    every = spec.progress_every
    if every is None or now < state.anchor:
        return 0
    return counted_between(calendar, every.unit, state.anchor, now) // every.as_timedelta()
