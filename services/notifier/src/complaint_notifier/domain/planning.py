"""From a complaint's classification and events to its clocks and the notices to schedule.

Planning is a pure fold over the complaint's events in the order they were recorded, with the
current classification: run it again after every event (or reclassification) and reconcile the
schedule by notice id: insert the ids that are new, drop the unsent ones that disappeared.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from complaint_events import NoticeKind

from .calendar import BusinessCalendar
from .classification import Classification
from .clock_state import (
    ClockState,
    ClockStatus,
    ClockTransition,
    Moved,
    cancel,
    pause,
    restart,
    resume,
    stable_id,
    start,
    stop,
)
from .events import ComplaintEvent
from .notices import (
    PlannedNotice,
    clock_notices,
    delivered,
    progress_notice,
    progress_number_by,
)
from .policy import ClockSpec, DeadlinePolicy, ImmediateSpec
from .policy_file import REFUSAL


@dataclass(frozen=True)
class ComplaintPlan:
    complaint_id: str
    policy_id: str
    clocks: tuple[ClockState, ...]
    transitions: tuple[ClockTransition, ...]
    notices: tuple[PlannedNotice, ...]

    def clock(self, step: str) -> ClockState:
        return next(state for state in self.clocks if state.step == step)


def apply_event(
    spec: ClockSpec,
    calendar: BusinessCalendar,
    state: ClockState | None,
    event: ComplaintEvent,
    *,
    complaint_id: str,
    policy_id: str,
) -> Moved | None:
    """One event's effect on one clock; None when the event does not concern it."""
    kind, at = event.event_type, event.at
    if state is None:
        if kind in spec.starts_on:
            return start(
                spec,
                calendar,
                complaint_id=complaint_id,
                policy_id=policy_id,
                at=at,
                event_type=kind,
            )
        return None
    if not state.is_open:
        return restart(spec, calendar, state, at, kind) if kind in spec.starts_on else None
    if kind in spec.cancels_on:
        return cancel(state, at, kind)
    if kind in spec.stops_on:
        return stop(spec, calendar, state, at, kind)
    if kind in spec.ends_on:
        return cancel(state, at, kind)
    meant = spec.concerns(event.step)
    if meant and kind in spec.pauses_on and state.status is ClockStatus.RUNNING:
        return pause(calendar, state, at, kind)
    if meant and kind in spec.resumes_on and state.status is ClockStatus.PAUSED:
        return resume(spec, calendar, state, at, kind)
    return None


def plan_complaint(
    policy: DeadlinePolicy,
    calendars: Mapping[str, BusinessCalendar],
    classification: Classification,
    events: Sequence[ComplaintEvent],
    *,
    complaint_id: str,
) -> ComplaintPlan:
    """Every clock that applies to the classification, run over the events, and its notices."""
    applicable = [spec for spec in policy.clocks if spec.applies_when.matches(classification)]
    clocks: dict[str, ClockState] = {}
    transitions: list[ClockTransition] = []
    refusal = refusal_event(classification, events)
    for spec in applicable:
        calendar = calendars[spec.calendar_id]
        state, moves = _run_clock(spec, calendar, events, complaint_id, policy.policy_id, refusal)
        transitions += moves
        if state is not None:
            clocks[spec.step] = state
    notices = immediate_notices(policy, classification, events, complaint_id=complaint_id)
    for spec in applicable:
        if spec.step in clocks:
            calendar = calendars[spec.calendar_id]
            held_on = delivery_calendar(policy, spec, calendars, classification)
            notices += [
                delivered(notice, held_on)
                for notice in clock_notices(
                    clocks[spec.step], spec, calendar, classification.department
                )
            ]
    transitions.sort(key=lambda transition: transition.at)
    return ComplaintPlan(
        complaint_id, policy.policy_id, tuple(clocks.values()), tuple(transitions), tuple(notices)
    )


def delivery_calendar(
    policy: DeadlinePolicy,
    spec: ClockSpec,
    calendars: Mapping[str, BusinessCalendar],
    classification: Classification,
) -> BusinessCalendar | None:
    """The calendar whose working hours a clock's notices wait for; None when they go at once."""
    rule = policy.delivery
    urgent = rule.at_once_when is not None and rule.at_once_when.matches(classification)
    if not rule.in_working_hours or urgent:
        return None
    return calendars[rule.calendar_id or spec.calendar_id]


def refusal_event(
    classification: Classification, events: Sequence[ComplaintEvent]
) -> ComplaintEvent | None:
    """The classification that refused the complaint: the latest, when the current one refuses."""
    if classification.acceptance != "refuse":
        return None
    classified = [event for event in events if event.event_type == "ComplaintClassified"]
    return classified[-1] if classified else None


def _run_clock(
    spec: ClockSpec,
    calendar: BusinessCalendar,
    events: Iterable[ComplaintEvent],
    complaint_id: str,
    policy_id: str,
    refusal: ComplaintEvent | None = None,
) -> tuple[ClockState | None, list[ClockTransition]]:
    state: ClockState | None = None
    done_before_start: ComplaintEvent | None = None
    transitions: list[ClockTransition] = []
    for event in events:
        if state is None and event.event_type in spec.stops_on:
            # The step was done before its clock began (e.g. replied before classification).
            done_before_start = done_before_start or event
        if event is refusal and state is not None and state.is_open and REFUSAL in spec.ends_on:
            state, moves = cancel(state, event.at, event.event_type)
            transitions += moves
            continue
        first_start = state is None
        moved = apply_event(
            spec, calendar, state, event, complaint_id=complaint_id, policy_id=policy_id
        )
        if moved is None:
            continue
        state, moves = moved
        transitions += moves
        if first_start and done_before_start is not None:
            kind = done_before_start.event_type
            state, moves = stop(spec, calendar, state, event.at, kind)
            transitions += moves
    return state, transitions


def immediate_notices(
    policy: DeadlinePolicy,
    classification: Classification,
    events: Sequence[ComplaintEvent],
    *,
    complaint_id: str,
) -> list[PlannedNotice]:
    """Reports due at once because of the class or a flag, at the event that decides it.

    That is the first event of the entry's `fires_on` types, or the n-th with `occurrence: n`.
    """
    notices = []
    for spec in policy.immediate:
        triggers = [event for event in events if event.event_type in spec.fires_on]
        if len(triggers) >= spec.occurrence and spec.when.matches(classification):
            trigger = triggers[spec.occurrence - 1]
            notices.append(_immediate_notice(spec, policy, classification, trigger, complaint_id))
    return notices


def _immediate_notice(
    spec: ImmediateSpec,
    policy: DeadlinePolicy,
    classification: Classification,
    trigger: ComplaintEvent,
    complaint_id: str,
) -> PlannedNotice:
    kind = NoticeKind.IMMEDIATE
    return PlannedNotice(
        notice_id=stable_id(complaint_id, spec.id, 1, 1, kind.value, 0, trigger.at),
        complaint_id=complaint_id,
        policy_id=policy.policy_id,
        step=spec.id,
        kind=kind,
        level=0,
        round=1,
        cycle=1,
        send_at=trigger.at,
        due_at=trigger.at,
        roles=spec.roles,
        department=classification.department,
        deadline_id=None,
    )


def notices_due(
    state: ClockState,
    spec: ClockSpec,
    calendar: BusinessCalendar,
    now: datetime,
    department: str | None = None,
) -> list[PlannedNotice]:
    """What a clock has made due by `now`: fixed notices, and only the latest progress notice."""
    fixed = [
        notice
        for notice in clock_notices(state, spec, calendar, department)
        if notice.kind is not NoticeKind.PROGRESS and notice.send_at <= now
    ]
    latest = progress_notice(
        state, spec, calendar, progress_number_by(state, spec, calendar, now), department
    )
    return fixed + ([latest] if latest is not None else [])


def next_progress_notice(
    state: ClockState,
    spec: ClockSpec,
    calendar: BusinessCalendar,
    after: datetime,
    department: str | None = None,
) -> PlannedNotice | None:
    """The first progress notice strictly after `after` (schedule it when one is sent)."""
    number = progress_number_by(state, spec, calendar, after) + 1
    return progress_notice(state, spec, calendar, number, department)
