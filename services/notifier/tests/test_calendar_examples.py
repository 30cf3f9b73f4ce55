"""Deadline arithmetic on the shipped calendars, case by case (Asia/Shanghai wall-clock times)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from complaint_notifier.domain import BusinessCalendar, Unit, add_months
from services.notifier.tests.support import berlin_office, night_shift, shanghai

pytestmark = pytest.mark.unit


def test_working_hours_skip_the_lunch_break(cn: BusinessCalendar) -> None:
    due = cn.add(shanghai(2025, 3, 3, 11, 30), 1, Unit.WORKING_HOURS)
    assert due == shanghai(2025, 3, 3, 14, 0)
    assert due.tzinfo is UTC


def test_working_hours_run_into_a_make_up_sunday(cn: BusinessCalendar) -> None:
    # Friday 24 January 2025 17:00; Sunday 26 January is a 调休 working day.
    friday = shanghai(2025, 1, 24, 17, 0)
    assert cn.add(friday, 1, Unit.WORKING_HOURS) == shanghai(2025, 1, 26, 9, 0)
    assert cn.add(friday, 8, Unit.WORKING_HOURS) == shanghai(2025, 1, 26, 17, 30)


def test_working_hours_jump_over_the_spring_festival(cn: BusinessCalendar) -> None:
    # Monday 27 January 2025 is the last working day before 28 Jan - 4 Feb.
    due = cn.add(shanghai(2025, 1, 27, 16, 30), 4, Unit.WORKING_HOURS)
    assert due == shanghai(2025, 2, 5, 11, 30)


def test_eight_working_hours_from_the_morning_end_at_the_close_of_the_next_day(
    cn: BusinessCalendar,
) -> None:
    # A day has 7.5 working hours (08:30-12:00, 13:30-17:30).
    assert cn.add(shanghai(2025, 3, 3, 8, 30), 7.5, Unit.WORKING_HOURS) == shanghai(
        2025, 3, 3, 17, 30
    )
    assert cn.add(shanghai(2025, 3, 3, 8, 30), 8, Unit.WORKING_HOURS) == shanghai(2025, 3, 4, 9, 0)


def test_working_days_end_at_the_close_of_the_last_day_and_skip_national_day(
    cn: BusinessCalendar,
) -> None:
    # Tuesday 30 September 2025; 1-8 October are holidays; Saturday 11 October is worked.
    start = shanghai(2025, 9, 30, 10, 0)
    assert cn.add(start, 1, Unit.WORKING_DAYS) == shanghai(2025, 10, 9, 17, 30)
    assert cn.add(start, 3, Unit.WORKING_DAYS) == shanghai(2025, 10, 11, 17, 30)


def test_seven_working_days_after_receipt_on_a_saturday(cn: BusinessCalendar) -> None:
    # SAMR: the day of receipt is not counted; received Saturday 8 March 2025.
    assert cn.add(shanghai(2025, 3, 8, 15, 0), 7, Unit.WORKING_DAYS) == shanghai(
        2025, 3, 18, 17, 30
    )


def test_calendar_days_end_at_midnight_and_extend_over_holidays(cn: BusinessCalendar) -> None:
    # Hospital: reply within 7 days, 节假日顺延. Friday 26 Sept 2025 + 7 days = 3 October.
    # cn-mainland extends day periods by default (Civil Code art. 203); a clock may opt out.
    start = shanghai(2025, 9, 26, 10, 0)
    assert cn.add(start, 7, Unit.DAYS, extend_over_holidays=False) == shanghai(2025, 10, 4, 0, 0)
    assert cn.add(start, 7, Unit.DAYS, extend_over_holidays=True) == shanghai(2025, 10, 10, 0, 0)
    assert cn.add(start, 7, Unit.DAYS) == shanghai(2025, 10, 10, 0, 0)


def test_a_day_due_on_a_working_day_is_not_extended(cn: BusinessCalendar) -> None:
    start = shanghai(2025, 3, 3, 10, 0)
    assert cn.add(start, 3, Unit.DAYS, extend_over_holidays=True) == shanghai(2025, 3, 7, 0, 0)


def test_hours_extend_to_the_same_time_on_the_next_working_day(cn: BusinessCalendar) -> None:
    # 24 hours from Friday 7 March 2025 10:00 is Saturday 10:00 → Monday 10:00.
    start = shanghai(2025, 3, 7, 10, 0)
    assert cn.add(start, 24, Unit.HOURS) == shanghai(2025, 3, 8, 10, 0)
    assert cn.add(start, 24, Unit.HOURS, extend_over_holidays=True) == shanghai(2025, 3, 10, 10, 0)


def test_weeks_and_months(cn: BusinessCalendar) -> None:
    start = shanghai(2025, 1, 31, 9, 0)
    assert cn.add(start, 1, Unit.WEEKS) == shanghai(2025, 2, 8, 0, 0)
    assert cn.add(start, 1, Unit.MONTHS) == shanghai(2025, 3, 1, 0, 0)  # end of 28 February
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)


def test_immediately_and_zero_are_the_start(cn: BusinessCalendar) -> None:
    start = shanghai(2025, 3, 8, 23, 0)
    assert cn.add(start, 0, Unit.IMMEDIATELY) == start
    assert cn.add(start, 0, Unit.WORKING_DAYS) == start


def test_minutes_are_elapsed_time(cn: BusinessCalendar) -> None:
    assert cn.add(shanghai(2025, 3, 8, 23, 50), 30, Unit.MINUTES) == shanghai(2025, 3, 9, 0, 20)


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(-1, Unit.HOURS), (1.5, Unit.WORKING_DAYS), (0.5, Unit.MONTHS), (float("nan"), Unit.DAYS)],
)
def test_impossible_amounts_are_refused(cn: BusinessCalendar, amount: float, unit: Unit) -> None:
    with pytest.raises(ValueError):
        cn.add(shanghai(2025, 3, 3, 9, 0), amount, unit)


def test_naive_datetimes_are_refused(cn: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cn.add(datetime(2025, 3, 3, 9, 0), 1, Unit.HOURS)


def test_is_working_time_and_next_working_time(cn: BusinessCalendar) -> None:
    assert cn.is_working_time(shanghai(2025, 3, 3, 8, 30))
    assert not cn.is_working_time(shanghai(2025, 3, 3, 12, 0))
    assert not cn.is_working_time(shanghai(2025, 10, 1, 10, 0))
    assert cn.is_working_time(shanghai(2025, 9, 28, 10, 0))  # make-up Sunday
    assert cn.next_working_time(shanghai(2025, 3, 3, 12, 15)) == shanghai(2025, 3, 3, 13, 30)
    assert cn.next_working_time(shanghai(2025, 9, 30, 18, 0)) == shanghai(2025, 10, 9, 8, 30)
    inside = shanghai(2025, 3, 3, 9, 15)
    assert cn.next_working_time(inside) == inside


def test_working_time_between_counts_only_working_time(cn: BusinessCalendar) -> None:
    friday_evening, monday_noon = shanghai(2025, 3, 7, 17, 0), shanghai(2025, 3, 10, 12, 0)
    assert cn.working_time_between(friday_evening, monday_noon) == timedelta(hours=4)
    assert cn.working_time_between(monday_noon, friday_evening) == -timedelta(hours=4)


def test_working_time_between_across_years(cn: BusinessCalendar) -> None:
    start, end = shanghai(2025, 12, 31, 17, 0), shanghai(2026, 1, 5, 9, 30)
    # 31 Dec: 0.5 h; 1-3 January 2026 holidays; Sunday 4 January is worked (7.5 h); 5 Jan: 1 h.
    assert cn.working_time_between(start, end) == timedelta(hours=9)


def test_always_calendar_counts_working_time_as_elapsed(calendars: dict) -> None:
    always = calendars["always"]
    start = datetime(2025, 10, 1, 22, 0, tzinfo=UTC)
    assert always.add(start, 5, Unit.WORKING_HOURS) == start + timedelta(hours=5)
    assert always.add(start, 1, Unit.WORKING_DAYS) == datetime(2025, 10, 3, tzinfo=UTC)


def test_weekdays_utc_calendar(calendars: dict) -> None:
    weekdays = calendars["weekdays-utc"]
    friday = datetime(2025, 10, 3, 16, 0, tzinfo=UTC)
    assert weekdays.add(friday, 2, Unit.WORKING_HOURS) == datetime(2025, 10, 6, 10, 0, tzinfo=UTC)


def test_summer_time_days_have_real_lengths() -> None:
    berlin = berlin_office()
    # Sunday 30 March 2025 clocks go forward; the Monday after is a normal 8-hour day.
    friday = datetime(2025, 3, 28, 15, 0, tzinfo=UTC)  # 16:00 in Berlin (CET)
    assert berlin.add(friday, 3, Unit.WORKING_HOURS) == datetime(2025, 3, 31, 8, 0, tzinfo=UTC)
    assert berlin.add(friday, 1, Unit.WORKING_DAYS) == datetime(2025, 3, 31, 15, 0, tzinfo=UTC)


def test_a_shift_across_midnight_is_continuous() -> None:
    nights = night_shift()
    start = datetime(2025, 3, 3, 23, 0, tzinfo=UTC)  # Monday night
    assert nights.add(start, 2, Unit.WORKING_HOURS) == datetime(2025, 3, 4, 1, 0, tzinfo=UTC)
    assert nights.is_working_time(datetime(2025, 3, 4, 0, 0, tzinfo=UTC))


def test_a_calendar_covers_only_the_years_it_lists(cn: BusinessCalendar) -> None:
    assert cn.covers(date(2027, 6, 1))
    assert not cn.covers(date(2028, 1, 3))
    # Beyond its data the calendar still works, on weekly hours alone.
    assert cn.add(shanghai(2030, 1, 4, 17, 0), 1, Unit.WORKING_HOURS) == shanghai(2030, 1, 7, 9, 0)
