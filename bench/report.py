"""The report: derived numbers (ratios, the slowest stage, the busiest process) and the short
Markdown table written beside the JSON. Pure functions of the result dictionary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

STAGE_NAMES = ("accepted", "classified", "scheduled", "archived")


def derive(result: dict[str, Any]) -> dict[str, Any]:
    """Ratios of the end-to-end rate to the raw baselines, and where it saturates."""
    saturation = result.get("saturation") or {}
    rates = {k: v for k, v in saturation.get("rates_per_s", {}).items() if v is not None}
    end_to_end = rates.get("archived")
    kafka = result.get("baselines", {}).get("kafka", {})
    mongodb = result.get("baselines", {}).get("mongodb", {})
    derived: dict[str, Any] = {"end_to_end_per_s": end_to_end}
    if end_to_end:
        derived["ratio_to_kafka_round_trip"] = _ratio(end_to_end, kafka.get("round_trip_per_s"))
        derived["ratio_to_mongodb_bulk_inserts"] = _ratio(end_to_end, mongodb.get("inserts_per_s"))
    if rates:
        derived["slowest_stage"] = min(rates, key=lambda stage: rates[stage])
    cores = saturation.get("cpu_cores_used", {})
    if cores:
        derived["busiest_process"] = max(cores, key=lambda name: cores[name])
    if saturation.get("cpu_seconds"):
        derived["cpu_ms_per_complaint"] = cpu_per_complaint(saturation)
    return derived


WORK = {"classifier": "classified", "notifier": "scheduled", "archive": "archived"}


def cpu_per_complaint(phase: dict[str, Any]) -> dict[str, float]:
    """CPU milliseconds each process spent per complaint it handled in the phase (a service
    per complaint it got through; the servers per complaint accepted): what extrapolates."""
    accepted = phase.get("statuses", {}).get("202", 0)
    done = phase.get("done", {})
    found = {}
    for name, seconds in phase["cpu_seconds"].items():
        count = done.get(WORK[name], 0) if name in WORK else accepted
        if name != "wall" and count:
            found[name] = round(seconds / count * 1000, 2)
    return found


def _ratio(value: float, baseline: float | None) -> float | None:
    return round(value / baseline, 4) if baseline else None


def markdown(result: dict[str, Any]) -> str:
    machine, derived = result["machine"], result["derived"]
    lines = [
        f"# Benchmark {result['started_at']} ({'quick' if result['options']['quick'] else 'full'})",
        "",
        f"{machine['cpus']} CPUs ({machine['cpu_model']}), {machine['memory_gib']} GiB, "
        f"Linux {machine['kernel']}, Python {machine['python']}; load average "
        f"{_loads(machine['load_average_at_start'])} at start, "
        f"{_loads(result['load_average_at_end'])} at end; {result['seconds']:.0f} s in all.",
        f"Kafka {machine['servers']['kafka']}, {machine['servers']['mongodb']}; "
        + ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
        + ".",
        "",
        *_baselines(result.get("baselines")),
        "## End to end (all four services, HTTP submissions)",
        "",
        "Latency from intake's 202 to the stage, ms: p50 / p95 / p99 (missing = not archived "
        "when the wait ended).",
        "",
        "| offered | submitted | accepted/s | archived/s | HTTP | classified "
        "| deadlines scheduled | archived | missing |",
        "|---|---:|---:|---:|---|---|---|---|---:|",
    ]
    phases = [*result.get("fixed_rates", [])]
    if result.get("saturation"):
        phases.append(result["saturation"])
    for phase in phases:
        if "error" in phase:
            rate = phase.get("offered_per_s")
            offered = f"{rate:g}/s" if rate else "max"
            lines.append(f"| {offered} | not measured: {phase['error']} |")
            continue
        latency, rates = phase["latency"], phase["rates_per_s"]
        offered = (
            f"max: {phase['connections']} clients × {phase['seconds']:g} s"
            if "connections" in phase
            else f"{phase['offered_per_s']:g}/s × {phase['seconds']:g} s"
        )
        lines.append(
            f"| {offered} | {phase['submitted']:,} | {_num(rates.get('accepted'))} "
            f"| {_num(rates.get('archived'))} | {_triple(latency['http'])} "
            f"| {_triple(latency['classified'])} | {_triple(latency['scheduled'])} "
            f"| {_triple(latency['archived'])} | {latency['archived']['missing']:,} |"
        )
    lines += _saturation(result, derived)
    lines += _memory(result)
    lines += _timer(result.get("timer_lag"))
    return "\n".join(lines) + "\n"


def _baselines(found: dict[str, Any] | None) -> list[str]:
    if not found:
        return []
    kafka, mongodb = found["kafka"], found["mongodb"]
    return [
        "## Raw baselines",
        "",
        "| what | rate |",
        "|---|---:|",
        f"| Kafka produce (acks=all), {kafka['bytes_each']} B | {kafka['produce_per_s']:,}/s |",
        f"| Kafka consume | {kafka['consume_per_s']:,}/s |",
        f"| Kafka produce → consume round trip | {kafka['round_trip_per_s']:,}/s |",
        f"| {mongodb['server']} insert_many of {mongodb['bytes_each']:,} B documents, "
        f"batches of {mongodb['batch']} | {mongodb['inserts_per_s']:,}/s |",
        "",
    ]


def _saturation(result: dict[str, Any], derived: dict[str, Any]) -> list[str]:
    saturation = result.get("saturation")
    if not saturation or "error" in saturation:
        return []
    rates = saturation["rates_per_s"]
    cores = saturation["cpu_cores_used"]
    lines = [
        "",
        "## Saturation: where it stops",
        "",
        "Steady rates (10 %→90 % of the backlog): "
        + ", ".join(f"{stage} {_num(rates.get(stage))}/s" for stage in STAGE_NAMES)
        + f". Slowest stage: **{derived.get('slowest_stage')}**. CPU cores used per process "
        "over the phase (load and wait): "
        + ", ".join(f"{name} {used}" for name, used in sorted(cores.items(), key=lambda x: -x[1]))
        + f" (busiest: **{derived.get('busiest_process')}**).",
        "",
        f"End to end {_num(derived.get('end_to_end_per_s'))}/s = "
        f"{derived.get('ratio_to_kafka_round_trip')} × the Kafka round trip, "
        f"{derived.get('ratio_to_mongodb_bulk_inserts')} × the bulk insert rate. "
        "CPU ms per complaint it got through (servers: per complaint accepted): "
        + ", ".join(f"{k} {v}" for k, v in derived.get("cpu_ms_per_complaint", {}).items())
        + ".",
    ]
    for service, spent in saturation.get("time_in_stages", {}).items():
        top = [(k, v) for k, v in spent.items() if k.startswith("complaints_")][:3]
        if top:
            lines.append(
                f"- {service}: "
                + "; ".join(f"`{series}` {v['count']}× {v['mean_ms']} ms" for series, v in top)
            )
    for service, profile in (saturation.get("profile") or {}).items():
        if isinstance(profile, dict) and "busy_cores" in profile:
            packages = ", ".join(
                f"{k} {v:.0%}" for k, v in profile["self_share_by_package"].items()
            )
            lines.append(
                f"- py-spy {service}: running or waiting for a CPU {profile['busy_cores']} "
                f"cores' worth; self time: {packages}"
            )
    return lines


def _memory(result: dict[str, Any]) -> list[str]:
    phases = [*result.get("fixed_rates", []), result.get("saturation") or {}]
    rest: dict[str, float] = next(
        (p["memory_at_rest_mib"] for p in phases if p.get("memory_at_rest_mib")), {}
    )
    peak: dict[str, float] = {}
    for phase in phases:
        for name, mib in phase.get("memory_peak_mib", {}).items():
            peak[name] = max(mib, peak.get(name, 0.0))
    if not rest:
        return []
    lines = [
        "",
        "## Memory (RSS, MiB)",
        "",
        "| process | at rest | peak under load |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {mib} | {peak.get(name, '-')} |" for name, mib in rest.items()]
    return lines


def _timer(lag: dict[str, Any] | None) -> list[str]:
    if not lag:
        return []
    lines = [
        "",
        f"## Notifier timer lag ({lag['notices']:,} reminders due within {lag['due_within_s']} s)",
        "",
        "| from due to | p50 | p95 | p99 | max | not sent in time |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for what, summary in lag.items():
        if isinstance(summary, dict):
            cells = " | ".join(_ms(summary.get(f"{q}_ms")) for q in ("p50", "p95", "p99", "max"))
            missing = summary.get("missing", 0)
            lines.append(f"| {what.removeprefix('due -> ')} | {cells} | {missing:,} |")
    if lag.get("note"):
        lines += ["", f"Note: {lag['note']}."]
    return lines


def _triple(summary: dict[str, Any]) -> str:
    return " / ".join(_ms(summary.get(f"{q}_ms")) for q in ("p50", "p95", "p99"))


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _loads(values: list[float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def main() -> None:
    """Render a result JSON again: `python -m bench.report RESULT.json` rewrites RESULT.md."""
    import json
    import sys

    for name in sys.argv[1:]:
        path = Path(name)
        result = json.loads(path.read_text())
        result["derived"] = derive(result)
        path.with_suffix(".md").write_text(markdown(result))


if __name__ == "__main__":
    main()
