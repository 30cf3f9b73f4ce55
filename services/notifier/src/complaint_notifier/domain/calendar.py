"""Business calendars and the deadline arithmetic done on them.

Counting rules (after the PRC Civil Code, arts. 201-203, which the sources' procedures follow):
- minutes, hours: elapsed time.
- working_hours: working time only (nights, lunch breaks, weekends and holidays do not count).
- days, weeks, months, working_days: the start day is not counted; the deadline is the end of
  the last day, 24:00 for calendar days and the close of work for working days. An instant at
  exactly midnight belongs to the day it ends, so that adding a then b equals adding a + b.
- art. 203, as the calendar's `day_periods` say (each clock may override): a period in days,
  weeks or months whose last day is not a working day ends on the next working day, and the
  last day ends at 24:00 or at the close of business.
Arithmetic happens in the calendar's time zone; results are returned in UTC.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .calendar_tables import (
    MAX_YEARS_SEARCHED,
    MICROSECOND,
    DayHours,
    YearTables,
    from_micros,
    to_micros,
)
from .units import Unit, check_amount

CALENDAR_DAY_UNITS = frozenset({Unit.DAYS, Unit.WEEKS, Unit.MONTHS})

NO_HOURS = DayHours(())
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000


class EndOfDay(StrEnum):
    """When the last day of a period in days, weeks or months ends (Civil Code art. 203)."""

    MIDNIGHT = "24:00"
    CLOSE_OF_BUSINESS = "close_of_business"


@dataclass(frozen=True)
class CalendarRules:
    """What a calendar file says: the weekly hours and the dated exceptions to them."""

    calendar_id: str
    timezone: ZoneInfo
    weekly: tuple[DayHours, ...]
    """Seven entries, Monday first."""
    holidays: Mapping[date, str]
    make_up_days: Mapping[date, str]
    """Days that are worked although the week says they are not (China's 调休)."""
    make_up_hours: DayHours
    name: str = ""
    first_year: int | None = None
    last_year: int | None = None
    provisional_years: frozenset[int] = frozenset()
    extend_day_periods: bool = False
    """A period in days, weeks or months ending on a non-working day ends on the next one."""
    end_of_day: EndOfDay = EndOfDay.MIDNIGHT

    def hours_of(self, day: date) -> DayHours:
        if day in self.make_up_days:
            return self.make_up_hours
        if day in self.holidays:
            return NO_HOURS
        return self.weekly[day.weekday()]


class BusinessCalendar:
    def __init__(self, rules: CalendarRules) -> None:
        if not any(hours.intervals for hours in rules.weekly):
            raise ValueError(f"calendar {rules.calendar_id!r} has no working hours in its week")
        self.rules = rules
        self._tables = YearTables(rules.timezone, rules.hours_of)

    @property
    def calendar_id(self) -> str:
        return self.rules.calendar_id

    @property
    def timezone(self) -> ZoneInfo:
        return self.rules.timezone

    def covers(self, day: date) -> bool:
        """Whether the file lists holidays for that day's year (outside it: weekly hours only)."""
        first, last = self.rules.first_year, self.rules.last_year
        return first is not None and last is not None and first <= day.year <= last

    def is_working_day(self, day: date) -> bool:
        return bool(self.rules.hours_of(day).intervals)

    def is_working_time(self, moment: datetime) -> bool:
        micros = to_micros(moment)
        return any(start <= micros < end for start, end in self._spans(self._local_date(micros)))

    def next_working_time(self, moment: datetime) -> datetime:
        """The moment itself when it is working time, else the next start of work."""
        micros = to_micros(moment)
        day = self._local_date(micros)
        for start, end in self._spans(day):
            if micros < end:
                return from_micros(max(micros, start))
        return from_micros(self._spans(self._working_day_after(day, 1))[0][0])

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from start to end; negative when end is before start."""
        start_year, start_position = self._position(to_micros(start))
        end_year, end_position = self._position(to_micros(end))
        whole_years = self._tables.totals(range(start_year, end_year)) - self._tables.totals(
            range(end_year, start_year)
        )
        return timedelta(microseconds=end_position - start_position + whole_years)

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of working time has passed since start (may be negative)."""
        return from_micros(self._shift(to_micros(start), amount // MICROSECOND))

    def add(
        self,
        start: datetime,
        amount: float,
        unit: Unit,
        *,
        extend_over_holidays: bool | None = None,
        end_of_day: EndOfDay | None = None,
    ) -> datetime:
        """The deadline `amount` `unit`s after start, in UTC.

        extend_over_holidays (节假日顺延): a deadline on a non-working day moves to the next
        working day (working units never land on one); None: the calendar's day_periods rule
        for days, weeks and months, no extension for minutes and hours. end_of_day: when the
        last day of days, weeks and months ends; None: the calendar's.
        """
        unit = Unit(unit)
        check_amount(amount, unit)
        micros = to_micros(start)
        if amount == 0 or unit is Unit.IMMEDIATELY:
            return start.astimezone(UTC)
        if unit is Unit.WORKING_HOURS:
            return from_micros(self._shift(micros, round(amount * HOUR_US)))
        if unit is Unit.WORKING_DAYS:
            last_day = self._working_day_after(self._counting_day(micros), int(amount))
            return from_micros(self._spans(last_day)[-1][1])
        if unit in (Unit.MINUTES, Unit.HOURS):
            per_unit = MINUTE_US if unit is Unit.MINUTES else HOUR_US
            due = from_micros(micros + round(amount * per_unit))
            return self.extend_to_working_day(due) if extend_over_holidays else due
        last_day = _add_calendar_days(self._counting_day(micros), int(amount), unit)
        if self.rules.extend_day_periods if extend_over_holidays is None else extend_over_holidays:
            last_day = self._first_working_day_from(last_day)
        return self.end_of(last_day, end_of_day)

    def extends(self, unit: Unit, extend_over_holidays: bool | None) -> bool:
        """Whether a due in `unit` moves off non-working days, with the clock's own option."""
        if extend_over_holidays is not None:
            return extend_over_holidays
        return self.rules.extend_day_periods and Unit(unit) in CALENDAR_DAY_UNITS

    def end_of(self, day: date, end_of_day: EndOfDay | None = None) -> datetime:
        """When `day` ends as the last day of a period: 24:00, or its close of business."""
        rule = self.rules.end_of_day if end_of_day is None else end_of_day
        spans = self._spans(day)
        if rule is EndOfDay.CLOSE_OF_BUSINESS and spans:
            return from_micros(spans[-1][1])
        return self._end_of_day(day)

    def delivery_time(self, moment: datetime) -> datetime:
        """When a notice falling due at `moment` reaches people working these hours: at once in
        working time (its close included), else at the next start of work."""
        if self.is_working_time(moment) or self.is_working_time(moment - MICROSECOND):
            return moment.astimezone(UTC)
        return self.next_working_time(moment)

    def extend_to_working_day(self, due: datetime) -> datetime:
        """节假日顺延: a due on a non-working day moves, same wall-clock time, to the next one.

        A due at exactly midnight is the end of the day before (24:00), and moves as such.
        """
        day = self._counting_day(to_micros(due))
        working_day = self._first_working_day_from(day)
        if working_day == day:
            return due.astimezone(UTC)
        zone = self.rules.timezone
        wall_offset = due.astimezone(zone).replace(tzinfo=None) - datetime.combine(day, time())
        moved = datetime.combine(working_day, time()) + wall_offset
        return moved.replace(tzinfo=zone).astimezone(UTC)

    # -- internals ---------------------------------------------------------------------------

    def _local_date(self, micros: int) -> date:
        return from_micros(micros).astimezone(self.rules.timezone).date()

    def _counting_day(self, micros: int) -> date:
        """The day an instant counts in for whole-day units; midnight ends the previous day."""
        return self._local_date(micros - 1)

    def _spans(self, day: date) -> tuple[tuple[int, int], ...]:
        table = self._tables[day.year]
        return table.spans[table.day_index(day)]

    def _end_of_day(self, day: date) -> datetime:
        next_midnight = datetime.combine(day + timedelta(days=1), time(), self.rules.timezone)
        return next_midnight.astimezone(UTC)

    def _position(self, micros: int) -> tuple[int, int]:
        day = self._local_date(micros)
        return day.year, self._tables[day.year].position(day, micros)

    def _shift(self, micros: int, amount: int) -> int:
        if amount == 0:
            return micros
        year, target = self._position(micros)
        target += amount
        for _ in range(MAX_YEARS_SEARCHED):
            total = self._tables[year].total
            if 0 < target <= total:
                return self._tables[year].locate(target)
            if target > total:
                target, year = target - total, year + 1
            else:
                year -= 1
                target += self._tables[year].total
        raise ValueError(f"no working time within {MAX_YEARS_SEARCHED} years")

    def _working_day_after(self, day: date, count: int) -> date:
        """The count-th working day after `day` (count ≥ 1)."""
        year, ordinal = day.year, day.toordinal()
        index = self._tables[year].working_days_after(ordinal)
        for _ in range(MAX_YEARS_SEARCHED):
            ordinals = self._tables[year].working_ordinals
            if index + count <= len(ordinals):
                return date.fromordinal(ordinals[index + count - 1])
            count -= len(ordinals) - index
            year, index = year + 1, 0
        raise ValueError(f"no working day within {MAX_YEARS_SEARCHED} years")

    def _first_working_day_from(self, day: date) -> date:
        if self.is_working_day(day):
            return day
        return self._working_day_after(day, 1)


def _add_calendar_days(day: date, amount: int, unit: Unit) -> date:
    if unit is Unit.DAYS:
        return day + timedelta(days=amount)
    if unit is Unit.WEEKS:
        return day + timedelta(weeks=amount)
    return add_months(day, amount)


def add_months(day: date, months: int) -> date:
    """Same day of the month `months` later; the month's last day when it has no such day."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    next_month_first = date(year + (month_index + 1) // 12, (month_index + 1) % 12 + 1, 1)
    last_day = (next_month_first - timedelta(days=1)).day
    return date(year, month_index + 1, min(day.day, last_day))
