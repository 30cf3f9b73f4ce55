"""Report arithmetic (DOMAIN §6): rates, Pareto shares, monthly tables, summary rows.

The database only counts (group by keys, `$sum: 1`); everything computed from the counts is
here, so it is the same on every server and tested without one.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .entries import Document

Count = Mapping[str, Any]  # {"key": {...group key...}, "n": int}
DIMENSIONS = ("category", "severity", "department")
UNKNOWN = "(none)"


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class MonthlyRow:
    month: str
    dimension: str
    value: str
    count: int


def monthly_counts(counts: Iterable[Count]) -> list[MonthlyRow]:
    """Counts by month and each dimension, from counts grouped by all dimensions at once."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for count in counts:
        key = count["key"]
        for dimension in DIMENSIONS:
            totals[(key["month"], dimension, key.get(dimension) or UNKNOWN)] += count["n"]
    return [
        MonthlyRow(month, dimension, value, n)
        for (month, dimension, value), n in sorted(totals.items())
    ]


def on_time_by_step(counts: Iterable[Count]) -> list[dict[str, Any]]:
    """Share of finished deadlines met on time, per step (cancelled and open ones left out)."""
    on_time: dict[str, int] = defaultdict(int)
    late: dict[str, int] = defaultdict(int)
    for count in counts:
        key = count["key"]
        if key.get("outcome") not in {"met", "breached"}:
            continue
        (on_time if key.get("on_time") else late)[key["step"]] += count["n"]
    return [
        {
            "step": step,
            "finished": on_time[step] + late[step],
            "on_time": on_time[step],
            "late": late[step],
            "on_time_rate": rate(on_time[step], on_time[step] + late[step]),
        }
        for step in sorted(on_time.keys() | late.keys())
    ]


def share_by_month(
    counts: Iterable[Count], field: str, hits: set[str], base: set[str] | None
) -> dict[str, Any]:
    """Per month (and overall): how many have `field` in `hits` among those in `base` (all
    when None) — the closure rate and the reply-accepted rate."""
    part: dict[str, int] = defaultdict(int)
    whole: dict[str, int] = defaultdict(int)
    for count in counts:
        month, value = count["key"]["month"], count["key"].get(field)
        if base is not None and value not in base:
            continue
        whole[month] += count["n"]
        if value in hits:
            part[month] += count["n"]
    months = [
        {"month": month, "count": part[month], "of": whole[month], "rate": rate(part[month], n)}
        for month, n in sorted(whole.items())
    ]
    total_part, total = sum(part.values()), sum(whole.values())
    return {"months": months, "count": total_part, "of": total, "rate": rate(total_part, total)}


def pareto(counts: Iterable[Count]) -> list[dict[str, Any]]:
    """Causes by falling frequency with their share and cumulative share (000·D6)."""
    by_cause: dict[str, int] = defaultdict(int)
    for count in counts:
        by_cause[count["key"].get("cause") or UNKNOWN] += count["n"]
    total = sum(by_cause.values())
    rows, running = [], 0
    for cause, n in sorted(by_cause.items(), key=lambda item: (-item[1], item[0])):
        running += n
        share, cumulative = rate(n, total), rate(running, total)
        rows.append({"cause": cause, "count": n, "share": share, "cumulative": cumulative})
    return rows


def annual_row(document: Document) -> dict[str, Any]:
    """One line of the annual summary of 000·D1 4.7: received date, product, batch, cause,
    measures taken."""
    record = document.get("record") or {}
    product = record.get("product") or {}
    resolution = document.get("resolution") or {}
    received = document.get("received_at")
    return {
        "number": document.get("number"),
        "received_date": received.date().isoformat() if received else None,
        "product": product.get("name"),
        "batch": product.get("batch"),
        "severity": document.get("severity"),
        "category": document.get("category"),
        "cause": resolution.get("cause"),
        "actions": "; ".join(resolution.get("actions") or []) or resolution.get("disposition"),
        "status": document.get("status"),
    }
