"""End-to-end classification through Kafka (a benchmark prints numbers; it is not a test).

    uv run python -m bench.classifier.bench_kafka [--count 3000] [--preset ...]

Starts the classifier as its own process (`complaint-classifier`) on the local stack with a
private topic prefix and database (both removed afterwards), then:

1. burst: produces `--count` ComplaintReceived as fast as the producer goes and reports
   complaints/s from the first send to the last ComplaintClassified consumed, and the latency
   of each complaint (send to consume) under that saturation;
2. paced: produces at `--rate` per second (default: half the burst's rate) and reports the
   latency p50/p99 of a service that is keeping up.

Inputs: the test complaints of one preset (the one with most rules by default), each sent
many times with its own complaint id and complainant. Timings are wall-clock on this machine,
with the load generator, Kafka and MongoDB on the same cores as the service.
"""

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo import AsyncMongoClient

from complaint_classifier.domain import load_policies
from complaint_events import (
    CLASSIFIED,
    RECEIVED,
    ComplaintReceived,
    ComplaintSubmitted,
    Envelope,
    encode,
    headers_for,
    message_key,
    new_event,
    topic_name,
)
from deploy.local.topics import delete_topics, ensure_topics

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "deploy" / "policies"
CASES = ROOT / "services" / "classifier" / "tests" / "cases"
SOURCE = "bench"


def submissions(preset: str) -> list[dict[str, Any]]:
    cases = yaml.safe_load((CASES / f"{preset}.yaml").read_text(encoding="utf-8"))
    found = []
    for case in cases:
        submission = dict(case.get("submission", {}))
        if "text" in case:
            submission["description"] = case["text"]
        found.append(submission)
    return found


def complaints(preset: str, count: int) -> list[Envelope[ComplaintReceived]]:
    inputs = submissions(preset)
    events = []
    for n in range(count):
        fields = inputs[n % len(inputs)]
        complainant = fields.get("complainant") or {"name": "bench", "phone": f"+86135{n:08d}"}
        submission = ComplaintSubmitted.model_validate(
            {
                "source_system": SOURCE,
                "external_reference": f"bench-{n}",
                "channel": "hotline",
                "received_at": datetime.now(UTC),
                **fields,
                "complainant": complainant,
            }
        )
        cid = f"bench-{uuid.uuid4().hex}"
        payload = ComplaintReceived(
            complaint_id=cid,
            complaint_number=f"TS-20250101-{n % 1_000_000:06d}",
            submission=submission,
        )
        events.append(new_event(payload, producer="intake"))
    return events


class Stage:
    """Sends events and times each from its send to its ComplaintClassified."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.bootstrap, self.prefix = bootstrap, prefix
        self.sent: dict[str, float] = {}
        self.done: dict[str, float] = {}
        self.arrived = asyncio.Event()

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator["Stage"]:
        self.producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", linger_ms=5, enable_idempotence=True
        )
        self.consumer = AIOKafkaConsumer(
            topic_name(CLASSIFIED, self.prefix),
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
        )
        await self.producer.start()
        await self.consumer.start()
        reader = asyncio.create_task(self._read())
        try:
            yield self
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            await self.consumer.stop()
            await self.producer.stop()

    async def _read(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    cid = record.key.decode()
                    self.done.setdefault(cid, now)
            self.arrived.set()

    async def send(self, events: list[Envelope[Any]], rate: float = 0.0) -> None:
        topic = topic_name(RECEIVED, self.prefix)
        started = time.perf_counter()
        pending = []
        for n, event in enumerate(events):
            if rate > 0:
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            self.sent[event.payload.complaint_id] = time.perf_counter()
            pending.append(
                await self.producer.send(
                    topic, encode(event), key=message_key(event), headers=headers_for(event)
                )
            )
        await asyncio.gather(*pending)

    async def wait(self, events: list[Envelope[Any]], within: float) -> None:
        ids = [event.payload.complaint_id for event in events]
        async with asyncio.timeout(within):
            while not all(cid in self.done for cid in ids):
                self.arrived.clear()
                await self.arrived.wait()

    def report(self, name: str, events: list[Envelope[Any]]) -> float:
        ids = [event.payload.complaint_id for event in events]
        latencies = sorted(self.done[cid] - self.sent[cid] for cid in ids)
        elapsed = max(self.done[cid] for cid in ids) - min(self.sent[cid] for cid in ids)
        rate = len(ids) / elapsed
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        print(
            f"{name:8} {len(ids):6} complaints in {elapsed:6.2f} s = {rate:7.1f} complaints/s"
            f"   latency p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  max {latencies[-1] * 1000:8.1f} ms"
        )
        return rate


def start_service(args: argparse.Namespace, prefix: str, database: str, port: int) -> Any:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": args.bootstrap,
        "MONGODB_URI": args.mongodb,
        "MONGODB_DATABASE": database,
        "TOPIC_PREFIX": prefix,
        "CONSUMER_GROUP_PREFIX": prefix.rstrip("."),
        "HTTP_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "CLASSIFIER_POLICY_BY_SOURCE": f'{{"{SOURCE}": "{args.preset}"}}',
    }
    command = [sys.executable, "-c", "from complaint_classifier.app import main; main()"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


async def ready(port: int, within: float = 60.0) -> None:
    async with httpx.AsyncClient() as client, asyncio.timeout(within):
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/health/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.3)


async def run(args: argparse.Namespace) -> None:
    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    database = f"classifier_bench_{uuid.uuid4().hex[:8]}"
    await ensure_topics(args.bootstrap, prefix)
    service = start_service(args, prefix, database, args.port)
    try:
        await ready(args.port)
        async with Stage(args.bootstrap, prefix).open() as stage:
            warm = complaints(args.preset, 50)
            await stage.send(warm)
            await stage.wait(warm, within=120)
            burst = complaints(args.preset, args.count)
            await stage.send(burst)
            await stage.wait(burst, within=600)
            rate = stage.report("burst", burst)
            paced_rate = args.rate or rate / 2
            paced = complaints(args.preset, max(100, int(paced_rate * args.paced_seconds)))
            await stage.send(paced, rate=paced_rate)
            await stage.wait(paced, within=600)
            stage.report(f"@{paced_rate:.0f}/s", paced)
    finally:
        service.terminate()
        service.wait(timeout=30)
        await delete_topics(args.bootstrap, prefix)
        client: AsyncMongoClient[Any] = AsyncMongoClient(args.mongodb)
        await client.drop_database(database)
        await client.close()


def main() -> None:
    largest = max(load_policies(POLICIES).values(), key=lambda policy: len(policy.rules))
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="complaints in the burst")
    parser.add_argument("--preset", default=largest.id, help="policy the complaints get")
    parser.add_argument("--rate", type=float, default=0.0, help="paced rate (0: half the burst)")
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=18092, help="the service's HTTP port")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    parser.add_argument(
        "--mongodb", default=os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27117/")
    )
    args = parser.parse_args()
    print(f"preset {args.preset}, classifier as its own process, topics and database private")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
