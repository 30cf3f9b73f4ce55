"""Benchmark of the archive (not a test): ingest rate, and p50/p99 of get, search and reports.

    uv run python -m bench.archive.bench_archive --complaints 100000

Against MONGODB_URI (default: the local stack) in a fresh database, dropped at the end unless
--keep. Phases:
  1. ingest: the events of --ingest-complaints complaints, in the order they happened, through
     the consumer's use case (`archive_events`: bulk insert into the log, one read of the
     batch's documents, bulk replace) in batches of --batch events;
  2. load: the other complaints' documents and log entries written with insert_many (folded
     by the same projection, so they are what ingest would have written);
  3. ingest again, --late-complaints more, now that the collections are full;
  4. queries through the REST API in-process (routing, validation, JSON), --samples each, or
     fewer (at least 3) once one operation has taken --budget seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from complaint_archive.adapters.files import AttachmentFiles
from complaint_archive.adapters.indexes import prepare
from complaint_archive.adapters.policies import load_retention
from complaint_archive.adapters.queries import ArchiveQueries
from complaint_archive.adapters.store import ArchiveStore
from complaint_archive.domain import fold, retention_of
from complaint_archive.entrypoints.deps import Wiring
from complaint_archive.entrypoints.http_complaints import complaints_router
from complaint_archive.entrypoints.http_reports import reports_router
from complaint_archive.metrics import ArchiveMetrics
from complaint_archive.service_layer import Archive, Delivered, archive_events, log_entry
from complaint_archive.settings import ArchiveSettings
from complaint_runtime import DATA_DIR, ApiKeys
from complaint_runtime.auth import KeyEntry, digest

from .synthetic import complaint_events

KEY = "bench-key"
NOW = datetime(2025, 1, 15, tzinfo=UTC)


class Discard:
    async def publish(self, event: Any) -> None:
        return None


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def ingest(archive: Archive, events: list[Any], batch: int) -> dict[str, float]:
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.event_id))
    started = time.perf_counter()
    for start in range(0, len(ordered), batch):
        await archive_events(archive, [Delivered(e) for e in ordered[start : start + batch]])
    seconds = time.perf_counter() - started
    return {
        "events": len(ordered),
        "seconds": round(seconds, 2),
        "events_per_s": round(len(ordered) / seconds),
    }


async def load(archive: Archive, stories: list[list[Any]]) -> dict[str, float]:
    started = time.perf_counter()
    documents, entries = [], []
    for events in stories:
        document = fold(events)
        assert document is not None
        documents.append({**document, **retention_of(document, archive.policies)})
        entries.extend(log_entry(Delivered(e), NOW) for e in events)
        if len(documents) >= 1_000:
            await _flush(archive, documents, entries)
            documents, entries = [], []
    await _flush(archive, documents, entries)
    seconds = time.perf_counter() - started
    return {"complaints": len(stories), "seconds": round(seconds, 1)}


async def _flush(archive: Archive, documents: list[Any], entries: list[Any]) -> None:
    if documents:
        await archive.store.complaints.insert_many(documents, ordered=False)
        await archive.store.events.insert_many(entries, ordered=False)


def api(archive: Archive, settings: ArchiveSettings) -> AsyncClient:
    keys = ApiKeys(
        [KeyEntry(id="bench", sha256=digest(KEY), scopes=["read", "privileged"])], "1000000/second"
    )
    app = FastAPI()
    app.state.wiring = Wiring(settings, archive.metrics, current=archive)
    app.include_router(complaints_router(keys))
    app.include_router(reports_router(keys))
    return AsyncClient(
        transport=ASGITransport(app),
        base_url="http://bench",
        headers={"X-API-Key": KEY},
        timeout=600,
    )


ONLY: re.Pattern[str] | None = None
BUDGET = math.inf


async def measure(name: str, samples: int, call: Callable[[int], Awaitable[Any]]) -> dict[str, Any]:
    if ONLY is not None and not ONLY.search(name):
        return {"operation": name, "skipped": True}
    times: list[float] = []
    for sample in range(samples):
        if len(times) >= 3 and sum(times) >= BUDGET:
            break
        started = time.perf_counter()
        response = await call(sample)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (name, response.status_code, response.text[:300])
    result = {
        "operation": name,
        "samples": len(times),
        "p50_ms": round(percentile(times, 0.5) * 1000, 1),
        "p99_ms": round(percentile(times, 0.99) * 1000, 1),
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


async def queries(
    client: AsyncClient, stories: list[list[Any]], samples: int, rng: random.Random
) -> list[dict[str, Any]]:
    pick = lambda: rng.choice(stories)  # noqa: E731
    received = lambda events: events[0].payload  # noqa: E731
    results = []

    async def get(path: str, **params: Any) -> Any:
        return await client.get(path, params=params)

    results.append(
        await measure("get by id", samples, lambda _: get(f"/complaints/{pick()[0].complaint_id}"))
    )
    results.append(
        await measure(
            "get by TS- number",
            samples,
            lambda _: get(f"/complaints/{received(pick()).complaint_number}"),
        )
    )
    results.append(
        await measure(
            "timeline", samples, lambda _: get(f"/complaints/{pick()[0].complaint_id}/timeline")
        )
    )
    searches: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("search status=closed", lambda: {"status": "closed"}),
        ("search severity+department", lambda: {"severity": "A", "department": "sales"}),
        ("search batch", lambda: {"batch": received(pick()).submission.product.batch}),
        ("search product", lambda: {"product": received(pick()).submission.product.name}),
        ("search overdue", lambda: {"overdue": "true"}),
        (
            "search received month",
            lambda: {
                "received_from": "2024-03-01T00:00:00Z",
                "received_to": "2024-04-01T00:00:00Z",
            },
        ),
        ("search text q=破损", lambda: {"q": "破损"}),
        ("search text q=dosage", lambda: {"q": "dosage"}),
    ]
    for name, params in searches:
        results.append(await measure(name, samples, lambda _, p=params: get("/complaints", **p())))
    first = (await get("/complaints", status="closed")).json()
    results.append(
        await measure(
            "search page 2 (cursor)",
            samples,
            lambda _: get("/complaints", status="closed", cursor=first["next_cursor"]),
        )
    )
    year = {"from": "2024-01", "to": "2024-12"}
    for report in (
        "monthly-counts",
        "on-time",
        "closure-rate",
        "reply-accepted-rate",
        "causes-pareto",
    ):
        results.append(
            await measure(
                f"report {report} (1 year)",
                samples,
                lambda _, r=report: get(f"/reports/{r}", **year),
            )
        )
        results.append(
            await measure(
                f"report {report} (all)", samples, lambda _, r=report: get(f"/reports/{r}")
            )
        )
    results.append(
        await measure(
            "report annual-summary 2024 (JSON)",
            samples,
            lambda _: get("/reports/annual-summary", year=2024),
        )
    )
    return results


async def run(args: argparse.Namespace) -> dict[str, Any]:
    client: AsyncMongoClient[Any] = AsyncMongoClient(args.mongodb_uri, tz_aware=True)
    name = f"archive_bench_{uuid.uuid4().hex[:6]}"
    database = client[name]
    settings = ArchiveSettings(mongodb_uri=args.mongodb_uri, mongodb_database=name)
    text_index = await prepare(database)
    archive = Archive(
        store=ArchiveStore(database),
        queries=ArchiveQueries(database, text_index=text_index),
        files=AttachmentFiles(database),
        publisher=Discard(),
        policies=load_retention(DATA_DIR / "policies", default_years=5),
        metrics=ArchiveMetrics(CollectorRegistry()),
        clock=lambda: NOW,
    )
    rng = random.Random(args.seed)
    report: dict[str, Any] = {
        "command": " ".join(["python -m bench.archive.bench_archive", *sys.argv[1:]]),
        "server_version": (await client.server_info()).get("version"),
        "text_index": text_index,
        "database": name,
    }
    try:
        started = time.perf_counter()
        stories = [
            complaint_events(index, rng) for index in range(args.complaints + args.late_complaints)
        ]
        report["generated"] = {
            "complaints": len(stories),
            "events": sum(map(len, stories)),
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(json.dumps(report, ensure_ascii=False), flush=True)
        early, rest, late = (
            stories[: args.ingest_complaints],
            stories[args.ingest_complaints : args.complaints],
            stories[args.complaints :],
        )
        report["ingest_empty"] = await ingest(archive, [e for s in early for e in s], args.batch)
        print(json.dumps({"ingest_empty": report["ingest_empty"]}), flush=True)
        report["load"] = await load(archive, rest)
        print(json.dumps({"load": report["load"]}), flush=True)
        if late:
            report["ingest_full"] = await ingest(archive, [e for s in late for e in s], args.batch)
            print(json.dumps({"ingest_full": report["ingest_full"]}), flush=True)
        async with api(archive, settings) as http:
            report["queries"] = await queries(http, stories[: args.complaints], args.samples, rng)
    finally:
        if not args.keep:
            await client.drop_database(name)
        await client.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--mongodb-uri", default=os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27117/")
    )
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument(
        "--ingest-complaints",
        type=int,
        default=5_000,
        help="ingested through the consumer path into the empty database",
    )
    parser.add_argument("--late-complaints", type=int, default=200, help="ingested after the load")
    parser.add_argument("--batch", type=int, default=500, help="events per consumed batch")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument(
        "--budget",
        type=float,
        default=math.inf,
        help="seconds after which an operation takes no more samples (at least 3)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--only", help="measure only the operations this regex finds")
    parser.add_argument("--output", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    global ONLY, BUDGET
    ONLY = re.compile(args.only) if args.only else None
    BUDGET = args.budget
    result = asyncio.run(run(args))
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
