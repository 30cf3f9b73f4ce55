"""One clock of one complaint: start, stop (met or late), pause, resume, cancel, rounds."""

from datetime import timedelta

import pytest

from complaint_notifier.domain import (
    BusinessCalendar,
    ClockState,
    ClockStatus,
    DeadlinePolicy,
    TransitionKind,
    cancel,
    pause,
    restart,
    resume,
    start,
    stop,
)
from services.notifier.tests.support import shanghai

pytestmark = pytest.mark.unit

COMPLAINT = "c-1"


def started(
    policies: dict[str, DeadlinePolicy], cn: BusinessCalendar, policy: str, step: str, at=None
) -> ClockState:
    spec = policies[policy].clock(step)
    state, (transition,) = start(
        spec,
        cn,
        complaint_id=COMPLAINT,
        policy_id=policy,
        at=at or shanghai(2025, 3, 3, 9, 0),
        event_type="ComplaintAssigned",
    )
    assert transition.kind is TransitionKind.STARTED and transition.state == state
    return state


def test_start_computes_due_and_window(policies: dict, cn: BusinessCalendar) -> None:
    state = started(policies, cn, "manufacturing-quality", "qa_reply")
    assert state.status is ClockStatus.RUNNING
    assert state.due_at == shanghai(2025, 3, 4, 9, 30)  # 8 working hours: 7 on Monday, 1 Tuesday
    assert state.window == timedelta(hours=8)
    assert (
        state.deadline_id == started(policies, cn, "manufacturing-quality", "qa_reply").deadline_id
    )


def test_start_next_working_time_counts_from_the_next_start_of_work(
    policies: dict, cn: BusinessCalendar
) -> None:
    friday_night = shanghai(2025, 3, 7, 20, 0)
    state = started(policies, cn, "manufacturing-quality", "forward_to_qa", at=friday_night)
    assert state.started_at == shanghai(2025, 3, 10, 8, 30)
    assert state.due_at == shanghai(2025, 3, 10, 9, 30)


def test_stop_in_time_is_met_and_after_the_due_is_late(
    policies: dict, cn: BusinessCalendar
) -> None:
    spec = policies["manufacturing-quality"].clock("qa_reply")
    state = started(policies, cn, "manufacturing-quality", "qa_reply")
    met, (transition,) = stop(spec, cn, state, shanghai(2025, 3, 4, 9, 30), "ReplySent")
    assert met.status is ClockStatus.MET and transition.kind is TransitionKind.MET
    late, (transition,) = stop(spec, cn, state, shanghai(2025, 3, 4, 9, 31), "ReplySent")
    assert late.status is ClockStatus.LATE and transition.kind is TransitionKind.LATE
    assert late.ended_by == "ReplySent" and not late.is_open


def test_pause_freezes_the_working_time_left_and_resume_recomputes_the_due(
    policies: dict, cn: BusinessCalendar
) -> None:
    spec = policies["public-regulator"].clock("mediation")
    state = started(policies, cn, "public-regulator", "mediation")
    paused_at = shanghai(2025, 3, 10, 10, 0)
    paused, (transition,) = pause(cn, state, paused_at, "ClockPaused")
    assert transition.kind is TransitionKind.PAUSED
    assert paused.due_at is None
    assert paused.remaining == cn.working_time_between(paused_at, state.due_at)
    # Testing the product took until the next month; the national day week does not count.
    resumed_at = shanghai(2025, 9, 30, 10, 0)
    resumed, (transition,) = resume(spec, cn, paused, resumed_at, "ClockResumed")
    assert transition.kind is TransitionKind.RESUMED
    assert resumed.status is ClockStatus.RUNNING and resumed.anchor == resumed_at
    assert cn.working_time_between(resumed_at, resumed.due_at) == paused.remaining
    assert resumed.due_at == cn.add_working_time(resumed_at, paused.remaining)


def test_paused_past_its_due_stays_overdue_by_as_much(policies: dict, cn: BusinessCalendar) -> None:
    spec = policies["manufacturing-quality"].clock("qa_reply")
    state = started(policies, cn, "manufacturing-quality", "qa_reply")
    paused, _ = pause(cn, state, shanghai(2025, 3, 4, 10, 30), "ClockPaused")  # 1 h overdue
    resumed, _ = resume(spec, cn, paused, shanghai(2025, 3, 6, 9, 0), "ClockResumed")
    # One working hour before Thursday 09:00: 08:30-09:00 and Wednesday 17:00-17:30.
    assert resumed.due_at == shanghai(2025, 3, 5, 17, 0)
    late, _ = stop(spec, cn, paused, shanghai(2025, 3, 5, 9, 0), "ReplySent")
    assert late.status is ClockStatus.LATE


def test_stopping_while_paused_in_time_is_met(policies: dict, cn: BusinessCalendar) -> None:
    spec = policies["public-regulator"].clock("mediation")
    paused, _ = pause(
        cn,
        started(policies, cn, "public-regulator", "mediation"),
        shanghai(2025, 3, 5, 10, 0),
        "ClockPaused",
    )
    met, _ = stop(spec, cn, paused, shanghai(2026, 1, 5, 10, 0), "ComplaintResolved")
    assert met.status is ClockStatus.MET


def test_cancel(policies: dict, cn: BusinessCalendar) -> None:
    state = started(policies, cn, "manufacturing-quality", "qa_reply")
    cancelled, (transition,) = cancel(state, shanghai(2025, 3, 3, 10, 0), "ComplaintWithdrawn")
    assert cancelled.status is ClockStatus.CANCELLED and transition.kind is TransitionKind.CANCELLED


def test_a_recurring_clock_runs_its_rounds(policies: dict, cn: BusinessCalendar) -> None:
    spec = policies["manufacturing-quality"].clock("capa_verification")
    fixed = shanghai(2025, 3, 3, 9, 0)
    round_1 = started(policies, cn, "manufacturing-quality", "capa_verification", at=fixed)
    assert round_1.due_at == shanghai(2025, 3, 11, 0, 0)  # within one week of the fix
    round_2, moves = stop(spec, cn, round_1, shanghai(2025, 3, 7, 15, 0), "CapaVerified")
    assert [move.kind for move in moves] == [TransitionKind.MET, TransitionKind.STARTED]
    assert (round_2.round, round_2.due_at) == (2, shanghai(2025, 4, 8, 0, 0))  # a month on
    assert round_2.deadline_id != round_1.deadline_id
    round_3, _ = stop(spec, cn, round_2, shanghai(2025, 4, 10, 9, 0), "CapaVerified")
    assert round_3.round == 3 and moves[0].state.status is ClockStatus.MET
    # a month on is Saturday 05-10, not a working day: Civil Code art. 203 → Monday 05-12 24:00
    assert round_3.due_at == shanghai(2025, 5, 13, 0, 0)
    done, moves = stop(spec, cn, round_3, shanghai(2025, 5, 6, 9, 0), "CapaVerified")
    assert done.status is ClockStatus.MET and done.round == 3
    assert [move.kind for move in moves] == [TransitionKind.MET]


def test_restart_begins_a_new_cycle(policies: dict, cn: BusinessCalendar) -> None:
    spec = policies["manufacturing-quality"].clock("qa_reply")
    state = started(policies, cn, "manufacturing-quality", "qa_reply")
    ended, _ = stop(spec, cn, state, shanghai(2025, 3, 3, 15, 0), "ReplySent")
    again, (transition,) = restart(
        spec, cn, ended, shanghai(2025, 3, 10, 9, 0), "ComplaintAssigned"
    )
    assert again.cycle == 2 and again.status is ClockStatus.RUNNING
    assert again.deadline_id != state.deadline_id
    assert transition.kind is TransitionKind.STARTED


def test_is_overdue(policies: dict, cn: BusinessCalendar) -> None:
    state = started(policies, cn, "manufacturing-quality", "qa_reply")
    assert not state.is_overdue(shanghai(2025, 3, 4, 9, 29))
    assert state.is_overdue(shanghai(2025, 3, 4, 9, 30))
