"""The calendar file format (deploy/calendars/<id>.yaml) and its loaders."""

import re
from datetime import date
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PlainValidator, field_validator, model_validator

from .calendar import BusinessCalendar, CalendarRules, EndOfDay
from .calendar_tables import DayHours
from .files import DataFile, DataFileError, parse_file

_INTERVAL = re.compile(r"^(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})$")
MINUTES_PER_DAY = 24 * 60


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


def _minutes(hours: str, minutes: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(f"{hours}:{minutes} is not a time of day")
    return value


def _parse_interval(text: str) -> tuple[int, int]:
    match = _INTERVAL.match(text.strip())
    if match is None:
        raise ValueError(f'expected "HH:MM-HH:MM", got {text!r}')
    start, end = _minutes(*match.group(1, 2)), _minutes(*match.group(3, 4))
    if start >= end:
        raise ValueError(f"{text!r} ends before it starts")
    return start, end


def _parse_day(intervals: object) -> DayHours:
    if not isinstance(intervals, list) or not all(isinstance(text, str) for text in intervals):
        raise ValueError('expected a list of "HH:MM-HH:MM" intervals')
    parsed = sorted(_parse_interval(text) for text in intervals)
    for (_, end), (start, _) in pairwise(parsed):
        if start < end:
            raise ValueError(f"intervals overlap: {intervals}")
    return DayHours(tuple(parsed))


DayHoursField = Annotated[DayHours, PlainValidator(_parse_day)]


class DayPeriods(DataFile):
    """How periods in days, weeks and months end (PRC Civil Code art. 203)."""

    extend_over_holidays: bool = Field(
        default=False, description="A last day that is not a working day moves to the next one."
    )
    end_of_day: EndOfDay = Field(
        default=EndOfDay.MIDNIGHT, description='"24:00" or "close_of_business".'
    )


class CalendarFile(DataFile):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str = ""
    timezone: str
    working_hours: dict[Weekday, DayHoursField]
    make_up_day_hours: DayHoursField | None = Field(
        default=None, description="Hours of a make-up working day; Monday's when absent."
    )
    holidays: dict[date, str] = Field(default_factory=dict)
    make_up_working_days: dict[date, str] = Field(default_factory=dict)
    first_year: int | None = None
    last_year: int | None = None
    provisional_years: list[int] = Field(default_factory=list)
    day_periods: DayPeriods = DayPeriods()
    sources: list[str] = Field(default_factory=list)
    notes: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        both = sorted(set(self.holidays) & set(self.make_up_working_days))
        if both:
            raise ValueError(f"days both holiday and make-up working day: {both}")
        if (self.first_year is None) != (self.last_year is None):
            raise ValueError("first_year and last_year go together")
        return self

    def rules(self) -> CalendarRules:
        weekly = tuple(self.working_hours.get(day, DayHours(())) for day in Weekday)
        return CalendarRules(
            calendar_id=self.id,
            name=self.name,
            timezone=ZoneInfo(self.timezone),
            weekly=weekly,
            holidays=dict(self.holidays),
            make_up_days=dict(self.make_up_working_days),
            make_up_hours=self.make_up_day_hours or weekly[0],
            first_year=self.first_year,
            last_year=self.last_year,
            provisional_years=frozenset(self.provisional_years),
            extend_day_periods=self.day_periods.extend_over_holidays,
            end_of_day=self.day_periods.end_of_day,
        )


def load_calendar(path: Path) -> BusinessCalendar:
    calendar_file = parse_file(Path(path), CalendarFile)
    if calendar_file.id != Path(path).stem:
        raise DataFileError(Path(path), [f"id: {calendar_file.id!r} differs from the file name"])
    try:
        return BusinessCalendar(calendar_file.rules())
    except ValueError as error:
        raise DataFileError(Path(path), [f"working_hours: {error}"]) from error


def load_calendars(directory: Path) -> dict[str, BusinessCalendar]:
    """Every <id>.yaml in the directory, by id."""
    paths = sorted(Path(directory).glob("*.yaml"))
    if not paths:
        raise DataFileError(Path(directory), ["no calendar files (*.yaml)"])
    return {path.stem: load_calendar(path) for path in paths}
