"""How the durable schedule behaves at size, on the MongoDB-protocol server the tests use.

Run (the local stack up):
    uv run python services/notifier/bench/bench_schedule.py [--sizes 1000,10000,100000,1000000]

1. Finding what is due, for schedules of each size: the same 100 notices are due now, the rest
   are spread over the next 30 days. Measured for the notifier's design (one collection per
   15-minute slot, read from the cursor to now) and, for comparison, for one collection with a
   (status, send_at) index queried by find({status, send_at <= now}).sort(send_at).limit(200).
   Prints p50 timings, how many entries the slot design had to read, and the explain plans.
2. Timer lag under load: notices falling due at a steady rate for a while, sent by the real
   scheduler (SMTP to aiosmtpd on loopback, events to Kafka, schedule in MongoDB); prints the
   delay from due to taken up and to the SMTP server's acceptance, p50 / p99 / max.

Prints numbers; asserts nothing. Uses databases and topics of its own and drops them after.
"""

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from complaint_events import NoticeKind
from complaint_notifier.adapters.schedule import SlotSchedule, _due, _entry_doc
from complaint_notifier.domain import PlannedNotice

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timer_lag import measure_timer_lag

SLOT = timedelta(minutes=15)
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


async def load(database: Any, schedule: SlotSchedule, notices: list[PlannedNotice]) -> float:
    started = time.perf_counter()
    single = database["schedule_single"]
    await single.create_index([("status", 1), ("send_at", 1)], name="due")
    for first in range(0, len(notices), BATCH):
        chunk = notices[first : first + BATCH]
        await single.insert_many([_entry_doc(n) for n in chunk], ordered=False)
        by_slot: dict[datetime, list[PlannedNotice]] = {}
        for item in chunk:
            by_slot.setdefault(schedule.slot_of(item.send_at), []).append(item)
        for slot, group in by_slot.items():
            collection = database[schedule.name(slot)]
            await collection.insert_many([_entry_doc(n) for n in group], ordered=False)
    for name in await database.list_collection_names():
        if name.startswith("timers_"):
            await database[name].create_index([("status", 1), ("send_at", 1)], name="due")
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
        schedule = SlotSchedule(database, width=SLOT, retention=timedelta(days=30))
        schedule.cursor = schedule.slot_of(now) - SLOT  # the last slot a scheduler finished
        seconds = await load(database, schedule, spread(size, now))
        slot_ms, found = await p50(lambda: schedule.due(now, 200), runs)
        single = database["schedule_single"]
        query = single.find(_due(now)).sort("send_at", 1).limit(200)
        single_runs = runs if size <= 100_000 else 1
        single_ms, direct = await p50(lambda: _list(single, now), single_runs)
        scanned = sum(
            [await database[schedule.name(s)].count_documents({}) for s in _walk(schedule, now)]
        )
        slot_plan = await database[schedule.name(schedule.slot_of(now))].find(_due(now)).explain()
        return {
            "size": size,
            "load_s": seconds,
            "slot_ms": slot_ms,
            "slot_found": len(found),
            "slot_read": scanned,
            "single_ms": single_ms,
            "single_found": len(direct),
            "single_plan": _plan(await query.explain()),
            "slot_plan": _plan(slot_plan),
        }
    finally:
        await client.drop_database(name)


async def _list(collection: Any, now: datetime) -> list[Any]:
    return await collection.find(_due(now)).sort("send_at", 1).limit(200).to_list()


def _walk(schedule: SlotSchedule, now: datetime) -> list[datetime]:
    assert schedule.cursor is not None
    count = (schedule.slot_of(now) - schedule.cursor) // SLOT + 1
    return [schedule.cursor + SLOT * n for n in range(count)]


def _plan(explained: dict[str, Any]) -> str:
    planner = explained.get("queryPlanner", {})
    if "Plan" in planner:  # FerretDB: the SQLite query plan and what it pushed down
        pushed = explained.get("filterPushdown"), explained.get("sortPushdown")
        return f"{' / '.join(planner['Plan'])} (filter pushdown {pushed[0]}, sort {pushed[1]})"
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
    server = (
        f"FerretDB {info['ferretdbVersion']}"
        if "ferretdbVersion" in info
        else f"MongoDB {info['version']}"
    )
    print(f"server: {server} at {args.mongodb_uri}; slot width {SLOT}; {DUE_NOW} due now\n")
    print("1. finding the due notices (p50 of repeated lookups)")
    columns = [("scheduled", 10), ("load s", 8), ("slots ms", 9), ("found", 6), ("read", 6)]
    columns += [("one coll. ms", 13), ("found", 6)]
    print(" ".join(f"{name:>{width}}" for name, width in columns))
    plans = []
    for size in (int(s) for s in args.sizes.split(",")):
        row = await lookup(client, size, args.runs)
        print(
            f"{row['size']:>10,} {row['load_s']:>8.1f} {row['slot_ms']:>9.2f} "
            f"{row['slot_found']:>6} {row['slot_read']:>6} {row['single_ms']:>13.1f} "
            f"{row['single_found']:>6}",
            flush=True,
        )
        plans.append(row)
    print("\nexplain, one collection: " + plans[-1]["single_plan"])
    print("explain, current slot:   " + plans[-1]["slot_plan"])
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
