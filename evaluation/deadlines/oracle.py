"""An independent reckoning of due times: the rule written in the scenario, counted day by day on
the official holiday and make-up-day schedule as the `chinesecalendar` package has it.

Deliberately naive (a loop over days, no tables) and sharing no code with the notifier, so that
a fault in one does not hide in the other. Times are Beijing wall-clock times (no summer time).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar  # type: ignore[import-untyped]

OFFICE_HOURS = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
"""The cn-mainland calendar's working hours, Monday to Friday and on make-up working days."""
DAY = timedelta(days=1)
INSTANT = timedelta(microseconds=1)
CALENDAR_DAY_UNITS = {"days", "weeks", "months"}


@dataclass(frozen=True)
class Rule:
    """What the source says, as the scenario writes it (not as a policy file does)."""

    start: datetime
    count: int
    unit: str
    calendar: str = "cn-mainland"
    """cn-mainland (office hours, holidays) or always (24/7: elapsed time only)."""
    extend: bool = False
    """Civil Code art. 203 / 节假日顺延: a last day that is not a working day moves on."""
    next_working_time: bool = False
    pauses: tuple[tuple[datetime, datetime], ...] = ()


def is_working_day(day: date) -> bool:
    return bool(chinese_calendar.is_workday(day))


def spans(day: date) -> list[tuple[datetime, datetime]]:
    if not is_working_day(day):
        return []
    return [(datetime.combine(day, a), datetime.combine(day, b)) for a, b in OFFICE_HOURS]


def next_working_time(moment: datetime) -> datetime:
    day = moment.date()
    while True:
        for begin, end in spans(day):
            if moment < end:
                return max(moment, begin)
        day += DAY


def working_time_between(begin: datetime, end: datetime) -> timedelta:
    total, day = timedelta(0), begin.date()
    while day <= end.date():
        for a, b in spans(day):
            low, high = max(a, begin), min(b, end)
            if high > low:
                total += high - low
        day += DAY
    return total


def add_working_time(moment: datetime, amount: timedelta) -> datetime:
    """The first instant at which `amount` of working time has passed (a close of work, when
    it is used up exactly there)."""
    day = moment.date()
    while True:
        for a, b in spans(day):
            low = max(a, moment)
            if b <= low:
                continue
            if amount <= b - low:
                return low + amount
            amount -= b - low
        day += DAY


def nth_working_day_after(day: date, count: int) -> date:
    while count:
        day += DAY
        count -= is_working_day(day)
    return day


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def extended(due: datetime) -> datetime:
    """A due on a non-working day moves to the next working day, same wall-clock time (24:00
    stays 24:00)."""
    day = (due - INSTANT).date()
    moved = day
    while not is_working_day(moved):
        moved += DAY
    return due + (moved - day)


def due(rule: Rule) -> datetime:
    begin = next_working_time(rule.start) if rule.next_working_time else rule.start
    if rule.calendar == "always":
        return begin + timedelta(hours=rule.count) + sum(_paused(rule), timedelta(0))
    if rule.unit in CALENDAR_DAY_UNITS:
        counting_day = (begin - INSTANT).date()
        if rule.unit == "months":
            last = add_months(counting_day, rule.count)
        else:
            last = counting_day + DAY * rule.count * (7 if rule.unit == "weeks" else 1)
        raw = datetime.combine(last + DAY, time()) + sum(_paused(rule), timedelta(0))
        return extended(raw) if rule.extend else raw
    if rule.unit in ("hours", "minutes"):
        length = (
            timedelta(hours=rule.count) if rule.unit == "hours" else timedelta(minutes=rule.count)
        )
        raw = begin + length + sum(_paused(rule), timedelta(0))
        return extended(raw) if rule.extend else raw
    if rule.unit == "working_days":
        last = nth_working_day_after((begin - INSTANT).date(), rule.count)
        raw = spans(last)[-1][1]
    elif rule.unit == "working_hours":
        raw = add_working_time(begin, timedelta(hours=rule.count))
    else:
        raise ValueError(f"the oracle does not count {rule.unit}")
    for paused, resumed in rule.pauses:
        raw = add_working_time(raw, working_time_between(paused, resumed))
    return raw


def _paused(rule: Rule) -> list[timedelta]:
    return [resumed - paused for paused, resumed in rule.pauses]
