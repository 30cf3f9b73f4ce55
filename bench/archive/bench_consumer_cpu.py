"""The consumer path's own cost (not a test): events/s of `archive_events` with a store that
answers at once but still BSON-encodes what it is given and decodes what it returns, as the
driver would. It bounds what one process can ingest whatever the server.

    uv run python -m bench.archive.bench_consumer_cpu --complaints 20000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import bson
from prometheus_client import CollectorRegistry

from complaint_archive.adapters.policies import load_retention
from complaint_archive.metrics import ArchiveMetrics
from complaint_archive.service_layer import Archive, Delivered, archive_events
from complaint_runtime import DATA_DIR

from .synthetic import complaint_events

OPTIONS = bson.CodecOptions(tz_aware=True)


class EncodingStore:
    """Keeps BSON bytes, like a server would; no I/O."""

    def __init__(self) -> None:
        self.log: set[str] = set()
        self.docs: dict[str, bytes] = {}

    async def append(self, entries: Sequence[dict[str, Any]]) -> set[str]:
        new = {entry["_id"] for entry in entries if entry["_id"] not in self.log}
        for entry in entries:
            bson.encode(entry)
        self.log |= new
        return new

    async def documents(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        found = {cid: self.docs[cid] for cid in ids if cid in self.docs}
        return {cid: bson.decode(raw, OPTIONS) for cid, raw in found.items()}

    async def save(self, documents: Sequence[dict[str, Any]], read: Mapping[str, Any]) -> set[str]:
        for document in documents:
            self.docs[document["_id"]] = bson.encode(document)
        return set()


async def run(complaints: int, batch: int, seed: int) -> None:
    rng = random.Random(seed)
    events = [e for i in range(complaints) for e in complaint_events(i, rng)]
    events.sort(key=lambda e: (e.occurred_at, e.event_id))  # as they happen: interleaved
    archive = Archive(
        store=EncodingStore(),  # type: ignore[arg-type]
        queries=None,  # type: ignore[arg-type]
        files=None,  # type: ignore[arg-type]
        publisher=None,  # type: ignore[arg-type]
        policies=load_retention(DATA_DIR / "policies", default_years=5),
        metrics=ArchiveMetrics(CollectorRegistry()),
        clock=lambda: datetime.now(UTC),
    )
    started = time.perf_counter()
    for start in range(0, len(events), batch):
        await archive_events(archive, [Delivered(e) for e in events[start : start + batch]])
    seconds = time.perf_counter() - started
    print(
        f"{len(events)} events of {complaints} complaints, batches of {batch}: "
        f"{seconds:.1f} s, {len(events) / seconds:.0f} events/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.complaints, args.batch, args.seed))


if __name__ == "__main__":
    main()
