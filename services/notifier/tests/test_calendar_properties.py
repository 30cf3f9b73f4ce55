"""Laws of the deadline arithmetic, checked on every shipped calendar and two odd ones."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_notifier.domain import BusinessCalendar, Unit, load_calendars
from complaint_runtime import DATA_DIR
from services.notifier.tests.support import berlin_office, night_shift

pytestmark = pytest.mark.unit

CALENDARS = {**load_calendars(DATA_DIR / "calendars")}
CALENDARS |= {"berlin-office": berlin_office(), "night-shift": night_shift()}
MICROSECOND = timedelta(microseconds=1)

calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
moments = st.datetimes(
    min_value=datetime(2024, 12, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
# Quarter hours are exact binary fractions, so sums of them are exact too.
working_hours = st.integers(min_value=0, max_value=4 * 400).map(lambda quarters: quarters / 4)
whole = st.integers(min_value=0, max_value=60)
additive_units = st.sampled_from(
    [Unit.MINUTES, Unit.HOURS, Unit.WORKING_HOURS, Unit.DAYS, Unit.WEEKS, Unit.WORKING_DAYS]
)
whole_day_units = st.sampled_from([Unit.DAYS, Unit.WEEKS, Unit.MONTHS, Unit.WORKING_DAYS])
all_units = st.sampled_from([unit for unit in Unit if unit is not Unit.IMMEDIATELY])


@given(calendars, moments, all_units)
def test_adding_zero_in_working_time_is_identity(
    calendar: BusinessCalendar, start: datetime, unit: Unit
) -> None:
    start = calendar.next_working_time(start)
    assert calendar.add(start, 0, unit) == start


@given(calendars, moments, working_hours.filter(lambda hours: hours > 0))
def test_working_hours_end_inside_working_time(
    calendar: BusinessCalendar, start: datetime, hours: float
) -> None:
    due = calendar.add(start, hours, Unit.WORKING_HOURS)
    assert calendar.is_working_time(due - MICROSECOND)
    assert calendar.is_working_day((due - MICROSECOND).astimezone(calendar.timezone).date())


@given(calendars, moments, whole.filter(lambda days: days > 0))
def test_working_days_end_at_the_close_of_a_working_day(
    calendar: BusinessCalendar, start: datetime, days: int
) -> None:
    due = calendar.add(start, days, Unit.WORKING_DAYS)
    last_moment = due - MICROSECOND
    assert calendar.is_working_time(last_moment)
    assert calendar.next_working_time(due) > due or calendar.is_working_time(due)
    assert last_moment.astimezone(calendar.timezone).date() > (
        (start - MICROSECOND).astimezone(calendar.timezone).date()
    )


@given(calendars, moments, working_hours)
def test_working_time_between_start_and_due_is_the_amount(
    calendar: BusinessCalendar, start: datetime, hours: float
) -> None:
    due = calendar.add(start, hours, Unit.WORKING_HOURS)
    assert calendar.working_time_between(start, due) == timedelta(hours=hours)


@given(calendars, moments, additive_units, whole, whole)
def test_adding_a_then_b_equals_adding_a_plus_b(
    calendar: BusinessCalendar, start: datetime, unit: Unit, a: int, b: int
) -> None:
    # Unextended: a holiday extension (Civil Code art. 203) applies to a period's end only.
    def add(moment: datetime, amount: int) -> datetime:
        return calendar.add(moment, amount, unit, extend_over_holidays=False)

    assert add(add(start, a), b) == add(start, a + b)


@given(calendars, moments, working_hours, working_hours)
def test_working_hours_add_up_in_quarters(
    calendar: BusinessCalendar, start: datetime, a: float, b: float
) -> None:
    unit = Unit.WORKING_HOURS
    assert calendar.add(calendar.add(start, a, unit), b, unit) == calendar.add(start, a + b, unit)


@given(calendars, moments, moments, all_units, whole)
def test_a_later_start_is_never_due_earlier(
    calendar: BusinessCalendar, one: datetime, other: datetime, unit: Unit, amount: int
) -> None:
    early, late = sorted((one, other))
    assert calendar.add(early, amount, unit) <= calendar.add(late, amount, unit)


@given(calendars, moments, moments, whole_day_units, whole)
def test_a_later_start_is_never_due_earlier_with_holiday_extension(
    calendar: BusinessCalendar, one: datetime, other: datetime, unit: Unit, amount: int
) -> None:
    # Whole-day units only: an extended 24-hour due keeps its wall-clock time, so two dues on
    # different holidays can swap order on the working day they both move to (documented).
    early, late = sorted((one, other))
    due_early = calendar.add(early, amount, unit, extend_over_holidays=True)
    assert due_early <= calendar.add(late, amount, unit, extend_over_holidays=True)


@given(calendars, moments, all_units, whole)
def test_extended_deadlines_fall_on_working_days(
    calendar: BusinessCalendar, start: datetime, unit: Unit, amount: int
) -> None:
    due = calendar.add(start, amount, unit, extend_over_holidays=True)
    if amount > 0:
        day = (due - MICROSECOND).astimezone(calendar.timezone).date()
        assert calendar.is_working_day(day)
        assert due >= calendar.add(start, amount, unit)


@given(calendars, moments, moments, moments)
def test_working_time_between_adds_up_over_consecutive_spans(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    between = calendar.working_time_between
    assert between(a, b) + between(b, c) == between(a, c)
    assert between(a, b) == -between(b, a)
    assert between(a, b) <= abs(b - a) if a <= b else True


@given(calendars, moments)
def test_next_working_time_is_the_first_working_moment(
    calendar: BusinessCalendar, moment: datetime
) -> None:
    found = calendar.next_working_time(moment)
    assert found >= moment
    assert calendar.is_working_time(found)
    assert calendar.working_time_between(moment, found) == timedelta(0)


@settings(max_examples=50)
@given(calendars, moments, st.integers(min_value=-(10**6), max_value=10**6))
def test_adding_working_time_backwards_and_forwards(
    calendar: BusinessCalendar, start: datetime, minutes: int
) -> None:
    amount = timedelta(minutes=minutes)
    moved = calendar.add_working_time(start, amount)
    assert calendar.working_time_between(start, moved) == amount
    if minutes != 0:
        assert calendar.is_working_time(moved - MICROSECOND) or calendar.is_working_time(moved)
