"""`make bench` / `python -m bench.run`: the whole benchmark in one run, written as JSON and a
short Markdown table under --out (default bench/results/), named by date and server.

    uv run --with py-spy python -m bench.run [--quick] [--rates 50,200,500] [--duration 20]
                                             [--drain 60] [--out bench/results/]

Against the local stack (started if it is not running, and then stopped again) or the servers
in KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI (both set), e.g. another MongoDB-protocol server.
Each end-to-end phase starts the four services afresh with topics and databases of its own.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploy.local.system import ServiceFailed

from . import baselines, e2e
from .infra import Infra, infra, machine, versions
from .pipeline import Phase
from .report import derive, markdown


@dataclass(frozen=True)
class Sizes:
    kafka_messages: int
    mongodb_documents: int
    timer_notices: int
    timer_window: float
    saturation_seconds: float
    connections: int
    saturation_drain: float
    profile_seconds: float


FULL = Sizes(20_000, 3_000, 1_000, 2.0, 30.0, 32, 120.0, 20.0)
QUICK = Sizes(3_000, 500, 100, 1.0, 10.0, 16, 20.0, 8.0)


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--rates", help="offered rates per second, e.g. 50,200,500")
    parser.add_argument("--duration", type=float, help="seconds of load at each rate")
    parser.add_argument("--drain", type=float, help="seconds to wait for the archive after it")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--label", default="", help="added to the file names, e.g. the server")
    parser.add_argument(
        "--skip", default="", help="parts to leave out: baselines,timer,rates,saturation"
    )
    parser.add_argument(
        "--watch", action="append", default=[], help="NAME=PORT: a server process to measure too"
    )
    parsed = parser.parse_args(argv)
    quick = parsed.quick
    parsed.rates = [
        float(r) for r in (parsed.rates or ("20,50" if quick else "50,200,500")).split(",")
    ]
    parsed.duration = parsed.duration or (8.0 if quick else 20.0)
    parsed.drain = parsed.drain or (15.0 if quick else 60.0)
    parsed.skip = set(filter(None, parsed.skip.split(",")))
    return parsed


async def measure(args: argparse.Namespace, servers: Infra, workdir: Path) -> dict[str, Any]:
    sizes = QUICK if args.quick else FULL
    result: dict[str, Any] = {}
    extra = {"LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO")}
    if "baselines" not in args.skip:
        result["baselines"] = {
            "kafka": await baselines.kafka(servers.kafka, sizes.kafka_messages),
            "mongodb": await baselines.mongodb(servers.mongodb_uri, sizes.mongodb_documents),
        }
        _progress("baselines", result["baselines"])
    if "timer" not in args.skip:
        result["timer_lag"] = await baselines.timer_lag(
            servers.mongodb_uri, servers.kafka, sizes.timer_notices, sizes.timer_window
        )
        _progress("timer lag", result["timer_lag"])
    result["fixed_rates"] = []
    for rate in [] if "rates" in args.skip else args.rates:
        found = await _phase(
            servers,
            workdir,
            f"r{rate:g}",
            extra,
            lambda phase, r=rate: e2e.fixed_rate(phase, r, args.duration, args.drain),
        )
        result["fixed_rates"].append({"offered_per_s": rate, "seconds": args.duration, **found})
        _progress(f"{rate:g}/s", {k: found.get(k) for k in ("rates_per_s", "latency", "error")})
    if "saturation" not in args.skip:
        result["saturation"] = await _phase(
            servers,
            workdir,
            "max",
            extra,
            lambda phase: e2e.saturation(
                phase,
                sizes.saturation_seconds,
                sizes.connections,
                sizes.saturation_drain,
                sizes.profile_seconds,
            ),
        )
        _progress("saturation", result["saturation"].get("rates_per_s"))
    return result


async def _phase(
    servers: Infra, workdir: Path, label: str, extra: dict[str, str], measure: Any
) -> dict[str, Any]:
    """One end-to-end phase; a system that does not start is recorded, not fatal, so the
    run still writes what it measured."""
    try:
        async with Phase(servers, workdir, label, extra) as phase:
            found: dict[str, Any] = await measure(phase)
            return found
    except ServiceFailed as error:
        print(f"== {label}: {error}", flush=True)
        return {"error": str(error).splitlines()[0].split("; last lines")[0]}


def _progress(what: str, numbers: Any) -> None:
    print(f"== {what}: {json.dumps(numbers, ensure_ascii=False)}", flush=True)


def write(result: dict[str, Any], out: Path, label: str) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    server = result["machine"]["servers"]["mongodb"]
    name = label or server.split(" (")[0]
    slug = re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")
    kind = "quick" if result["options"]["quick"] else "full"
    stem = f"{result['started_at'][:10]}-{slug or 'server'}-{kind}"
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(result))
    return json_path, md_path


def main(argv: list[str] | None = None) -> None:
    args = options(argv)
    watch = {name: int(port) for name, port in (item.split("=", 1) for item in args.watch)}
    started, clock = datetime.now(UTC), time.monotonic()
    about = machine()
    servers = infra(watch)
    try:
        about["servers"] = versions(servers)
        with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
            result = asyncio.run(measure(args, servers, Path(workdir)))
    finally:
        servers.stop()
    result.update(
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        seconds=round(time.monotonic() - clock, 1),
        machine=about,
        load_average_at_end=[round(x, 2) for x in os.getloadavg()],
        options={
            k: sorted(v) if isinstance(v, set) else v
            for k, v in vars(args).items()
            if k not in ("out",)
        },
    )
    result["derived"] = derive(result)
    paths = write(result, args.out, args.label)
    print(markdown(result))
    print("written:", *paths)


if __name__ == "__main__":
    main()
