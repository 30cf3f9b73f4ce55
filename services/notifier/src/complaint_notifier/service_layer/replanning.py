"""Re-planning a complaint after an event, and what changed: schedule entries and deadline facts.

The plan is a pure fold over the complaint's events, so running it again after a redelivery
or a replay gives the same notice ids and the same transitions; what was done before is known
by those ids and skipped.
"""

from dataclasses import dataclass
from datetime import datetime

from complaint_events import (
    DeadlineBreached,
    DeadlineCancelled,
    DeadlineMet,
    DeadlineRescheduled,
    DeadlineScheduled,
    EventPayload,
)

from ..domain import (
    Classification,
    ClockState,
    ClockTransition,
    PlannedNotice,
    TransitionKind,
    plan_complaint,
    stable_id,
)
from .complaint_record import ComplaintRecord
from .rules import Rules


@dataclass(frozen=True)
class DeadlineFact:
    """A deadline event to publish once, known by its key."""

    key: str
    payload: EventPayload
    at: datetime
    policy_id: str
    step: str
    severity: str | None


@dataclass(frozen=True)
class Replan:
    clocks: tuple[ClockState, ...]
    wanted: dict[str, PlannedNotice]
    facts: list[DeadlineFact]


def breach_key(deadline_id: str) -> str:
    return f"breach:{deadline_id}"


def replan(rules: Rules, record: ComplaintRecord, now: datetime) -> Replan | None:
    """None until the complaint is classified under a policy the notifier knows."""
    classification = record.classification()
    if classification is None or classification.policy_id not in rules.policies:
        return None
    plan = plan_complaint(
        rules.policies[classification.policy_id],
        rules.calendars,
        classification,
        record.events,
        complaint_id=record.complaint_id,
    )
    facts = [fact for t in plan.transitions if (fact := transition_fact(t, classification))]
    facts += vanished(record.clocks, plan.clocks, classification, now)
    return Replan(plan.clocks, {notice.notice_id: notice for notice in plan.notices}, facts)


def adopt(record: ComplaintRecord, plan: Replan) -> list[DeadlineFact]:
    """Record the plan's schedule changes as work to do; the facts not yet published."""
    wanted = plan.wanted
    pending = {notice.notice_id for notice in record.adds}
    fresh = [wanted[i] for i in wanted if i not in record.scheduled and i not in pending]
    record.adds = [notice for notice in record.adds if notice.notice_id in wanted] + fresh
    gone = {i: at for i, at in record.scheduled.items() if i not in wanted}
    record.drops = {i: at for i, at in record.drops.items() if i not in wanted} | gone
    record.scheduled = {i: notice.send_at for i, notice in wanted.items()}
    record.clocks = list(plan.clocks)
    return [fact for fact in plan.facts if fact.key not in record.published]


def transition_fact(
    transition: ClockTransition, classification: Classification
) -> DeadlineFact | None:
    """The shared deadline event of a clock transition; None for progress-only clocks."""
    state, at, cause = transition.state, transition.at, transition.event_type
    if state.limit is None:
        return None
    key = stable_id("deadline", state.deadline_id, transition.kind.value, at, cause)
    due = state.due_at or at
    payload: EventPayload
    match transition.kind:
        case TransitionKind.STARTED:
            payload = scheduled(state, classification.severity)
        case TransitionKind.PAUSED:
            payload = _moved(state, None, f"paused by {cause}")
        case TransitionKind.RESUMED:
            payload = _moved(state, state.due_at, f"resumed by {cause}")
        case TransitionKind.MET:
            payload = DeadlineMet(
                deadline_id=state.deadline_id,
                step=state.step,
                due_at=due,
                met_at=at,
                stopped_by=cause,
            )
        case TransitionKind.LATE:
            key, payload = breach_key(state.deadline_id), breached(state, at, classification)
        case TransitionKind.CANCELLED:
            payload = _cancelled(state, f"cancelled by {cause}")
    return DeadlineFact(key, payload, at, state.policy_id, state.step, classification.severity)


def scheduled(state: ClockState, severity: str | None) -> DeadlineScheduled:
    assert state.limit is not None and state.due_at is not None
    return DeadlineScheduled(
        deadline_id=state.deadline_id,
        policy_id=state.policy_id,
        step=state.step,
        clock=state.started_by,
        severity=severity,
        started_at=state.started_at,
        due_at=state.due_at,
        limit=state.limit.amount,
        unit=state.limit.unit,
        calendar_id=state.calendar_id,
    )


def breached(state: ClockState, at: datetime, classification: Classification) -> DeadlineBreached:
    due = state.due_at or at
    return DeadlineBreached(
        deadline_id=state.deadline_id,
        step=state.step,
        due_at=due,
        breached_at=due,
        severity=classification.severity,
    )


def vanished(
    before: list[ClockState],
    after: tuple[ClockState, ...],
    classification: Classification,
    now: datetime,
) -> list[DeadlineFact]:
    """Open clocks whose step no longer applies (after a reclassification) are cancelled."""
    steps = {state.step for state in after}
    return [
        DeadlineFact(
            stable_id("vanished", state.deadline_id),
            _cancelled(state, "no longer applies after reclassification"),
            now,
            state.policy_id,
            state.step,
            classification.severity,
        )
        for state in before
        if state.is_open and state.limit is not None and state.step not in steps
    ]


def _moved(state: ClockState, due: datetime | None, reason: str) -> DeadlineRescheduled:
    return DeadlineRescheduled(
        deadline_id=state.deadline_id, step=state.step, due_at=due, reason=reason
    )


def _cancelled(state: ClockState, reason: str) -> DeadlineCancelled:
    return DeadlineCancelled(deadline_id=state.deadline_id, step=state.step, reason=reason)
