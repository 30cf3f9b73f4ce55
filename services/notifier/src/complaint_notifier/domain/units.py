"""Deadline units and the "N unit" durations written in policy files."""

import math
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from complaint_events import DeadlineUnit as Unit

WORKING_UNITS = frozenset({Unit.WORKING_HOURS, Unit.WORKING_DAYS})
"""Units counted in working time: they skip nights, weekends and holidays."""

WHOLE_DAY_UNITS = frozenset({Unit.DAYS, Unit.WORKING_DAYS, Unit.WEEKS, Unit.MONTHS})
"""Units counted in whole days: the start day is not counted, the due is that day's end."""

_SINGULAR = {unit.value.removesuffix("s"): unit for unit in Unit if unit.value.endswith("s")}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z_]+)\s*$")


def parse_unit(text: str) -> Unit:
    """A unit by its name, singular or plural ("working_day", "hours")."""
    name = text.strip().lower()
    if name in _SINGULAR:
        return _SINGULAR[name]
    return Unit(name)


@dataclass(frozen=True)
class Duration:
    amount: float
    unit: Unit

    def __post_init__(self) -> None:
        check_amount(self.amount, self.unit)

    @classmethod
    def parse(cls, value: Any) -> "Duration":
        """From "4 working_hours", {"limit": 4, "unit": "working_hours"} or a Duration."""
        if isinstance(value, Duration):
            return value
        if isinstance(value, dict):
            return cls(float(value["limit"]), parse_unit(str(value["unit"])))
        if value == "immediately":
            return cls(0, Unit.IMMEDIATELY)
        match = _DURATION.match(str(value))
        if match is None:
            raise ValueError(f'expected "<number> <unit>", got {value!r}')
        return cls(float(match.group(1)), parse_unit(match.group(2)))

    def as_timedelta(self) -> timedelta:
        """Length of a duration in minutes or (working) hours."""
        if self.unit is Unit.MINUTES:
            return timedelta(minutes=self.amount)
        if self.unit in (Unit.HOURS, Unit.WORKING_HOURS):
            return timedelta(hours=self.amount)
        raise ValueError(f"{self.unit.value} has no fixed length")

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount.is_integer() else self.amount
        return f"{amount} {self.unit.value}"


def check_amount(amount: float, unit: Unit) -> None:
    """Refuse amounts a unit cannot count: negative, not finite, or a fraction of a day."""
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"amount must be a finite number >= 0, got {amount}")
    if unit in WHOLE_DAY_UNITS and not float(amount).is_integer():
        raise ValueError(f"{unit.value} counts whole days; {amount} is not a whole number")


def _parse_duration(value: Any) -> Duration:
    try:
        return Duration.parse(value)
    except (KeyError, TypeError) as error:
        raise ValueError(f"not a duration: {value!r}") from error


DurationField = Annotated[Duration, BeforeValidator(_parse_duration), PlainSerializer(str)]
"""A pydantic field that reads "4 working_hours"."""
