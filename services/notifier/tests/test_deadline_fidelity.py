"""Issue 18: pauses under holiday extension, Civil Code day periods, swapped clocks, delivery hours.

Every expected time below was worked out by hand from the rule and the 2026 State Council
holiday schedule (National Day 10-01..10-07, make-up 10-10; Spring Festival 02-15..02-23,
make-up 02-14 and 02-28).
"""

from datetime import timedelta

import pytest

from complaint_events import NoticeKind
from complaint_notifier.domain import Classification, ClockStatus, plan_complaint
from services.notifier.tests.support import calendar_from, event, policy_from, shanghai

pytestmark = pytest.mark.unit

HOSPITAL = Classification("hospital", "general", department="nursing_department")


def plan(policies: dict, calendars: dict, classification: Classification, events: list):
    policy = policies[classification.policy_id]
    return plan_complaint(policy, calendars, classification, events, complaint_id="c-18")


def midnight_ending(year: int, month: int, day: int):
    """24:00 of the given day in Shanghai."""
    return shanghai(year, month, day, 0, 0) + timedelta(days=1)


# -- 1. a paused clock with holiday extension ------------------------------------------------


def test_a_pause_before_national_day_extends_once(policies: dict, calendars: dict) -> None:
    # +7 days = 10-05 24:00; +1 paused day = 10-06 24:00, a holiday, so 10-08 24:00.
    events = [
        event("ComplaintReceived", shanghai(2026, 9, 28, 10, 0)),
        event("ClockPaused", shanghai(2026, 9, 29, 10, 0)),
        event("ClockResumed", shanghai(2026, 9, 30, 10, 0)),
    ]
    reply = plan(policies, calendars, HOSPITAL, events).clock("reply")
    assert reply.status is ClockStatus.RUNNING
    assert reply.due_at == midnight_ending(2026, 10, 8)


def test_a_ten_day_pause_over_spring_festival(policies: dict, calendars: dict) -> None:
    # +7 days = 02-16 24:00; +10 paused days = 02-26 24:00, a working Thursday.
    events = [
        event("ComplaintReceived", shanghai(2026, 2, 9, 10, 0)),
        event("ClockPaused", shanghai(2026, 2, 10, 10, 0)),
        event("ClockResumed", shanghai(2026, 2, 20, 10, 0)),
    ]
    reply = plan(policies, calendars, HOSPITAL, events).clock("reply")
    assert reply.due_at == midnight_ending(2026, 2, 26)


def test_unpaused_the_same_clock_extends_past_spring_festival(
    policies: dict, calendars: dict
) -> None:
    events = [event("ComplaintReceived", shanghai(2026, 2, 9, 10, 0))]
    reply = plan(policies, calendars, HOSPITAL, events).clock("reply")
    assert reply.due_at == midnight_ending(2026, 2, 24)  # 02-16 is a holiday until 02-23


def test_a_pause_that_lasts_past_the_due_keeps_the_time_left(
    policies: dict, calendars: dict
) -> None:
    # Paused 10-05 12:00 (12 h before the unextended due 10-05 24:00) until 10-09 09:00:
    # 10-09 21:00, a working Friday, no extension.
    events = [
        event("ComplaintReceived", shanghai(2026, 9, 28, 10, 0)),
        event("ClockPaused", shanghai(2026, 10, 5, 12, 0)),
        event("ClockResumed", shanghai(2026, 10, 9, 9, 0)),
    ]
    reply = plan(policies, calendars, HOSPITAL, events).clock("reply")
    assert reply.due_at == shanghai(2026, 10, 9, 21, 0)


def test_a_pause_within_the_extension_keeps_the_time_to_the_extended_due(
    policies: dict, calendars: dict
) -> None:
    # Unextended due 10-05 24:00 has passed at the pause (10-07 12:00), the extended 10-08 24:00
    # has not: 36 h are left, from 10-09 12:00 → 10-10 24:00, a make-up Saturday (no move).
    events = [
        event("ComplaintReceived", shanghai(2026, 9, 28, 10, 0)),
        event("ClockPaused", shanghai(2026, 10, 7, 12, 0)),
        event("ClockResumed", shanghai(2026, 10, 9, 12, 0)),
    ]
    reply = plan(policies, calendars, HOSPITAL, events).clock("reply")
    assert reply.due_at == midnight_ending(2026, 10, 10)


# -- 3. day periods ending on a holiday (Civil Code art. 203) ---------------------------------


def test_pharma_three_days_ending_in_national_day_extend(policies: dict, calendars: dict) -> None:
    events = [event("ComplaintReceived", shanghai(2026, 9, 29, 15, 0))]  # +3 = 10-02
    result = plan(policies, calendars, Classification("pharma-quality", "A"), events)
    assert result.clock("first_reply").due_at == midnight_ending(2026, 10, 8)


def test_retail_three_days_ending_in_spring_festival_extend(
    policies: dict, calendars: dict
) -> None:
    events = [event("ComplaintReceived", shanghai(2026, 2, 13, 11, 0))]  # +3 = 02-16
    result = plan(policies, calendars, Classification("retail-service", "class_3"), events)
    assert result.clock("resolution").due_at == midnight_ending(2026, 2, 24)


def test_a_period_ending_on_a_make_up_working_day_does_not_move(
    policies: dict, calendars: dict
) -> None:
    events = [event("ComplaintReceived", shanghai(2026, 2, 11, 9, 0))]  # +3 = Sat 02-14, worked
    result = plan(policies, calendars, Classification("pharma-quality", "A"), events)
    assert result.clock("first_reply").due_at == midnight_ending(2026, 2, 14)


def test_the_cn_mainland_calendar_states_the_civil_code_defaults(calendars: dict) -> None:
    rules = calendars["cn-mainland"].rules
    assert rules.extend_day_periods is True
    assert rules.end_of_day == "24:00"


def close_of_business_calendar(extend: bool = True):
    hours = ["08:30-12:00", "13:30-17:30"]
    return calendar_from(
        {
            "id": "shop",
            "timezone": "Asia/Shanghai",
            "working_hours": {d: hours for d in ("monday", "tuesday", "wednesday", "thursday")}
            | {"friday": hours},
            "holidays": {"2026-10-01": "National Day", "2026-10-02": "National Day"},
            "day_periods": {"extend_over_holidays": extend, "end_of_day": "close_of_business"},
        }
    )


def test_a_period_may_end_at_the_close_of_business() -> None:
    shop = close_of_business_calendar()
    due = shop.add(shanghai(2026, 9, 28, 10, 0), 2, "days")
    assert due == shanghai(2026, 9, 30, 17, 30)
    moved = shop.add(shanghai(2026, 9, 28, 10, 0), 3, "days")  # 10-01 → Monday 10-05 (no 调休)
    assert moved == shanghai(2026, 10, 5, 17, 30)


def test_a_calendar_without_extension_keeps_the_day() -> None:
    shop = close_of_business_calendar(extend=False)
    assert shop.add(shanghai(2026, 9, 28, 10, 0), 3, "days") == midnight_ending(2026, 10, 1)


def test_a_policy_option_overrides_the_calendar() -> None:
    policy = policy_from(
        """
policy_id: p
defaults: {calendar: shop, notify: [desk]}
clocks:
  - {step: keep, limit: 3, unit: days, starts_on: [ComplaintReceived],
     options: {extend_over_holidays: false, end_of_day: "24:00"}}
  - {step: follow, limit: 3, unit: days, starts_on: [ComplaintReceived]}
"""
    )
    received = [event("ComplaintReceived", shanghai(2026, 9, 28, 10, 0))]
    result = plan_complaint(
        policy,
        {"shop": close_of_business_calendar()},
        Classification("p", "x"),
        received,
        complaint_id="c",
    )
    assert result.clock("keep").due_at == midnight_ending(2026, 10, 1)
    assert result.clock("follow").due_at == shanghai(2026, 10, 5, 17, 30)


# -- 4a. a reclassification that swaps a clock keeps the paused time ---------------------------


def test_a_swapped_clock_keeps_the_time_paused_on_the_clock_it_replaces(
    policies: dict, calendars: dict
) -> None:
    # Class B's 10-working-day reply was paused two working days (Tue 09:00 → Thu 09:00);
    # reclassified C, the 3-working-day reply counts from receipt minus that pause:
    # Thu 03-06 17:30 + the 22 working hours left at the pause → Mon 03-10 17:30.
    events = [
        event("ComplaintReceived", shanghai(2025, 3, 3, 9, 0)),
        event("ClockPaused", shanghai(2025, 3, 4, 9, 0), step="investigation_reply"),
        event("ClockResumed", shanghai(2025, 3, 6, 9, 0), step="investigation_reply"),
    ]
    result = plan(policies, calendars, Classification("pharma-quality", "C"), events)
    assert result.clock("final_reply").due_at == shanghai(2025, 3, 10, 17, 30)


def test_a_swapped_clock_stays_paused_while_its_predecessor_is(
    policies: dict, calendars: dict
) -> None:
    events = [
        event("ComplaintReceived", shanghai(2025, 3, 3, 9, 0)),
        event("ClockPaused", shanghai(2025, 3, 4, 9, 0), step="reply"),
    ]
    dispute = Classification("hospital", "serious", flags=frozenset({"medical_dispute"}))
    result = plan(policies, calendars, dispute, events)
    assert result.clock("medical_dispute_reply").status is ClockStatus.PAUSED


# -- 4b. notices to people arrive in working hours ---------------------------------------------


def test_a_breach_at_midnight_is_delivered_at_the_next_start_of_work(
    policies: dict, calendars: dict
) -> None:
    events = [event("ComplaintReceived", shanghai(2026, 9, 28, 10, 0))]
    notices = plan(policies, calendars, HOSPITAL, events).notices
    (breach,) = [n for n in notices if n.step == "reply" and n.kind is NoticeKind.BREACH]
    assert breach.falls_due_at == midnight_ending(2026, 10, 8)
    assert breach.send_at == shanghai(2026, 10, 9, 8, 30)


def test_a_reminder_on_a_holiday_waits_for_the_first_working_day(
    policies: dict, calendars: dict
) -> None:
    # Pharma A, 3 days from 2026-02-12 09:00 → 02-15, extended to 02-24 24:00; the reminder at
    # three quarters of the window falls in Spring Festival and goes out on 02-24 at 08:30.
    events = [event("ComplaintReceived", shanghai(2026, 2, 12, 9, 0))]
    notices = plan(policies, calendars, Classification("pharma-quality", "A"), events).notices
    (reminder,) = [n for n in notices if n.kind is NoticeKind.REMINDER]
    assert reminder.falls_due_at is not None
    assert not calendars["cn-mainland"].is_working_day(
        reminder.falls_due_at.astimezone(shanghai(2026, 1, 1).tzinfo).date()
    )
    assert reminder.send_at == shanghai(2026, 2, 24, 8, 30)


def test_the_presets_mark_what_goes_at_once(policies: dict) -> None:
    pharma = policies["pharma-quality"].delivery
    assert pharma.at_once_when.matches(Classification("pharma-quality", "C"))
    assert not pharma.at_once_when.matches(Classification("pharma-quality", "B"))
    for policy_id, flag in (("hospital", "injury"), ("retail-service", "injury")):
        flagged = Classification(policy_id, "x", flags=frozenset({flag}))
        assert policies[policy_id].delivery.at_once_when.matches(flagged)
    for policy_id in ("hospital", "manufacturing-quality", "retail-service", "public-regulator"):
        media = Classification(policy_id, "x", flags=frozenset({"media"}))
        assert policies[policy_id].delivery.at_once_when.matches(media)


def test_injury_and_media_go_at_once(policies: dict, calendars: dict) -> None:
    events = [event("ComplaintReceived", shanghai(2026, 9, 28, 10, 0))]
    injured = Classification("hospital", "serious", flags=frozenset({"injury"}))
    (breach,) = [
        n
        for n in plan(policies, calendars, injured, events).notices
        if n.step == "reply" and n.kind is NoticeKind.BREACH
    ]
    assert breach.send_at == midnight_ending(2026, 10, 8)


def test_a_notice_in_working_hours_is_not_moved(policies: dict, calendars: dict) -> None:
    events = [event("ComplaintReceived", shanghai(2025, 3, 3, 9, 0))]
    notices = plan(policies, calendars, Classification("pharma-quality", "B"), events).notices
    (breach,) = [n for n in notices if n.step == "acknowledgement" and n.kind is NoticeKind.BREACH]
    assert breach.send_at == breach.falls_due_at == shanghai(2025, 3, 4, 17, 30)


def test_a_notice_held_then_made_urgent_is_planned_anew(policies: dict, calendars: dict) -> None:
    events = [event("ComplaintReceived", shanghai(2026, 9, 28, 10, 0))]
    injured = Classification("hospital", "general", flags=frozenset({"injury"}))

    def breach(classification: Classification):
        notices = plan(policies, calendars, classification, events).notices
        return next(n for n in notices if n.step == "reply" and n.kind is NoticeKind.BREACH)

    held, urgent = breach(HOSPITAL), breach(injured)
    assert held.notice_id != urgent.notice_id
    assert (held.send_at, urgent.send_at) == (shanghai(2026, 10, 9, 8, 30), urgent.falls_due_at)
    assert held.notice_id == breach(HOSPITAL).notice_id
