"""How the durable schedule behaves at size, on the MongoDB-protocol server the tests use.

Run (the local stack up):
    uv run python -m bench.notifier.bench_schedule [--sizes 1000,10000,100000,1000000]

1. Finding what is due, for schedules of each size: the same 100 notices are due now, the rest
   are spread over the next 30 days, in the notifier's one `schedule` collection and its
   (status, send_at) index, through the service's own adapter. Prints p50 timings and the
   explain plan.
2. Timer lag under load: notices falling due at a steady rate for a while, sent by the real
   scheduler (SMTP to aiosmtpd on loopback, events to Kafka, schedule in MongoDB); prints the
   delay from due to taken up and to the SMTP server's acceptance, p50 / p99 / max.

Prints numbers; asserts nothing. Uses databases and topics of its own and drops them after.
"""

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient

from complaint_events import NoticeKind
from complaint_notifier.adapters.schedule import MongoSchedule, _entry_doc
from complaint_notifier.domain import PlannedNotice

from .timer_lag import measure_timer_lag

DUE_NOW = 100
HORIZON = timedelta(days=30)
BATCH = 5_000


def notice(number: int, send_at: datetime) -> PlannedNotice:
    return PlannedNotice(
        notice_id=f"{number:012d}-{uuid.uuid4().hex[:8]}",
        complaint_id=f"c-{number % 50_000}",
        policy_id="bench",
        step="reply",
        kind=NoticeKind.BREACH,
        level=0,
        round=1,
        cycle=1,
        send_at=send_at,
        due_at=send_at,
        roles=("desk",),
        department=None,
        deadline_id=f"d-{number}",
    )


def spread(size: int, now: datetime) -> list[PlannedNotice]:
    """DUE_NOW notices due in the last minute, the others evenly over the next 30 days."""
    due = [notice(n, now - timedelta(seconds=1 + n % 60)) for n in range(DUE_NOW)]
    step = HORIZON / max(1, size - DUE_NOW)
    later = [notice(n, now + step * (n - DUE_NOW + 1)) for n in range(DUE_NOW, size)]
    return due + later


async def load(schedule: MongoSchedule, notices: list[PlannedNotice]) -> float:
    started = time.perf_counter()
    await schedule.due(datetime.now(UTC), 1)  # creates the indexes
    for first in range(0, len(notices), BATCH):
        chunk = notices[first : first + BATCH]
        await schedule.entries.insert_many([_entry_doc(n) for n in chunk], ordered=False)
    return time.perf_counter() - started


async def p50(call: Any, runs: int) -> tuple[float, Any]:
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000, result


async def lookup(client: AsyncMongoClient[Any], size: int, runs: int) -> dict[str, Any]:
    name = f"bench_schedule_{size}_{uuid.uuid4().hex[:6]}"
    database = client[name]
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        schedule = MongoSchedule(database, retention=timedelta(days=30))
        seconds = await load(schedule, spread(size, now))
        due_ms, found = await p50(lambda: schedule.due(now, 200), runs)
        query = {"status": "pending", "send_at": {"$lte": now}}
        plan = await schedule.entries.find(query).sort("send_at", 1).limit(200).explain()
        return {
            "size": size,
            "load_s": seconds,
            "due_ms": due_ms,
            "found": len(found),
            "plan": _plan(plan),
        }
    finally:
        await client.drop_database(name)


def _plan(explained: dict[str, Any]) -> str:
    planner = explained.get("queryPlanner", {})
    winning = planner.get("winningPlan", {})
    stages = []
    while winning:
        stages.append(
            winning.get("stage", "?")
            + (f"[{winning['indexName']}]" if "indexName" in winning else "")
        )
        winning = winning.get("inputStage", {})
    return " <- ".join(stages)


def _quantile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mongodb-uri", default="mongodb://127.0.0.1:27117/")
    parser.add_argument("--kafka", default="127.0.0.1:19092")
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--lag-notices", type=int, default=1000)
    parser.add_argument("--lag-seconds", type=float, default=20.0)
    args = parser.parse_args()
    client: AsyncMongoClient[Any] = AsyncMongoClient(args.mongodb_uri, tz_aware=True)
    info = await client.admin.command("buildInfo")
    print(f"server: MongoDB {info['version']} at {args.mongodb_uri}; {DUE_NOW} due now\n")
    print("1. finding the due notices (p50 of repeated lookups)")
    columns = [("scheduled", 10), ("load s", 8), ("due ms", 9), ("found", 6)]
    print(" ".join(f"{name:>{width}}" for name, width in columns))
    plans = []
    for size in (int(s) for s in args.sizes.split(",")):
        row = await lookup(client, size, args.runs)
        print(
            f"{row['size']:>10,} {row['load_s']:>8.1f} {row['due_ms']:>9.2f} {row['found']:>6}",
            flush=True,
        )
        plans.append(row)
    print("\nexplain of the due query: " + plans[-1]["plan"])
    print(f"\n2. timer lag: {args.lag_notices} notices falling due over {args.lag_seconds:.0f} s")
    lag = await measure_timer_lag(client, args.kafka, args.lag_notices, args.lag_seconds)
    for what, values in lag.items():
        ordered = sorted(values)
        print(
            f"{what:<32} n={len(values):>5}  p50 {_quantile(ordered, 0.5) * 1000:7.0f} ms  "
            f"p99 {_quantile(ordered, 0.99) * 1000:7.0f} ms  max {ordered[-1] * 1000:7.0f} ms"
        )
    await client.close()


if __name__ == "__main__":
    asyncio.run(main())
