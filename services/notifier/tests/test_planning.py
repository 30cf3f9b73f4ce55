"""Planning a complaint's clocks and notices from its classification and events."""

from datetime import UTC, timedelta

import pytest

from complaint_events import NoticeKind
from complaint_notifier.domain import (
    BusinessCalendar,
    Classification,
    ClockStatus,
    DeadlinePolicy,
    PlannedNotice,
    TransitionKind,
    next_progress_notice,
    notices_due,
    plan_complaint,
)
from services.notifier.tests.support import event, policy_from, shanghai

pytestmark = pytest.mark.unit

MONDAY_9 = shanghai(2025, 3, 3, 9, 0)
MANUFACTURING_B = Classification("manufacturing-quality", "B", department="quality")


def plan(
    policies: dict,
    calendars: dict,
    classification: Classification,
    events: list,
    complaint_id: str = "c-1",
):
    policy = policies[classification.policy_id]
    return plan_complaint(policy, calendars, classification, events, complaint_id=complaint_id)


def kinds(notices: list[PlannedNotice] | tuple[PlannedNotice, ...], step: str) -> list:
    return [(n.kind, n.level, n.send_at) for n in notices if n.step == step]


def test_a_running_clock_plans_reminder_breach_and_the_escalation_ladder(
    policies: dict, calendars: dict
) -> None:
    events = [event("ComplaintReceived", MONDAY_9), event("ComplaintAssigned", MONDAY_9)]
    result = plan(policies, calendars, MANUFACTURING_B, events)
    assert kinds(result.notices, "qa_reply") == [
        (NoticeKind.REMINDER, 0, shanghai(2025, 3, 3, 16, 30)),  # 6 of 8 working hours
        (NoticeKind.BREACH, 0, shanghai(2025, 3, 4, 9, 30)),
        (NoticeKind.ESCALATION, 1, shanghai(2025, 3, 4, 9, 30)),
        (NoticeKind.ESCALATION, 2, shanghai(2025, 3, 4, 15, 0)),  # +4 working hours
        (NoticeKind.ESCALATION, 3, shanghai(2025, 3, 5, 17, 30)),  # +1 working day
    ]
    ladder = [n.roles for n in result.notices if n.step == "qa_reply" and n.level]
    assert ladder == [("department_head",), ("management_representative",), ("general_manager",)]
    assert all(n.department == "quality" for n in result.notices)
    assert "major_opinion" not in {state.step for state in result.clocks}


def test_notice_ids_are_deterministic_and_distinct(policies: dict, calendars: dict) -> None:
    events = [event("ComplaintReceived", MONDAY_9), event("ComplaintAssigned", MONDAY_9)]
    first = plan(policies, calendars, MANUFACTURING_B, events)
    again = plan(policies, calendars, MANUFACTURING_B, events)
    other = plan(policies, calendars, MANUFACTURING_B, events, complaint_id="c-2")
    ids = [notice.notice_id for notice in first.notices]
    assert ids == [notice.notice_id for notice in again.notices]
    assert len(set(ids)) == len(ids)
    assert not set(ids) & {notice.notice_id for notice in other.notices}
    assert all(len(notice_id) == 64 for notice_id in ids)


def test_a_stopped_clock_plans_nothing_more(policies: dict, calendars: dict) -> None:
    events = [
        event("ComplaintReceived", MONDAY_9),
        event("ComplaintAssigned", MONDAY_9),
        event("ReplySent", shanghai(2025, 3, 3, 15, 0)),
    ]
    result = plan(policies, calendars, MANUFACTURING_B, events)
    assert result.clock("qa_reply").status is ClockStatus.MET
    assert kinds(result.notices, "qa_reply") == []
    met = [t for t in result.transitions if t.state.step == "qa_reply"]
    assert [t.kind for t in met] == [TransitionKind.STARTED, TransitionKind.MET]


def test_withdrawal_cancels_every_open_clock(policies: dict, calendars: dict) -> None:
    events = [
        event("ComplaintReceived", MONDAY_9),
        event("ComplaintWithdrawn", shanghai(2025, 3, 3, 10, 0)),
    ]
    result = plan(policies, calendars, MANUFACTURING_B, events)
    assert {state.status for state in result.clocks} == {ClockStatus.CANCELLED}
    assert result.notices == ()


def test_pause_by_step_touches_only_that_clock(policies: dict, calendars: dict) -> None:
    regulator = Classification("public-regulator", "general", acceptance="accept")
    events = [
        event("ComplaintReceived", MONDAY_9),
        event("ComplaintAssigned", shanghai(2025, 3, 4, 9, 0)),
        event("ClockPaused", shanghai(2025, 3, 5, 9, 0), step="mediation"),
    ]
    result = plan(policies, calendars, regulator, events)
    assert result.clock("mediation").status is ClockStatus.PAUSED
    assert result.clock("respondent_answer").status is ClockStatus.RUNNING
    assert kinds(result.notices, "mediation") == []
    resumed = plan(
        policies,
        calendars,
        regulator,
        [*events, event("ClockResumed", shanghai(2025, 3, 12, 9, 0))],
    )
    mediation = resumed.clock("mediation")
    assert mediation.status is ClockStatus.RUNNING
    assert mediation.due_at > result.clock("respondent_answer").due_at


def test_notices_due_before_a_pause_are_not_planned_again_after_it(
    policies: dict, calendars: dict
) -> None:
    events = [
        event("ComplaintReceived", MONDAY_9),
        event("ComplaintAssigned", MONDAY_9),
        event("ClockPaused", shanghai(2025, 3, 3, 17, 0)),  # after the 16:30 reminder
        event("ClockResumed", shanghai(2025, 3, 10, 9, 0)),
    ]
    result = plan(policies, calendars, MANUFACTURING_B, events)
    planned = kinds(result.notices, "qa_reply")
    assert planned[0][0] is NoticeKind.BREACH  # the reminder was sent before the pause
    assert planned[0][2] == shanghai(2025, 3, 10, 10, 30)  # 17:00-17:30 and 08:30-09:30 left


def test_the_clock_applies_only_to_its_classification(policies: dict, calendars: dict) -> None:
    events = [event("ComplaintReceived", MONDAY_9), event("ComplaintAssigned", MONDAY_9)]
    major = Classification("manufacturing-quality", "C", flags=frozenset({"major"}))
    steps = {state.step for state in plan(policies, calendars, major, events).clocks}
    assert "major_opinion" in steps and "qa_reply" not in steps


def test_immediate_reports_for_class_c(policies: dict, calendars: dict) -> None:
    classified_at = shanghai(2025, 3, 3, 9, 5)
    events = [event("ComplaintReceived", MONDAY_9), event("ComplaintClassified", classified_at)]
    result = plan(policies, calendars, Classification("pharma-quality", "C"), events)
    (report,) = [n for n in result.notices if n.kind is NoticeKind.IMMEDIATE]
    assert report.send_at == classified_at
    assert report.roles == ("supervisor", "legal_representative")
    assert report.deadline_id is None
    class_a = plan(policies, calendars, Classification("pharma-quality", "A"), events)
    assert not [n for n in class_a.notices if n.kind is NoticeKind.IMMEDIATE]


def test_pharma_class_a_reply_due_at_the_end_of_the_third_day(
    policies: dict, calendars: dict
) -> None:
    events = [event("ComplaintReceived", MONDAY_9)]
    result = plan(policies, calendars, Classification("pharma-quality", "A"), events)
    assert result.clock("first_reply").due_at == shanghai(2025, 3, 7, 0, 0)


def test_a_step_done_before_its_clock_started_is_met_at_once(calendars: dict) -> None:
    policy = policy_from(
        """
policy_id: demo
defaults: {calendar: cn-mainland, notify: [complaint_desk]}
clocks:
  - step: reply
    limit: 2
    unit: working_days
    starts_on: [ComplaintClassified]
    stops_on: [ReplySent]
"""
    )
    events = [
        event("ComplaintReceived", MONDAY_9),
        event("ReplySent", shanghai(2025, 3, 3, 9, 30)),
        event("ComplaintClassified", shanghai(2025, 3, 3, 10, 0)),
    ]
    result = plan_complaint(
        policy, calendars, Classification("demo", "x"), events, complaint_id="c"
    )
    assert result.clock("reply").status is ClockStatus.MET
    assert result.notices == ()


def test_reopening_restarts_an_ended_clock(calendars: dict) -> None:
    policy = policy_from(
        """
policy_id: demo
defaults: {calendar: cn-mainland, notify: [complaint_desk]}
clocks:
  - step: reply
    limit: 8
    unit: working_hours
    starts_on: [ComplaintReceived, ComplaintReopened]
    stops_on: [ReplySent]
"""
    )
    events = [
        event("ComplaintReceived", MONDAY_9),
        event("ReplySent", shanghai(2025, 3, 3, 11, 0)),
        event("ComplaintReopened", shanghai(2025, 3, 10, 9, 0)),
    ]
    result = plan_complaint(
        policy, calendars, Classification("demo", "x"), events, complaint_id="c"
    )
    state = result.clock("reply")
    assert (state.cycle, state.status) == (2, ClockStatus.RUNNING)
    assert state.due_at == shanghai(2025, 3, 11, 9, 30)


def test_capa_rounds_from_events(policies: dict, calendars: dict) -> None:
    events = [
        event("ComplaintReceived", MONDAY_9),
        event("ComplaintResolved", shanghai(2025, 3, 5, 9, 0)),
        event("CapaVerified", shanghai(2025, 3, 10, 9, 0)),
    ]
    result = plan(policies, calendars, Classification("manufacturing-quality", "A"), events)
    capa = result.clock("capa_verification")
    assert (capa.round, capa.due_at) == (2, shanghai(2025, 4, 11, 0, 0))
    assert {n.round for n in result.notices if n.step == "capa_verification"} == {2}


def progress_case(policies: dict, calendars: dict):
    incident = Classification("telecom-network", "critical", flags=frozenset({"network_incident"}))
    classified_at = shanghai(2025, 3, 3, 22, 0)
    events = [
        event("ComplaintReceived", classified_at),
        event("ComplaintClassified", classified_at),
    ]
    result = plan(policies, calendars, incident, events)
    policy: DeadlinePolicy = policies["telecom-network"]
    return result, policy.clock("incident_progress"), calendars["always"], classified_at


def test_progress_notices_every_thirty_minutes(policies: dict, calendars: dict) -> None:
    result, spec, always, start = progress_case(policies, calendars)
    (first,) = [n for n in result.notices if n.kind is NoticeKind.PROGRESS]
    assert (first.level, first.send_at) == (1, start + timedelta(minutes=30))
    state = result.clock("incident_progress")
    due = notices_due(state, spec, always, start + timedelta(minutes=95))
    assert [(n.kind, n.level) for n in due] == [(NoticeKind.PROGRESS, 3)]
    following = next_progress_notice(state, spec, always, start + timedelta(minutes=95))
    assert following is not None
    assert (following.level, following.send_at) == (4, start + timedelta(minutes=120))
    assert following.roles == ("network_operations_center",)


def test_progress_stops_when_the_clock_stops(policies: dict, calendars: dict) -> None:
    _, spec, always, start = progress_case(policies, calendars)
    closed = plan(
        policies,
        calendars,
        Classification("telecom-network", "critical", flags=frozenset({"network_incident"})),
        [event("ComplaintClassified", start), event("ComplaintClosed", start + timedelta(hours=1))],
    )
    state = closed.clock("incident_progress")
    assert notices_due(state, spec, always, start + timedelta(hours=5)) == []
    assert next_progress_notice(state, spec, always, start) is None


def test_notices_due_by_now(policies: dict, calendars: dict, cn: BusinessCalendar) -> None:
    events = [event("ComplaintReceived", MONDAY_9), event("ComplaintAssigned", MONDAY_9)]
    result = plan(policies, calendars, MANUFACTURING_B, events)
    state, spec = result.clock("qa_reply"), policies["manufacturing-quality"].clock("qa_reply")
    assert notices_due(state, spec, cn, shanghai(2025, 3, 3, 16, 29)) == []
    assert [n.kind for n in notices_due(state, spec, cn, shanghai(2025, 3, 3, 16, 30))] == [
        NoticeKind.REMINDER
    ]
    at_breach = notices_due(state, spec, cn, shanghai(2025, 3, 4, 9, 30))
    assert [(n.kind, n.level) for n in at_breach] == [
        (NoticeKind.REMINDER, 0),
        (NoticeKind.BREACH, 0),
        (NoticeKind.ESCALATION, 1),
    ]


def test_transitions_come_out_in_time_order(policies: dict, calendars: dict) -> None:
    events = [
        event("ComplaintReceived", MONDAY_9),
        event("ComplaintAssigned", shanghai(2025, 3, 3, 10, 0)),
        event("ReplySent", shanghai(2025, 3, 3, 11, 0)),
    ]
    result = plan(policies, calendars, MANUFACTURING_B, events)
    times = [transition.at for transition in result.transitions]
    assert times == sorted(times)
    assert {t.kind for t in result.transitions} == {TransitionKind.STARTED, TransitionKind.MET}


def test_ids_do_not_depend_on_the_zone_times_come_in(policies: dict, calendars: dict) -> None:
    def events_in(zone) -> list:
        return [
            event("ComplaintReceived", MONDAY_9.astimezone(zone)),
            event("ComplaintAssigned", MONDAY_9.astimezone(zone)),
            event("ComplaintClassified", MONDAY_9.astimezone(zone)),
        ]

    classification = Classification("manufacturing-quality", "A", flags=frozenset({"media"}))
    in_utc = plan(policies, calendars, classification, events_in(UTC))
    in_shanghai = plan(policies, calendars, classification, events_in(MONDAY_9.tzinfo))
    assert [n.notice_id for n in in_utc.notices] == [n.notice_id for n in in_shanghai.notices]
    assert len(in_utc.notices) > 5


def test_an_immediate_report_on_the_second_rejected_reply(policies: dict, calendars: dict) -> None:
    telecom = Classification("telecom-network", "low")
    once = [
        event("ComplaintReceived", MONDAY_9),
        event("ReplyRejected", shanghai(2025, 3, 4, 9, 0)),
    ]
    twice = [*once, event("ReplyRejected", shanghai(2025, 3, 6, 9, 0))]

    def reports(events: list) -> list:
        result = plan(policies, calendars, telecom, events)
        return [n for n in result.notices if n.step == "second_rejection"]

    assert reports(once) == []
    (report,) = reports(twice)
    assert report.send_at == shanghai(2025, 3, 6, 9, 0)
    assert report.roles == ("sales_manager", "complaint_desk")


def steps(policies: dict, calendars: dict, classification: Classification) -> set[str]:
    events = [
        event("ComplaintReceived", MONDAY_9),
        event("ComplaintClassified", MONDAY_9),
        event("ComplaintAssigned", MONDAY_9),
    ]
    result = plan(policies, calendars, classification, events)
    return {state.step for state in result.clocks} | {n.step for n in result.notices}


def test_preset_conditions_on_the_classifiers_names(policies: dict, calendars: dict) -> None:
    misuse = Classification("manufacturing-quality", "C", flags=frozenset({"possible_misuse"}))
    assert "misuse_explanation" in steps(policies, calendars, misuse)
    assert "misuse_explanation" not in steps(policies, calendars, MANUFACTURING_B)
    signal = Classification("telecom-network", "medium", category="poor_signal")
    handset = Classification("telecom-network", "medium", category="handset")
    assert "fault_location" in steps(policies, calendars, signal)
    assert "fault_location" not in steps(policies, calendars, handset)
    urgent = Classification("public-regulator", "urgent", acceptance="accept")
    flagged = Classification(
        "public-regulator", "general", flags=frozenset({"needs_leader_review"})
    )
    plain = Classification("public-regulator", "general", acceptance="accept")
    assert "leader_review" in steps(policies, calendars, urgent)
    assert "leader_review" in steps(policies, calendars, flagged)
    assert "leader_review" not in steps(policies, calendars, plain)
    death = Classification("hospital", "critical", flags=frozenset({"death"}))
    assert "serious_incident_report" in steps(policies, calendars, death)
