"""Complaint numbers `TS-YYYYMMDD-NNNNNN`: a per-day sequence, unique and gap-tolerant."""

import re
from collections.abc import Awaitable, Callable
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


async def first_free(taken: Callable[[int], Awaitable[bool]], start: int = 1) -> int:
    """A sequence number after the last taken one, found with O(log n) probes.

    Gallops up from `start` until a free number, then bisects back to the first free one
    after a taken one. Numbers are claimed in ascending runs, so taken ones form (nearly) one
    prefix; a hole left below the run is harmless, because the caller's unique insert is what
    decides who owns a number and a collision just moves on.
    """
    if not await taken(start):
        return start
    low, step = start, 1  # low is taken
    while True:
        high = min(low + step, MAX_SEQUENCE + 1)
        if high > MAX_SEQUENCE or not await taken(high):
            break
        low, step = high, step * 2
    while high - low > 1:  # low taken, high free (or past the end)
        middle = (low + high) // 2
        if await taken(middle):
            low = middle
        else:
            high = middle
    return high
