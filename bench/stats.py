"""Pure arithmetic of the report: percentiles of latencies (some never observed), rates."""

from __future__ import annotations

import math
from collections.abc import Sequence

QUANTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))


def nearest_rank(ordered: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of sorted samples (no interpolation: a value that was
    really observed, or inf for a complaint that never arrived)."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def latency_summary(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """p50/p95/p99/max in milliseconds. A sample of inf is a complaint not archived by the
    end of the wait: it counts (ranks last) and a percentile that lands on it is None."""
    ordered = sorted(seconds)
    summary: dict[str, float | int | None] = {"samples": len(ordered)}
    for name, share in (*QUANTILES, ("max", 1.0)):
        summary[f"{name}_ms"] = _millis(nearest_rank(ordered, share))
    summary["missing"] = sum(1 for value in ordered if math.isinf(value))
    return summary


def _millis(value: float) -> float | None:
    if math.isinf(value) or math.isnan(value):
        return None
    return round(value * 1000, 1)


def steady_rate(
    samples: Sequence[tuple[float, int]], total: int, low: float = 0.1, high: float = 0.9
) -> float | None:
    """Items per second of a stage between the moments it had done `low` and `high` of its
    work, from (time, done so far) samples: its rate once started and before its tail. Its
    work is `total`, or what it got done when it never finished (then it had a backlog all
    along, and this is its rate under saturation)."""
    done = min(total, samples[-1][1]) if samples else 0
    if done <= 0:
        return None
    start = _first_reaching(samples, low * done)
    end = _first_reaching(samples, high * done)
    if start is None or end is None or end[0] <= start[0]:
        return None
    return round((end[1] - start[1]) / (end[0] - start[0]), 1)


def _first_reaching(samples: Sequence[tuple[float, int]], count: float) -> tuple[float, int] | None:
    return next(((at, done) for at, done in samples if done >= count), None)


def first_passing(
    positions: dict[str, tuple[int, int]], samples: Sequence[tuple[float, dict[int, int]]]
) -> dict[str, float]:
    """When each item was first seen passed: `positions` maps an item to its (partition,
    offset); `samples` are (time, committed offset per partition) in time order, and an item
    is passed once its partition's committed offset is beyond its own (Kafka's next-to-read)."""
    passed: dict[str, float] = {}
    by_partition: dict[int, list[tuple[int, str]]] = {}
    for item, (partition, offset) in positions.items():
        by_partition.setdefault(partition, []).append((offset, item))
    for partition, waiting in by_partition.items():
        waiting.sort()
        index = 0
        for at, offsets in samples:
            committed = offsets.get(partition, -1)
            while index < len(waiting) and waiting[index][0] < committed:
                passed[waiting[index][1]] = at
                index += 1
    return passed
