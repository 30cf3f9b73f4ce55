"""Time as a clock counts it: working time for working units, elapsed time for the others."""

from datetime import datetime, timedelta

from .calendar import BusinessCalendar, EndOfDay
from .units import WORKING_UNITS, Duration, Unit


def counts_working_time(unit: Unit) -> bool:
    return unit in WORKING_UNITS


def counted_between(
    calendar: BusinessCalendar, unit: Unit, start: datetime, end: datetime
) -> timedelta:
    if counts_working_time(unit):
        return calendar.working_time_between(start, end)
    return end - start


def shift(calendar: BusinessCalendar, unit: Unit, moment: datetime, amount: timedelta) -> datetime:
    """The moment `amount` of counted time after (or before, if negative) `moment`."""
    if counts_working_time(unit):
        return calendar.add_working_time(moment, amount)
    return moment + amount


def due_after(
    calendar: BusinessCalendar,
    start: datetime,
    limit: Duration,
    *,
    extend_over_holidays: bool | None,
    end_of_day: EndOfDay | None = None,
) -> datetime:
    return calendar.add(
        start,
        limit.amount,
        limit.unit,
        extend_over_holidays=extend_over_holidays,
        end_of_day=end_of_day,
    )


def clock_start(
    calendar: BusinessCalendar, at: datetime, *, start_next_working_time: bool
) -> datetime:
    return calendar.next_working_time(at) if start_next_working_time else at
