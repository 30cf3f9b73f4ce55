"""Benchmark (not a test) of two MongoDB-protocol servers side by side: FerretDB's SQLite and
PostgreSQL backends, or two FerretDB builds.

    uv run python deploy/local/bench_ferretdb_backends.py \\
        --sqlite mongodb://127.0.0.1:47118/ --postgresql mongodb://127.0.0.1:47117/
    uv run python deploy/local/bench_ferretdb_backends.py --speed-only --docs 10000 \\
        --server upstream=mongodb://127.0.0.1:47119/ --server patched=mongodb://127.0.0.1:27117/

Runs each phase against one server, then the other, so both see the same machine at the same
moment; prints one JSON line per measurement and a table of second/first ratios at the end.
Each server gets a fresh database, dropped afterwards. Phases:
  1. speed: bulk insert (insert_many, 1,000-document batches) up to --docs documents, with
     `_id` gets, `replace_one` and `update_one` by `_id`, and an equality query on an indexed
     field at 10k and at --docs documents;
     concurrent writers (insert_one from 1 task, then from --writers tasks);
  2. correctness under concurrency: 50 `$inc` of one document, version-checked updates,
     `find_one_and_update` claims, a unique-index race;
  3. index support: TTL (is an expired document deleted?), partial, text.
Timings are per operation: p50 over as many samples as fit in --budget seconds (at least 3).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, OperationFailure

DEPARTMENTS = [f"dept-{n:02d}" for n in range(100)]  # an equality query matches ~1%
BATCH = 1_000
Measure = dict[str, Any]


def document(number: int) -> dict[str, Any]:
    """About 700 bytes, shaped like the archive's complaint documents."""
    return {
        "_id": f"TS-20250115-{number:07d}",
        "department": DEPARTMENTS[number % len(DEPARTMENTS)],
        "status": random.choice(["received", "classified", "closed"]),
        "severity": random.choice(["low", "medium", "high"]),
        "received_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=number),
        "description": "Tablets arrived crushed; batch A123, pharmacy on Main Street. " * 8,
        "version": 0,
    }


async def timed(call: Callable[[], Awaitable[Any]], budget: float) -> dict[str, float]:
    """p50/max of `call` in milliseconds, sampled until the budget is spent (at least 3 times)."""
    samples: list[float] = []
    deadline = time.monotonic() + budget
    while len(samples) < 3 or (time.monotonic() < deadline and len(samples) < 50):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1)}


async def bulk_insert(coll: AsyncCollection, start: int, stop: int) -> Measure:
    began = time.perf_counter()
    for first in range(start, stop, BATCH):
        batch = [document(n) for n in range(first, min(first + BATCH, stop))]
        await coll.insert_many(batch, ordered=False)
    seconds = time.perf_counter() - began
    return {
        "docs": stop - start,
        "seconds": round(seconds, 2),
        "docs_per_s": round((stop - start) / seconds),
    }


async def reads_at(coll: AsyncCollection, size: int, budget: float) -> dict[str, Measure]:
    async def by_id() -> None:
        assert await coll.find_one({"_id": f"TS-20250115-{random.randrange(size):07d}"})

    async def by_department() -> None:
        found = await coll.find({"department": random.choice(DEPARTMENTS)}).to_list()
        assert len(found) >= size // len(DEPARTMENTS)

    async def replace_by_id() -> None:
        number = random.randrange(size)
        replaced = await coll.replace_one({"_id": document(number)["_id"]}, document(number))
        assert replaced.matched_count == 1

    async def set_by_id() -> None:
        key = f"TS-20250115-{random.randrange(size):07d}"
        updated = await coll.update_one({"_id": key}, {"$set": {"touched": time.time()}})
        assert updated.matched_count == 1

    return {
        f"_id get at {size:,}": await timed(by_id, budget),
        f"replace_one by _id at {size:,}": await timed(replace_by_id, budget),
        f"update_one $set by _id at {size:,}": await timed(set_by_id, budget),
        f"indexed equality (1%) at {size:,}": await timed(by_department, budget),
    }


async def writers(coll: AsyncCollection, tasks: int, per_task: int) -> Measure:
    async def write(task: int) -> None:
        for n in range(per_task):
            await coll.insert_one({"_id": f"w{task}-{n}", "task": task, "n": n})

    began = time.perf_counter()
    await asyncio.gather(*(write(t) for t in range(tasks)))
    seconds = time.perf_counter() - began
    assert await coll.count_documents({}) == tasks * per_task
    return {"tasks": tasks, "docs_per_s": round(tasks * per_task / seconds)}


async def concurrent_inc(coll: AsyncCollection, count: int = 50) -> Measure:
    await coll.insert_one({"_id": "counter", "n": 0})
    await asyncio.gather(
        *(coll.update_one({"_id": "counter"}, {"$inc": {"n": 1}}) for _ in range(count))
    )
    counter = await coll.find_one({"_id": "counter"})
    final = counter["n"] if counter else None
    return {"expected": count, "final": final, "correct": final == count}


async def version_checked_updates(
    coll: AsyncCollection, rounds: int = 10, racers: int = 10
) -> Measure:
    """Each round every racer saw version v and updates only if it is still v: one must win."""
    await coll.insert_one({"_id": "doc", "version": 0})
    wins = []
    for version in range(rounds):
        results = await asyncio.gather(
            *(
                coll.update_one(
                    {"_id": "doc", "version": version}, {"$set": {"version": version + 1, "by": r}}
                )
                for r in range(racers)
            )
        )
        wins.append(sum(result.modified_count for result in results))
        await coll.update_one({"_id": "doc"}, {"$set": {"version": version + 1}})
    return {"rounds": rounds, "winners_per_round": wins, "correct": all(w == 1 for w in wins)}


async def claims(coll: AsyncCollection, jobs: int = 50, workers: int = 10) -> Measure:
    """find_one_and_update as a job queue: each job must be claimed exactly once."""
    await coll.insert_many([{"_id": n, "state": "pending"} for n in range(jobs)])
    claimed: list[int] = []

    async def work(worker: int) -> None:
        while job := await coll.find_one_and_update(
            {"state": "pending"}, {"$set": {"state": "claimed", "by": worker}}
        ):
            claimed.append(job["_id"])

    await asyncio.gather(*(work(w) for w in range(workers)))
    return {
        "jobs": jobs,
        "claims": len(claimed),
        "distinct": len(set(claimed)),
        "correct": len(claimed) == jobs,
    }


async def unique_race(coll: AsyncCollection, racers: int = 50) -> Measure:
    await coll.create_index("key", unique=True)

    async def insert() -> bool:
        try:
            await coll.insert_one({"key": "same"})
        except DuplicateKeyError:
            return False
        return True

    winners = sum(await asyncio.gather(*(insert() for _ in range(racers))))
    stored = await coll.count_documents({"key": "same"})
    return {
        "racers": racers,
        "winners": winners,
        "stored": stored,
        "correct": winners == stored == 1,
    }


async def index_support(db: Any, ttl_wait: float) -> Measure:
    async def attempt(name: str, keys: Any, **options: Any) -> str:
        try:
            await db[name].create_index(keys, **options)
        except OperationFailure as error:
            return f"refused ({error.details.get('errmsg') if error.details else error})"
        return "created"

    found = {
        "ttl": await attempt("ttl", "at", expireAfterSeconds=1),
        "partial": await attempt("partial", "k", partialFilterExpression={"open": True}),
        "text": await attempt("text", [("body", "text")]),
    }
    if found["ttl"] == "created":
        await db["ttl"].insert_one({"at": datetime.now(UTC) - timedelta(hours=1)})
        await asyncio.sleep(ttl_wait)
        gone = await db["ttl"].count_documents({}) == 0
        found["ttl"] += (
            f"; expired document {'deleted' if gone else 'still there'} after {ttl_wait:.0f} s"
        )
    return found


async def speed(db: Any, args: argparse.Namespace) -> dict[str, Measure]:
    coll = db["complaints"]
    await coll.create_index("department")
    small = min(10_000, args.docs)
    out: dict[str, Measure] = {f"bulk insert 0→{small:,}": await bulk_insert(coll, 0, small)}
    out |= await reads_at(coll, small, args.budget)
    if args.docs > small:
        out[f"bulk insert {small:,}→{args.docs:,}"] = await bulk_insert(coll, small, args.docs)
        out |= await reads_at(coll, args.docs, args.budget)
    out["insert_one, 1 writer"] = await writers(db["w1"], 1, args.writes)
    out[f"insert_one, {args.writers} writers"] = await writers(
        db["wn"], args.writers, args.writes // args.writers
    )
    return out


async def correctness(db: Any, args: argparse.Namespace) -> dict[str, Measure]:
    return {
        "50 concurrent $inc": await concurrent_inc(db["inc"]),
        "version-checked update races": await version_checked_updates(db["ver"]),
        "find_one_and_update claims": await claims(db["claims"]),
        "unique index race (50)": await unique_race(db["uniq"]),
        "index support": await index_support(db, args.ttl_wait),
    }


async def run(args: argparse.Namespace) -> dict[str, dict[str, Measure]]:
    servers = dict(args.servers)
    clients: dict[str, AsyncMongoClient[dict[str, Any]]] = {
        name: AsyncMongoClient(uri, tz_aware=True) for name, uri in servers.items()
    }
    db_name = f"bench_backends_{uuid.uuid4().hex[:6]}"
    results: dict[str, dict[str, Measure]] = {name: {} for name in servers}
    try:
        for phase in (speed,) if args.speed_only else (speed, correctness):
            for name, client in clients.items():
                found = await phase(client[db_name], args)
                results[name] |= found
                print(json.dumps({"backend": name, **found}, default=str), flush=True)
    finally:
        for client in clients.values():
            await client.drop_database(db_name)
            await client.close()
    return results


def ratio_table(results: dict[str, dict[str, Measure]]) -> str:
    """Markdown: one row per measurement; second/first of time (lower is better) or rate."""
    (first, firsts), (second, seconds) = list(results.items())[:2]
    lines = [
        f"| measurement | {first} | {second} | {second}/{first} |",
        "|---|---|---|---|",
    ]
    for what, sqlite in firsts.items():
        pg = seconds[what]
        key = next((k for k in ("p50_ms", "docs_per_s") if k in sqlite), None)
        if key is None:
            lines.append(f"| {what} | {summary(sqlite)} | {summary(pg)} | |")
            continue
        unit = " ms p50" if key == "p50_ms" else " docs/s"
        ratio = pg[key] / sqlite[key] if sqlite[key] else float("inf")
        lines.append(f"| {what} | {sqlite[key]:,}{unit} | {pg[key]:,}{unit} | {ratio:.3g} |")
    return "\n".join(lines)


def summary(measure: Measure) -> str:
    return ", ".join(f"{k}={v}" for k, v in measure.items())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sqlite", help="URI of a FerretDB with the SQLite backend")
    parser.add_argument("--postgresql", help="URI of a FerretDB with the PostgreSQL backend")
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="NAME=URI",
        help="a server under a name of your choice (instead of --sqlite/--postgresql)",
    )
    parser.add_argument("--speed-only", action="store_true", help="skip the correctness phase")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument(
        "--writes", type=int, default=2_000, help="insert_one calls per writer phase"
    )
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds of samples per timing")
    parser.add_argument("--ttl-wait", type=float, default=75.0, help="FerretDB's TTL pass is 60 s")
    parser.add_argument("--output", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    named = [tuple(item.split("=", 1)) for item in args.server]
    named += [
        (name, uri)
        for name, uri in (("sqlite", args.sqlite), ("postgresql", args.postgresql))
        if uri
    ]
    if len(named) != 2 or any(len(pair) != 2 for pair in named):
        parser.error(
            "name exactly two servers: --sqlite and --postgresql, or --server NAME=URI twice"
        )
    args.servers = named
    results = asyncio.run(run(args))
    if args.output:
        args.output.write_text(json.dumps(results, indent=2, default=str))
    print(ratio_table(results))


if __name__ == "__main__":
    main()
