"""Intake benchmark: sustained complaints/s and latency of the Kafka and HTTP paths, beside a
raw Kafka produce/consume baseline measured on the same broker in the same run.

    uv run python -m bench.intake.run [--count 6000] [--seconds 15] [--concurrency 64]
                                      [--shared] [--json PATH]

By default it starts a private Kafka and MongoDB-protocol server (free ports, binaries linked
from `.stack/`), so no other work shares them; `--shared` uses KAFKA_BOOTSTRAP_SERVERS /
MONGODB_URI instead.
Intake runs as its own process (`complaint-intake`), as in production. The report includes
the CPU seconds each process used, which is what limits throughput on a small machine.
Not a test: it prints a JSON report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import uvloop
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from complaint_events import RECEIVED, SUBMITTED, topic_name
from deploy.local.topics import ensure_topics

from .load import post_for
from .stack import CpuMeter, IntakeProcess, Stack

WRITER = "bench-writer-key"
DESCRIPTION = "  收到的药品包装破损，铝塑板有裂口，药片受潮变色，要求退货并调查原因。  "


def body(source: str, n: int) -> bytes:
    """A realistic submission (about 600 bytes): padding to trim, a phone to normalise."""
    submission = {
        "source_system": source,
        "external_reference": f"B-{n}",
        "channel": "hotline",
        "description": DESCRIPTION,
        "complainant": {"name": " 张三 ", "phone": f"139 {n % 10000:04d} {n % 9973:04d}"},
        "product": {"name": "阿莫西林胶囊", "batch": f"B{n % 97:04d}", "specification": "0.25g"},
        "tags": ["pharma", "packaging"],
    }
    return json.dumps(submission, ensure_ascii=False).encode("utf-8")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50_ms": at(0.50), "p99_ms": at(0.99), "samples": len(ordered)}


async def produce(bootstrap: str, topic: str, values: list[bytes]) -> float:
    """Send everything (acks=all, idempotent); the seconds it took, after a warm-up send."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, max_batch_size=512 * 1024
    )
    await producer.start()
    try:
        await (await producer.send(topic, b"{}", key=b"warm-up"))  # metadata, leaders
        started = time.perf_counter()
        sent = [await producer.send(topic, v, key=str(n).encode()) for n, v in enumerate(values)]
        await asyncio.gather(*sent)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def raw_baseline(bootstrap: str, values: list[bytes]) -> dict[str, float]:
    """The broker without intake: produce the same bytes (acks=all), then consume them."""
    name = f"bench-raw-{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(name, num_partitions=6, replication_factor=1)])
    produced = await produce(bootstrap, name, values)
    consumer = AIOKafkaConsumer(name, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    started, seen = time.perf_counter(), 0
    while seen < len(values) + 1:
        batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
        seen += sum(len(records) for records in batches.values())
    consumed = time.perf_counter() - started
    await consumer.stop()
    await admin.delete_topics([name])
    await admin.close()
    return {"produce_per_s": len(values) / produced, "consume_per_s": len(values) / consumed}


class Received:
    """This run's ComplaintReceived events as they arrive: reference number → arrival time."""

    def __init__(self, bootstrap: str, prefix: str, source: str) -> None:
        self.consumer = AIOKafkaConsumer(
            topic_name(RECEIVED, prefix), bootstrap_servers=bootstrap, auto_offset_reset="latest"
        )
        self.marker = f'"source_system":"{source}"'.encode()
        self.arrived: dict[int, float] = {}
        self.stamps: list[int] = []  # broker-side (producer) timestamps, ms

    async def __aenter__(self) -> Received:
        await self.consumer.start()
        while not self.consumer.assignment():
            await self.consumer.getmany(timeout_ms=200)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def until(self, count: int, limit: float = 900) -> None:
        deadline = time.monotonic() + limit
        while len(self.arrived) < count and time.monotonic() < deadline:
            batches = await self.consumer.getmany(timeout_ms=100, max_records=5000)
            now = time.time()
            for record in (r for records in batches.values() for r in records):
                if self.marker in record.value:
                    payload = json.loads(record.value)["payload"]["submission"]
                    self.arrived[int(payload["external_reference"][2:])] = now
                    self.stamps.append(record.timestamp)
        if len(self.arrived) < count:
            raise TimeoutError(f"only {len(self.arrived)} of {count} complaints arrived")


async def kafka_drain(stack: Stack, prefix: str, count: int) -> dict[str, Any]:
    """Throughput: a backlog produced much faster than intake takes it, timed from its first
    ComplaintReceived to its last (broker timestamps)."""
    source = f"drain-{uuid.uuid4().hex[:6]}"
    async with Received(stack.kafka, prefix, source) as received:
        values = [body(source, n) for n in range(count)]
        await produce(stack.kafka, topic_name(SUBMITTED, prefix), values)
        await received.until(count)
    span = (max(received.stamps) - min(received.stamps)) / 1000
    return {"per_s": round(count / span, 1), "complaints": count}


async def kafka_paced(stack: Stack, prefix: str, rate: float, seconds: float) -> dict[str, Any]:
    """Latency: submissions at a steady rate; produce call → ComplaintReceived consumed."""
    source, count = f"paced-{uuid.uuid4().hex[:6]}", int(rate * seconds)
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka, acks="all", enable_idempotence=True)
    await producer.start()
    sent_at: dict[int, float] = {}
    async with Received(stack.kafka, prefix, source) as received:
        waiting = asyncio.create_task(received.until(count))
        started = time.perf_counter()
        for n in range(count):
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            sent_at[n] = time.time()
            await producer.send(topic_name(SUBMITTED, prefix), body(source, n), key=b"%d" % n)
        await producer.stop()
        await waiting
    latencies = [received.arrived[n] - sent_at[n] for n in received.arrived]
    return {"offered_per_s": round(rate, 1), **percentiles(latencies)}


async def http_path(url: str, seconds: float, concurrency: int) -> dict[str, Any]:
    source = f"http-{uuid.uuid4().hex[:6]}"
    host, port = url.removeprefix("http://").split(":")
    headers = {"X-API-Key": WRITER, "Content-Type": "application/json"}
    load = await post_for(
        host,
        int(port),
        "/v1/complaints",
        lambda n: body(source, n),
        headers,
        seconds=seconds,
        concurrency=concurrency,
    )
    return {
        "per_s": round(load.statuses[202] / load.seconds, 1),
        "statuses": dict(load.statuses),
        "concurrency": concurrency,
        **percentiles(load.latencies),
    }


async def measure(stack: Stack, scratch: Path, options: argparse.Namespace) -> dict[str, Any]:
    prefix = f"bench-{uuid.uuid4().hex[:6]}."
    await ensure_topics(stack.kafka, prefix)
    report: dict[str, Any] = {"cpus": os.cpu_count(), "complaint_bytes": len(body("x", 0))}
    values = [body("raw", n) for n in range(options.count)]
    report["raw_kafka"] = await raw_baseline(stack.kafka, values)
    intake = IntakeProcess(stack, scratch, prefix, WRITER).start()
    meter = CpuMeter()
    meter.watch({"intake": intake.pid(), **stack.pids()})
    try:
        if "kafka" in options.paths:
            meter.take()
            report["kafka_path"] = await kafka_drain(stack, prefix, options.count)
            report["kafka_path"]["cpu_seconds"] = meter.take()
            rate = report["kafka_path"]["per_s"] / 2
            latency = await kafka_paced(stack, prefix, rate, options.seconds)
            report["kafka_path"]["latency_at_half_load"] = latency
        if "http" in options.paths:
            meter.take()
            report["http_path"] = await http_path(intake.url, options.seconds, options.concurrency)
            report["http_path"]["cpu_seconds"] = meter.take()
    finally:
        intake.stop()
    raw = report["raw_kafka"]["consume_per_s"]
    report["ratio_to_raw_consume"] = {
        path: round(report[f"{path}_path"]["per_s"] / raw, 3) for path in options.paths
    }
    return report


async def main(options: argparse.Namespace) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="intake-bench-") as scratch,
        Stack(Path(scratch), shared=options.shared) as stack,
    ):
        return await measure(stack, Path(scratch), options)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=6000, help="submissions in the backlog")
    parser.add_argument("--seconds", type=float, default=15, help="length of the paced/HTTP runs")
    parser.add_argument("--concurrency", type=int, default=64, help="HTTP connections")
    parser.add_argument("--shared", action="store_true", help="use the running stack (env vars)")
    parser.add_argument(
        "--paths",
        nargs="+",
        choices=["kafka", "http"],
        default=["kafka", "http"],
        help="what to run",
    )
    parser.add_argument("--json", type=Path, help="also write the report to this file")
    options = parser.parse_args()
    report = uvloop.run(main(options))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if options.json:
        options.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
