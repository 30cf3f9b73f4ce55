"""Microbenchmark of BusinessCalendar.add on the shipped cn-mainland calendar.

Run: uv run python -m bench.notifier.bench_calendar
Prints microseconds per call for working_hours and working_days, short and long amounts, from
start times spread over 2025-2027 (year tables warm, as in a running service).
"""

import random
import timeit
from datetime import UTC, datetime, timedelta

from complaint_notifier.domain import Unit, load_calendar
from complaint_runtime import DATA_DIR

CALLS = 20_000
CASES = [
    (Unit.WORKING_HOURS, 8),
    (Unit.WORKING_HOURS, 1000),
    (Unit.WORKING_DAYS, 7),
    (Unit.WORKING_DAYS, 200),
    (Unit.DAYS, 7),
    (Unit.HOURS, 24),
]


def main() -> None:
    calendar = load_calendar(DATA_DIR / "calendars" / "cn-mainland.yaml")
    first_sum = timeit.timeit(
        lambda: calendar.add(datetime(2026, 6, 1, tzinfo=UTC), 8, Unit.WORKING_HOURS), number=1
    )
    print(f"first working-time sum of a year (builds its table): {first_sum * 1e3:.2f} ms")
    rng = random.Random(7)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60)) for _ in range(CALLS)]
    for start in starts[:50]:  # build the year tables the service would have built
        calendar.add(start, 2000, Unit.WORKING_HOURS)
    print(f"cn-mainland, {CALLS} calls each, start times random over 2025-2027")
    for unit, amount in CASES:
        seconds = timeit.timeit(
            lambda unit=unit, amount=amount: [calendar.add(s, amount, unit) for s in starts],
            number=1,
        )
        print(f"  add({amount:>5} {unit.value:<13}) {seconds / CALLS * 1e6:6.2f} µs per call")
    between = timeit.timeit(
        lambda: [calendar.working_time_between(s, s + timedelta(days=40)) for s in starts],
        number=1,
    )
    print(f"  working_time_between(40 days) {between / CALLS * 1e6:6.2f} µs per call")


if __name__ == "__main__":
    main()
