"""The system under test for one phase, and how far each stage has got.

`Phase` starts the four services (deploy/local/system.py) with topics and databases of their
own, and removes them afterwards, so phases never see each other's backlog. `Progress` samples
Kafka every `every` seconds: the classified topic's end offsets (classified), and the offsets
the notifier's and the archive's consumer groups committed on it. Both services commit only
after a batch is stored, so a complaint is **archived** once the archive's group committed past
its ComplaintClassified record: its event is in the archive's log and its document holds the
classification. Reading offsets costs Kafka almost nothing and the database nothing.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo import AsyncMongoClient

from complaint_events import CLASSIFIED, RECEIVED, TOPICS, topic_name
from complaint_runtime import ServiceSettings, group_id
from deploy.local.system import NAMES, HookReceiver, Mailbox, System, free_port, local_config
from deploy.local.topics import admin_client, delete_topics, ensure_topics

from .infra import Infra, rss_bytes

COMMITTING = ("notifier", "archive")  # consumer groups of the classified topic we follow


class Phase:
    """The four services with this phase's own topic prefix and database suffix."""

    def __init__(self, infra: Infra, workdir: Path, label: str, extra: dict[str, str]) -> None:
        run = uuid.uuid4().hex[:6]
        self.infra, self.workdir = infra, workdir / label
        self.prefix, self.suffix = f"bench-{run}-{label}.", f"_bench_{run}_{label}"
        self.extra = extra
        self.mailbox = Mailbox()
        self.hooks: HookReceiver | None = None
        self.system: System | None = None

    async def __aenter__(self) -> Phase:
        await ensure_topics(self.infra.kafka, self.prefix)
        secret = uuid.uuid4().hex * 2
        self.mailbox.start()
        hooks = self.hooks = HookReceiver(secret).start()
        config = local_config(
            self.workdir,
            kafka=self.infra.kafka,
            mongodb_uri=self.infra.mongodb_uri,
            smtp_port=self.mailbox.port,
            hooks_url=hooks.url,
            topic_prefix=self.prefix,
            database_suffix=self.suffix,
            webhook_secret=secret,
            extra=self.extra,
        )
        self.api_key = config.api_key
        self.group_prefix = config.env["CONSUMER_GROUP_PREFIX"]
        ports = {name: free_port() for name in NAMES}
        system = System(config.env, self.workdir / "logs", ports, database_suffix=self.suffix)
        try:
            self.system = await asyncio.to_thread(system.start)
        except BaseException:
            await self._clean()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.system is not None:
            await asyncio.to_thread(self.system.stop)
        await self._clean()

    async def _clean(self) -> None:
        self.mailbox.stop()
        if self.hooks is not None:
            self.hooks.stop()
        await delete_topics(self.infra.kafka, self.prefix)
        await self._drop_databases()
        shutil.rmtree(self.workdir, ignore_errors=True)

    async def _drop_databases(self) -> None:
        """Drop the phase's databases."""
        client: AsyncMongoClient[Any] = AsyncMongoClient(self.infra.mongodb_uri)
        try:
            for name in NAMES:
                await client.drop_database(f"{name}{self.suffix}")
        finally:
            await client.close()

    def url(self, name: str) -> str:
        assert self.system is not None
        return self.system.url(name)

    def pids(self) -> dict[str, int]:
        assert self.system is not None
        found = {n: s.process.pid for n, s in self.system.services.items() if s.process}
        return {**found, **self.infra.pids}

    def memory(self) -> dict[str, int]:
        assert self.system is not None
        return {**self.system.memory(), **{n: rss_bytes(p) for n, p in self.infra.pids.items()}}

    def group(self, service: str) -> str:
        settings = ServiceSettings(
            kafka_bootstrap_servers=self.infra.kafka, consumer_group_prefix=self.group_prefix
        )
        return group_id(settings, service)


class Progress:
    """Offsets of each stage over time, the classified records' positions, peak memory."""

    def __init__(self, phase: Phase, every: float = 0.1) -> None:
        self.phase, self.every = phase, every
        self.classified_topic = topic_name(CLASSIFIED, phase.prefix)
        self.received_topic = topic_name(RECEIVED, phase.prefix)
        self.samples: list[tuple[float, dict[str, dict[int, int]]]] = []
        self.positions: dict[str, tuple[int, int]] = {}  # complaint id → (partition, offset)
        self.classified_at: dict[str, float] = {}  # complaint id → broker timestamp (s)
        self.classified_bytes = 0
        self.peak: dict[str, int] = {}
        self.stopping = asyncio.Event()

    async def __aenter__(self) -> Progress:
        kafka = self.phase.infra.kafka
        self.admin = admin_client(kafka)
        self.offsets = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
        self.reader = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
        for client in (self.admin, self.offsets, self.reader):
            await client.start()
        self.received = [TopicPartition(self.received_topic, p) for p in range(RECEIVED.partitions)]
        self.classified = [
            TopicPartition(self.classified_topic, p) for p in range(CLASSIFIED.partitions)
        ]
        self.reader.assign(self.classified)
        await self.reader.seek_to_beginning(*self.classified)
        self.tasks = [asyncio.create_task(self._sample()), asyncio.create_task(self._read())]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stopping.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.offsets.stop()
        await self.reader.stop()
        await self.admin.close()

    def total(self, stage: str) -> int:
        return sum(self.samples[-1][1][stage].values()) if self.samples else 0

    def totals(self, stage: str) -> list[tuple[float, int]]:
        return [(at, sum(stages[stage].values())) for at, stages in self.samples]

    def passed(self, stage: str) -> dict[str, float]:
        """Complaint id → when the stage was first seen past its classified record."""
        from .stats import first_passing

        series = [(at, stages[stage]) for at, stages in self.samples]
        return first_passing(self.positions, series)

    async def wait(self, stage: str, count: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.total(stage) < count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(self.every)
        return self.total(stage) >= count

    async def _sample(self) -> None:
        last_memory = 0.0
        while not self.stopping.is_set():
            at = time.time()
            stages = {"received": await self._ends(self.received)}
            stages["classified"] = await self._ends(self.classified)
            for service in COMMITTING:
                stages[service] = await self._committed(service)
            self.samples.append((at, stages))
            if at - last_memory >= 1.0:
                last_memory = at
                for name, rss in self.phase.memory().items():
                    self.peak[name] = max(rss, self.peak.get(name, 0))
            await asyncio.sleep(max(0.0, at + self.every - time.time()))

    async def messages(self) -> dict[str, int]:
        """Messages on each of the phase's topics (catalogue name → count)."""
        counts = {}
        for spec in TOPICS:
            name = topic_name(spec, self.phase.prefix)
            partitions = [TopicPartition(name, p) for p in range(spec.partitions)]
            counts[spec.name] = sum((await self._ends(partitions)).values())
        return counts

    async def _ends(self, partitions: list[TopicPartition]) -> dict[int, int]:
        ends = await self.offsets.end_offsets(partitions)
        return {tp.partition: offset for tp, offset in ends.items()}

    async def _committed(self, service: str) -> dict[int, int]:
        found = await self.admin.list_consumer_group_offsets(
            self.phase.group(service), partitions=self.classified
        )
        return {tp.partition: meta.offset for tp, meta in found.items()}

    async def _read(self) -> None:
        while not self.stopping.is_set():
            batches = await self.reader.getmany(timeout_ms=200, max_records=5000)
            for record in (r for records in batches.values() for r in records):
                complaint_id = record.key.decode()
                if complaint_id not in self.positions:
                    self.positions[complaint_id] = (record.partition, record.offset)
                    self.classified_at[complaint_id] = record.timestamp / 1000
                    self.classified_bytes += len(record.value)
