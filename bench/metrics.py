"""Where the time goes inside the services: their Prometheus `*_seconds` histograms (read from
the code's own metric names on `/metrics`, none written here), before and after a phase."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

Totals = dict[str, tuple[float, float]]  # series → (observations, seconds)


def histogram_totals(url: str) -> Totals:
    """Every `*_seconds` histogram series on a service's /metrics: its count and sum."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    totals: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        if family.type != "histogram" or "seconds" not in family.name:
            continue
        for sample in family.samples:
            kind = sample.name.rsplit("_", 1)[-1]
            if kind in ("count", "sum"):
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                series = totals.setdefault(f"{family.name}{{{labels}}}", [0.0, 0.0])
                series[0 if kind == "count" else 1] = sample.value
    return {series: (values[0], values[1]) for series, values in totals.items()}


def stage_times(before: Totals, after: Totals) -> dict[str, dict[str, Any]]:
    """What each series observed between the two readings: count, mean and total seconds."""
    spent = {}
    for series, (count, seconds) in after.items():
        count0, seconds0 = before.get(series, (0.0, 0.0))
        if count > count0:
            observed, total = count - count0, seconds - seconds0
            spent[series] = {
                "count": int(observed),
                "mean_ms": round(total / observed * 1000, 2),
                "total_s": round(total, 2),
            }
    return dict(sorted(spent.items(), key=lambda item: -item[1]["total_s"]))
