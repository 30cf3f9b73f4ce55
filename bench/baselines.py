"""What the servers do without the services, measured in the same run: Kafka produce → consume
with aiokafka (intake's bench), bulk inserts of archive documents into the MongoDB-protocol
server, and the notifier's timer lag with many deadlines due at once (notifier's bench)."""

from __future__ import annotations

import math
import random
import statistics
import time
import uuid
from typing import Any

import bson
from pymongo import AsyncMongoClient

from complaint_archive.domain import fold  # type: ignore[import-untyped]

from .infra import server_name
from .reused import body, complaint_events, measure_timer_lag, raw_baseline
from .stats import latency_summary


async def kafka(bootstrap: str, count: int) -> dict[str, Any]:
    """`count` ~600-byte submissions produced (acks=all, idempotent) then consumed."""
    values = [body("raw", n) for n in range(count)]
    rates = await raw_baseline(bootstrap, values)
    round_trip = 1 / (1 / rates["produce_per_s"] + 1 / rates["consume_per_s"])
    return {
        "messages": count,
        "bytes_each": len(values[0]),
        **{name: round(rate) for name, rate in rates.items()},
        "round_trip_per_s": round(round_trip),
    }


async def mongodb(uri: str, count: int, batch: int = 500) -> dict[str, Any]:
    """`count` archive documents (archive's synthetic complaints, folded as the archive does)
    in `insert_many` batches of `batch` into a fresh collection, then dropped."""
    rng = random.Random(7)
    documents = [fold(complaint_events(n, rng)) for n in range(count)]
    client: AsyncMongoClient[Any] = AsyncMongoClient(uri)
    database = client[f"bench_raw_{uuid.uuid4().hex[:6]}"]
    try:
        server = await client.admin.command("buildInfo")
        batches = []
        started = time.perf_counter()
        for first in range(0, count, batch):
            begun = time.perf_counter()
            await database.documents.insert_many(documents[first : first + batch], ordered=False)
            batches.append(time.perf_counter() - begun)
        seconds = time.perf_counter() - started
    finally:
        await client.drop_database(database.name)
        await client.close()
    return {
        "server": server_name(server),
        "documents": count,
        "batch": batch,
        "bytes_each": round(statistics.mean(len(bson.encode(d)) for d in documents)),
        "inserts_per_s": round(count / seconds),
        "batch_ms": latency_summary(batches),
    }


async def timer_lag(uri: str, bootstrap: str, count: int, window: float) -> dict[str, Any]:
    """`count` reminders falling due within `window` seconds, sent by the notifier's own
    scheduler (SMTP on loopback): lag from due to claimed and to accepted by the SMTP server
    (measure_timer_lag gives up 140 s after the last was due)."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(uri, tz_aware=True)
    try:
        lags = await measure_timer_lag(client, bootstrap, count, window)
    finally:
        await client.close()
    return {
        "notices": count,
        "due_within_s": window,
        # a reminder never sent within the bench's limit counts as missing (never faster)
        **{
            what: latency_summary(values + [math.inf] * (count - len(values)))
            for what, values in lags.items()
        },
    }
