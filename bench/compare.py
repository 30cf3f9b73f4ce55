"""Several benchmark results side by side in one Markdown table (e.g. two MongoDB-protocol
servers, or two versions of the services): `python -m bench.compare A.json B.json [--out
report.md]`."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .report import _ms, _num

Row = tuple[str, Callable[[dict[str, Any]], str]]


def rows(results: list[dict[str, Any]]) -> list[Row]:
    """The comparable numbers: baselines, each offered rate, saturation, memory, timer lag."""
    found: list[Row] = [
        ("load average at start", lambda r: f"{r['machine']['load_average_at_start'][0]:.1f}"),
        ("Kafka round trip /s", lambda r: _num(_get(r, "baselines", "kafka", "round_trip_per_s"))),
        ("bulk inserts /s", lambda r: _num(_get(r, "baselines", "mongodb", "inserts_per_s"))),
    ]
    rates = sorted({p["offered_per_s"] for r in results for p in r.get("fixed_rates", [])})
    for rate in rates:
        found += [
            (f"{rate:g}/s: archived p50 / p99 ms", _at_rate(rate, _archived)),
            (f"{rate:g}/s: missing", _at_rate(rate, _missing)),
            (f"{rate:g}/s: scheduled / archived per s", _at_rate(rate, _slow_stages)),
        ]
    for stage in ("accepted", "classified", "scheduled", "archived"):
        found.append((f"saturation: {stage} /s", _saturated(stage)))
    found += [
        (
            "MongoDB server peak RSS MiB",
            lambda r: _num(_get(r, "saturation", "memory_peak_mib", "mongodb")),
        ),
        ("timer lag p50 / p99 ms (claimed)", _timer),
    ]
    return found


def _at_rate(
    rate: float, show: Callable[[dict[str, Any] | None], str]
) -> Callable[[dict[str, Any]], str]:
    return lambda result: show(_phase(result, rate))


def _saturated(stage: str) -> Callable[[dict[str, Any]], str]:
    return lambda result: _num(_get(result, "saturation", "rates_per_s", stage))


def _get(result: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        result = result.get(key) if isinstance(result, dict) else None  # type: ignore[assignment]
    return result


def _phase(result: dict[str, Any], rate: float) -> dict[str, Any] | None:
    return next((p for p in result.get("fixed_rates", []) if p["offered_per_s"] == rate), None)


def _archived(phase: dict[str, Any] | None) -> str:
    if phase is None or "latency" not in phase:
        return "–"
    archived = phase["latency"]["archived"]
    return f"{_ms(archived['p50_ms'])} / {_ms(archived['p99_ms'])}"


def _slow_stages(phase: dict[str, Any] | None) -> str:
    if phase is None or "rates_per_s" not in phase:
        return "–"
    rates = phase["rates_per_s"]
    return f"{_num(rates.get('scheduled'))} / {_num(rates.get('archived'))}"


def _missing(phase: dict[str, Any] | None) -> str:
    if phase is None or "latency" not in phase:
        return "–"
    return f"{phase['latency']['archived']['missing']:,} of {phase['submitted']:,}"


def _timer(result: dict[str, Any]) -> str:
    lag = _get(result, "timer_lag", "due -> taken up (claimed)") or {}
    return f"{_ms(lag.get('p50_ms'))} / {_ms(lag.get('p99_ms'))}"


def side_by_side(results: list[dict[str, Any]]) -> str:
    names = [r["machine"]["servers"]["mongodb"].split(" at ")[0] for r in results]
    names = [re.sub(r" \(MongoDB [^)]*\)", "", name) for name in names]
    lines = [
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(results),
    ]
    for label, value in rows(results):
        lines.append(f"| {label} | " + " | ".join(value(r) for r in results) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = side_by_side([json.loads(path.read_text()) for path in args.results])
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
