"""Per-year tables of a calendar's working intervals, built once and reused by every sum.

Instants are integers (microseconds since the Unix epoch, UTC) so that sums are exact; a year
table holds each local day's working intervals and the running total of working time before
each day, which lets deadline arithmetic jump over whole days and years with a binary search.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MICROSECOND = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_YEARS_SEARCHED = 200

Span = tuple[int, int]
"""A working interval [start, end) in epoch microseconds."""


def to_micros(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got {moment!r}")
    return (moment - EPOCH) // MICROSECOND


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


@dataclass(frozen=True)
class DayHours:
    """Working intervals of one local day as minutes after midnight, end exclusive (≤ 1440)."""

    intervals: tuple[tuple[int, int], ...]

    def spans(self, day: date, zone: ZoneInfo) -> tuple[Span, ...]:
        midnight = datetime.combine(day, time())
        spans = []
        for start, end in self.intervals:
            # Wall-clock arithmetic first, then the zone: 24:00 is the next midnight.
            begin = to_micros((midnight + timedelta(minutes=start)).replace(tzinfo=zone))
            finish = to_micros((midnight + timedelta(minutes=end)).replace(tzinfo=zone))
            if begin < finish:
                spans.append((begin, finish))
        return tuple(spans)


@dataclass(frozen=True)
class YearTable:
    first_ordinal: int
    spans: tuple[tuple[Span, ...], ...]
    before_day: tuple[int, ...]
    """Working microseconds in the year before each day; one more entry for the year's end."""
    working_ordinals: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.before_day[-1]

    def day_index(self, day: date) -> int:
        return day.toordinal() - self.first_ordinal

    def position(self, day: date, micros: int) -> int:
        """Working microseconds in the year before the instant `micros` on local `day`."""
        index = self.day_index(day)
        done = sum(min(max(micros - start, 0), end - start) for start, end in self.spans[index])
        return self.before_day[index] + done

    def locate(self, position: int) -> int:
        """The earliest instant by which `position` (0 < position ≤ total) has been worked."""
        index = bisect_left(self.before_day, position) - 1
        rest = position - self.before_day[index]
        for start, end in self.spans[index]:
            if rest <= end - start:
                return start + rest
            rest -= end - start
        raise AssertionError("position beyond the day's working time")

    def working_days_after(self, ordinal: int) -> int:
        """Index in `working_ordinals` of the first working day after the given day."""
        return bisect_right(self.working_ordinals, ordinal)


def build_year(year: int, zone: ZoneInfo, hours_of: Callable[[date], DayHours]) -> YearTable:
    first = date(year, 1, 1)
    days = [first + timedelta(days=offset) for offset in range((date(year + 1, 1, 1) - first).days)]
    spans = tuple(hours_of(day).spans(day, zone) for day in days)
    before_day = [0]
    for day_spans in spans:
        before_day.append(before_day[-1] + sum(end - start for start, end in day_spans))
    working = tuple(
        day.toordinal() for day, day_spans in zip(days, spans, strict=True) if day_spans
    )
    return YearTable(first.toordinal(), spans, tuple(before_day), working)


class YearTables:
    """Lazily built, cached year tables of one calendar."""

    def __init__(self, zone: ZoneInfo, hours_of: Callable[[date], DayHours]) -> None:
        self._zone = zone
        self._hours_of = hours_of
        self._years: dict[int, YearTable] = {}

    def __getitem__(self, year: int) -> YearTable:
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = build_year(year, self._zone, self._hours_of)
        return table

    def totals(self, years: range) -> int:
        return sum(self[year].total for year in years)

    def built(self) -> Mapping[int, YearTable]:
        return self._years
