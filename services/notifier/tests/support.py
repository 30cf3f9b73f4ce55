"""Calendars built in code for tests, and a helper to write Shanghai wall-clock times."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from complaint_notifier.domain import BusinessCalendar, ComplaintEvent, DeadlinePolicy
from complaint_notifier.domain.calendar_file import CalendarFile
from complaint_notifier.domain.policy import resolve
from complaint_notifier.domain.policy_file import DeadlinePolicyFile

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def calendar_from(data: dict[str, Any]) -> BusinessCalendar:
    return BusinessCalendar(CalendarFile.model_validate(data).rules())


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def berlin_office() -> BusinessCalendar:
    """Weekdays with a lunch break in a zone with summer time, to exercise DST days."""
    return calendar_from(
        {
            "id": "berlin-office",
            "timezone": "Europe/Berlin",
            "working_hours": {day: ["08:00-12:00", "13:00-17:00"] for day in WEEKDAYS},
            "holidays": {"2025-12-25": "Christmas", "2026-04-03": "Good Friday"},
        }
    )


def night_shift() -> BusinessCalendar:
    """A calendar working across midnight (22:00-24:00 then 00:00-06:00) and on Saturday."""
    hours = {day: ["00:00-06:00", "22:00-24:00"] for day in (*WEEKDAYS, "saturday")}
    return calendar_from({"id": "night-shift", "timezone": "UTC", "working_hours": hours})


def policy_from(text: str) -> DeadlinePolicy:
    """A deadline policy from YAML text, defaults filled in as the loader does."""
    return resolve(DeadlinePolicyFile.model_validate(yaml.safe_load(text)))


def event(event_type: str, at: datetime, step: str | None = None) -> ComplaintEvent:
    return ComplaintEvent(event_type, at, step=step)
