"""Complaint numbers `TS-YYYYMMDD-NNNNNN`: a per-day sequence, unique and gap-tolerant."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

PREFIX = "TS"
MAX_SEQUENCE = 999_999
_NUMBER = re.compile(r"^TS-(\d{4})(\d{2})(\d{2})-(\d{6})$")


class NumbersExhausted(RuntimeError):
    """All one million numbers of a day are taken."""


def complaint_number(day: date, sequence: int) -> str:
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise NumbersExhausted(f"sequence {sequence} is outside 1..{MAX_SEQUENCE}")
    return f"{PREFIX}-{day:%Y%m%d}-{sequence:06d}"


def parse_complaint_number(text: str) -> tuple[date, int] | None:
    """(day, sequence) of a well-formed number, None for anything else."""
    found = _NUMBER.match(text)
    if not found:
        return None
    year, month, day, sequence = (int(part) for part in found.groups())
    try:
        return date(year, month, day), sequence
    except ValueError:
        return None


def number_day(instant: datetime, zone: ZoneInfo) -> date:
    """The day a complaint is numbered under: the calendar day of `instant` in `zone`."""
    return instant.astimezone(zone).date()
