"""The fault-injection suite: complaints pushed through the four services while each service is
SIGKILLed at random moments and restarted, the Kafka broker restarted once and the
MongoDB-protocol server restarted once; then every promise is counted.

    uv run python -m tests.faults.drill --complaints 10000 [--seed N] [--load-seconds S] ...

Runs on a private stack (its own STACK_DIR and ports: restarting its broker disturbs nobody),
with a policy of one-minute clocks on the 24/7 calendar so deadlines fall due while services
are being killed. At the end, once every consumer group has caught up, it checks:

- every accepted complaint (intake answered 202/200, or our Kafka producer had it acknowledged)
  is in the archive exactly once, under one complaint id and one number;
- every deadline that came due produced its notices exactly once: one `DeadlineBreached` per
  deadline, one distinct `NoticeSent` per (notice, person, channel), and every delivery arrived
  at the SMTP server and the webhook receiver (repeats at the receivers are counted apart: the
  notifier resends what was accepted but not yet recorded when it was killed);
- no event sits unprocessed: committed offsets equal end offsets for every consumer group;
- the dead-letter topic holds exactly the deliberately bad inputs, one per consuming service.

It prints the counts and exits 1 with one line per violation. What is expected and seen, and
the verifier that compares them, are in tests/faults/verify.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import tenacity
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import MongoClient

from complaint_events import (
    CLASSIFIED,
    DEADLINES,
    EVENT_TYPE_HEADER,
    LIFECYCLE,
    NOTICES,
    RECEIVED,
    REJECTED,
    SUBMITTED,
    TOPICS,
    ComplaintReclassified,
    ComplaintSubmitted,
    TopicSpec,
    decode,
    encode,
    headers_for,
    message_key,
    new_event,
    read_headers,
    topic_name,
)
from deploy.local.stack import MONGO_BUILD
from deploy.local.system import (
    DEPLOY,
    NAMES,
    ROOT,
    HookReceiver,
    Mailbox,
    ServiceFailed,
    System,
    free_port,
    local_config,
)
from deploy.local.topics import delete_topics, ensure_topics
from tests.faults.verify import (
    NOTIFIER_SEND_CONCURRENCY,
    Archived,
    BadInput,
    Breach,
    DeadLetter,
    Expected,
    Observed,
    Received,
    Report,
    Sent,
    verify,
)

STACK_SCRIPT = ROOT / "deploy" / "local" / "stack.py"
SHARED_STACK = ROOT / ".stack"
# Below the kernel's ephemeral range (32768-60999): while a server is down for its restart, a
# client reconnecting to a port inside that range can be given the same port as its own source
# (a TCP self-connect) and hold it, and the server cannot bind it again.
DEFAULT_PORTS = {
    "KAFKA_PORT": 29392,
    "KAFKA_CONTROLLER_PORT": 29393,
    "MONGO_PORT": 27417,
}
DUE_SOURCE, CALM_SOURCE = "faults-due", "faults-calm"
SHORT_POLICY, CALM_POLICY = "faults-short", "faults-calm"
DUE_AFTER_SECONDS = 60
BAD_TOPICS = (SUBMITTED, RECEIVED, CLASSIFIED, LIFECYCLE, DEADLINES, NOTICES)


# ---------------------------------------------------------------- the private stack


@dataclass
class PrivateStack:
    """Kafka and the MongoDB-protocol server of the suite's own, driven by deploy/local/stack.py."""

    directory: Path
    ports: dict[str, int]

    @property
    def kafka(self) -> str:
        return f"127.0.0.1:{self.ports['KAFKA_PORT']}"

    @property
    def mongodb_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.ports['MONGO_PORT']}/"

    def prepare(self) -> None:
        """Fresh data; the binaries of the main `.stack/` linked in, so nothing is rebuilt."""
        shutil.rmtree(self.directory / "data", ignore_errors=True)
        for server, build in (("kafka", "kafka-3.9.1"), ("mongo", MONGO_BUILD)):
            shared, mine = SHARED_STACK / server / build, self.directory / server / build
            mine.parent.mkdir(parents=True, exist_ok=True)
            if shared.exists() and not mine.exists() and shared.resolve() != mine.resolve():
                mine.symlink_to(shared)

    def up(self, server: str | None = None) -> None:
        self._run("up", server)

    def down(self, server: str | None = None) -> None:
        self._run("down", server)

    def _run(self, action: str, server: str | None) -> None:
        env = {
            **os.environ,
            **{name: str(number) for name, number in self.ports.items()},
            "STACK_DIR": str(self.directory),
            "KAFKA_HEAP": os.environ.get("KAFKA_HEAP", "512m"),
            "STACK_START_TIMEOUT": os.environ.get("STACK_START_TIMEOUT", "240"),
        }
        command = [sys.executable, str(STACK_SCRIPT), action, *([server] if server else [])]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"stack {action} {server or ''}: {done.stdout}{done.stderr}")


# ---------------------------------------------------------------- policies


def quiet_port(rng: random.Random) -> int:
    """A free port below the ephemeral range (see DEFAULT_PORTS)."""
    while True:
        number = rng.randrange(20_000, 32_000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", number))
            except OSError:
                continue
        return number


def write_policies(folder: Path) -> Path:
    """deploy/policies plus `faults-short` (a one-minute clock on the 24/7 calendar, its
    breach to the complaint desk) and `faults-calm` (the same clock at 30 days)."""
    shutil.copytree(DEPLOY / "policies", folder, dirs_exist_ok=True)
    template = DEPLOY / "policies" / "retail-service"
    for policy, limit, unit in ((SHORT_POLICY, 1, "minutes"), (CALM_POLICY, 30, "days")):
        home = folder / policy
        home.mkdir(exist_ok=True)
        for name in ("classification.yaml", "retention.yaml"):
            text = (template / name).read_text("utf-8")
            home.joinpath(name).write_text(
                text.replace("policy_id: retail-service", f"policy_id: {policy}"), "utf-8"
            )
        home.joinpath("deadlines.yaml").write_text(
            yaml.safe_dump(_deadlines(policy, limit, unit), allow_unicode=True), "utf-8"
        )
    return folder


def _deadlines(policy: str, limit: int, unit: str) -> dict[str, Any]:
    return {
        "policy_id": policy,
        "description": "故障注入测试 Fault-injection suite",
        "defaults": {
            "calendar": "always",
            "notify": ["complaint_desk"],
        },
        "clocks": [
            {
                "step": "first_reply",
                "title": {"zh": "答复投诉人", "en": "Reply to the complainant"},
                "source": "fault-injection suite",
                "limit": limit,
                "unit": unit,
                "starts_on": ["ComplaintReceived"],
                "stops_on": ["ReplySent", "ComplaintClosed"],
                "reminder_at": False,
                "escalation": [],
            }
        ],
    }


def desk_deliveries(directory: Path) -> frozenset[tuple[str, str]]:
    """(person, channel) of everyone a faults-short breach notice goes to, from the directory
    the notifier reads."""
    from complaint_notifier.domain.directory import load_directory, recipients

    people = recipients(load_directory(directory), "complaint_desk", None, policy_id=SHORT_POLICY)
    return frozenset(
        (person.person_id, channel)
        for person in people
        for channel, address in (("email", person.email), ("webhook", person.webhook))
        if address
    )


# ---------------------------------------------------------------- load


@dataclass(frozen=True)
class Submission:
    key: str
    body: dict[str, Any]
    over_rest: bool


def submissions(
    count: int, rest_share: float, due_share: float, rng: random.Random
) -> list[Submission]:
    run = uuid.uuid4().hex[:8]
    made = []
    for index in range(count):
        source = DUE_SOURCE if rng.random() < due_share else CALM_SOURCE
        reference = f"F-{run}-{index:06d}"
        body = {
            "source_system": source,
            "external_reference": reference,
            "channel": "web",
            "title": "包装破损 Damaged packaging",
            "description": f"收到的商品包装破损，要求退货。Fault suite complaint {reference}.",
            "complainant": {"name": "测试顾客", "phone": "13800138000"},
        }
        made.append(Submission(f"{source}|{reference}", body, rng.random() < rest_share))
    return made


def bad_inputs(count: int, prefix: str) -> list[tuple[BadInput, list[tuple[str, bytes]]]]:
    """`count` messages spread over the consumed topics: bytes that are not UTF-8, JSON that is
    not an object, and objects of the wrong shape; each unique, so its dead letter is found."""
    made = []
    for index in range(count):
        spec = BAD_TOPICS[index % len(BAD_TOPICS)]
        marker = f"faults-bad-{uuid.uuid4().hex}"
        kind = (index // len(BAD_TOPICS)) % 3
        headers: list[tuple[str, bytes]] = []
        if kind == 0:
            value = b"\xff\xfe" + marker.encode()
        elif kind == 1:
            value = json.dumps(["not", "an", "object", marker]).encode()
        else:
            event_type = spec.event_types[0]
            value = json.dumps({"event_type": event_type, "marker": marker}).encode()
            headers = [("event_type", event_type.encode())]
        bad = BadInput(topic_name(spec, prefix), value, tuple(sorted(rejecters(spec, headers))))
        made.append((bad, headers))
    return made


def rejecters(spec: TopicSpec, headers: Sequence[tuple[str, bytes]]) -> frozenset[str]:
    """The services that must dead-letter a refused message on `spec`: its catalogued consumers
    (the archive reads every topic but leaves raw submissions to intake), except the classifier
    for a lifecycle message whose header names another type than the one it handles (it skips
    those unread, leaving them to the others)."""
    services = set(spec.consumers)
    if spec == LIFECYCLE:
        named = read_headers(headers).get(EVENT_TYPE_HEADER)
        if named is not None and named != ComplaintReclassified.event_type:
            services.discard("classifier")
    return frozenset(services)


class _TryAgain(Exception):
    """Intake did not answer for good (connection lost, timeout, 429, 5xx)."""


class Loader:
    """Submits complaints over REST (retried with the same body: idempotent) and over Kafka
    (sent again until acknowledged), and the bad inputs; keeps what was accepted."""

    def __init__(self, intake_url: str, api_key: str, producer: AIOKafkaProducer, prefix: str):
        self.http = httpx.AsyncClient(
            base_url=intake_url, headers={"X-API-Key": api_key}, timeout=120
        )
        self.producer, self.prefix = producer, prefix
        self.accepted: dict[str, str | None] = {}
        self.refused: dict[str, str] = {}
        self.retries = Counter[str]()
        self.accepted_at: list[float] = []

    async def submit(self, item: Submission, give_up_after: float) -> None:
        if item.over_rest:
            await self._rest(item, give_up_after)
        else:
            envelope = new_event(ComplaintSubmitted.model_validate(item.body), producer="faults")
            await self._kafka(
                topic_name(SUBMITTED, self.prefix),
                encode(envelope),
                message_key(envelope),
                headers_for(envelope),
            )
            self.accepted[item.key] = None
        self.accepted_at.append(time.monotonic())

    async def _rest(self, item: Submission, give_up_after: float) -> None:
        """POST until intake answers for good: connection errors, timeouts, 429 and 5xx are
        retried with the same body (idempotent), with backoff so retries do not pile up."""
        retrying = tenacity.AsyncRetrying(
            retry=tenacity.retry_if_exception_type(_TryAgain),
            wait=tenacity.wait_exponential_jitter(multiplier=0.5, max=15),
            stop=tenacity.stop_after_delay(give_up_after),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    answer = await self._post(item)
        except _TryAgain as error:
            self.refused[item.key] = f"gave up after {give_up_after:.0f}s, last {error}"
            return
        if answer.status_code in (200, 202):
            self.accepted[item.key] = answer.json()["complaint_id"]
        else:
            self.refused[item.key] = f"HTTP {answer.status_code}: {answer.text[:200]}"

    async def _post(self, item: Submission) -> httpx.Response:
        try:
            answer = await self.http.post("/v1/complaints", json=item.body)
        except httpx.TransportError as error:
            self.retries[type(error).__name__] += 1
            raise _TryAgain(type(error).__name__) from error
        if answer.status_code >= 500 or answer.status_code == 429:
            self.retries[f"HTTP {answer.status_code}"] += 1
            raise _TryAgain(f"HTTP {answer.status_code}")
        return answer

    async def _kafka(
        self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        while True:
            try:
                await self.producer.send_and_wait(topic, value, key=key, headers=headers)
                return
            except Exception as error:  # any failure: the same bytes again (intake dedupes)
                self.retries[f"kafka {type(error).__name__}"] += 1
                await asyncio.sleep(0.5)

    async def send_bad(self, bad: BadInput, headers: list[tuple[str, bytes]]) -> None:
        await self._kafka(bad.topic, bad.value, bad.value[-40:], headers)

    async def close(self) -> None:
        await self.http.aclose()


async def push_load(
    loader: Loader,
    items: Sequence[Submission],
    bad: Sequence[tuple[BadInput, list[tuple[str, bytes]]]],
    seconds: float,
    rng: random.Random,
) -> None:
    """Everything spread evenly over `seconds`, in random order, at most 32 in flight."""
    work: list[Any] = [*items, *bad]
    rng.shuffle(work)
    gate = asyncio.Semaphore(32)
    start = time.monotonic()

    async def one(thing: Any) -> None:
        async with gate:
            if isinstance(thing, Submission):
                await loader.submit(thing, give_up_after=600)
            else:
                await loader.send_bad(*thing)

    tasks = []
    for index, thing in enumerate(work):
        await _sleep_until(start + index * seconds / max(1, len(work)))
        tasks.append(asyncio.create_task(one(thing)))
    await asyncio.gather(*tasks)


async def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


# ---------------------------------------------------------------- chaos


@dataclass(frozen=True)
class Fault:
    at: float  # seconds after the load began
    action: str  # "kill" (a service) or "restart" (a server of the stack)
    target: str
    pause: float  # seconds the target stays down


@dataclass
class Chaos:
    """SIGKILLs and restarts at moments drawn from the seed. Faults on different targets may
    overlap (a service killed while the broker is down); one target's faults come in turn."""

    system: System
    stack: PrivateStack
    log: list[str] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)
    restarts: Counter[str] = field(default_factory=Counter)
    failed_starts: Counter[str] = field(default_factory=Counter)
    stopping: threading.Event = field(default_factory=threading.Event)

    @staticmethod
    def plan(rng: random.Random, load_seconds: float, kills_each: int) -> list[Fault]:
        """Each service killed `kills_each` times and Kafka and the MongoDB server restarted once
        while the load comes in; the notifier's kills fall while its notices fall due (the
        minute after each submission)."""
        faults = []
        for name in NAMES:
            earliest = DUE_AFTER_SECONDS if name == "notifier" else 0.0
            for _ in range(kills_each):
                at = rng.uniform(earliest, earliest + load_seconds)
                faults.append(Fault(at, "kill", name, rng.uniform(0, 2)))
        for server in ("kafka", "mongo"):
            at = rng.uniform(0.2 * load_seconds, 0.8 * load_seconds)
            faults.append(Fault(at, "restart", server, rng.uniform(2, 5)))
        return sorted(faults, key=lambda fault: fault.at)

    async def run(self, plan: Sequence[Fault]) -> None:
        start = time.monotonic()
        turns = {fault.target: asyncio.Lock() for fault in plan}
        await asyncio.gather(*(self._inject(fault, start, turns[fault.target]) for fault in plan))

    async def _inject(self, fault: Fault, start: float, turn: asyncio.Lock) -> None:
        await _sleep_until(start + fault.at)
        async with turn:
            began = time.monotonic()
            if fault.action == "kill":
                await asyncio.to_thread(self._kill_and_restart, fault.target, fault.pause)
                self.kills[fault.target] += 1
            else:
                await asyncio.to_thread(self._restart_server, fault.target, fault.pause)
                self.restarts[fault.target] += 1
        line = (
            f"t={began - start:6.1f}s {fault.action} {fault.target} "
            f"(back in {time.monotonic() - began:.1f}s)"
        )
        self.log.append(line)
        print(f"chaos: {line}", flush=True)

    def _kill_and_restart(self, name: str, pause: float) -> None:
        if self.stopping.is_set():
            return
        service = self.system[name]
        service.kill()
        time.sleep(pause)
        self._supervise(name)

    def _supervise(self, name: str, seconds: float = 300) -> None:
        """Start the service and, as a supervisor (Kubernetes, systemd) would, start it again
        while it exits at start-up (a service finding its broker down may exit)."""
        service = self.system[name]
        deadline = time.monotonic() + seconds
        service.start()
        while not service.ready():
            if self.stopping.is_set():
                return
            if time.monotonic() > deadline:
                raise ServiceFailed(f"{name} not ready in {seconds:.0f}s:\n{service.tail()}")
            if not service.running():
                self.failed_starts[name] += 1
                print(f"chaos: {name} exited at start-up, started again", flush=True)
                time.sleep(2)
                service.start()
            time.sleep(0.3)

    def _restart_server(self, server: str, pause: float, tries: int = 3) -> None:
        self.stack.down(server)
        time.sleep(pause)
        for attempt in range(1, tries + 1):
            try:
                self.stack.up(server)
                return
            except RuntimeError as error:
                if attempt == tries or self.stopping.is_set():
                    raise
                self.failed_starts[server] += 1
                print(f"chaos: {server} did not start ({error}), trying again", flush=True)
                time.sleep(5)


# ---------------------------------------------------------------- observation


async def read_topic(bootstrap: str, spec: TopicSpec, prefix: str) -> list[Any]:
    """Every record of a catalogued topic, from the beginning to the end it has now."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        await consumer.topics()  # the partitions' leaders, before asking for their offsets
        parts = [TopicPartition(topic_name(spec, prefix), p) for p in range(spec.partitions)]
        consumer.assign(parts)
        starts = await consumer.beginning_offsets(parts)
        ends = await consumer.end_offsets(parts)
        for part in parts:
            consumer.seek(part, starts[part])
        records: list[Any] = []
        while [p for p in parts if await consumer.position(p) < ends[p]]:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for part_records in batch.values():
                records.extend(part_records)
        return [r for r in records if r.offset < ends[TopicPartition(r.topic, r.partition)]]
    finally:
        await consumer.stop()


async def consumer_lag(bootstrap: str, prefix: str) -> dict[str, int]:
    """Per service's group and topic it reads ("archive complaints.notices.v1"): end offsets
    minus committed offsets."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        lag = {}
        for service in NAMES:
            committed = await admin.list_consumer_group_offsets(
                f"{prefix}complaints.{service}.main"
            )
            for spec in TOPICS:
                if service in spec.consumers or service == "archive":
                    parts = [
                        TopicPartition(topic_name(spec, prefix), p) for p in range(spec.partitions)
                    ]
                    ends = await consumer.end_offsets(parts)
                    lag[f"{service} {spec.name}"] = sum(
                        max(0, ends[p] - (committed[p].offset if p in committed else 0))
                        for p in parts
                    )
        return lag
    finally:
        await consumer.stop()
        await admin.close()


async def observe(
    stack: PrivateStack,
    prefix: str,
    suffix: str,
    mailbox: Mailbox,
    hooks: HookReceiver,
    archive_url: str,
    api_key: str,
    rng: random.Random,
) -> Observed:
    received = await _received(stack.kafka, prefix)
    sent, breaches = await _notices(stack.kafka, prefix)
    archived = await asyncio.to_thread(_archived, stack.mongodb_uri, f"archive{suffix}")
    return Observed(
        archived=archived,
        received=received,
        sent=sent,
        breaches=breaches,
        mails=[_angle(m["Message-ID"]) for m in mailbox.snapshot()],
        hooks=[(h.headers.get("idempotency-key", ""), h.signature_valid) for h in hooks.snapshot()],
        dead_letters=await _dead_letters(stack.kafka, prefix),
        lag=await consumer_lag(stack.kafka, prefix),
        api_misses=await _sample_api(archive_url, api_key, archived, rng),
    )


def _angle(message_id: str | None) -> str:
    return (message_id or "").strip().strip("<>").partition("@")[0]


async def _received(bootstrap: str, prefix: str) -> list[Received]:
    found = []
    for record in await read_topic(bootstrap, RECEIVED, prefix):
        event = _event(record)
        if event is None:
            continue
        payload = event.payload
        key = f"{payload.submission.source_system}|{payload.submission.external_reference}"
        found.append(Received(key, payload.complaint_id, payload.complaint_number, event.event_id))
    return found


async def _notices(bootstrap: str, prefix: str) -> tuple[list[Sent], list[Breach]]:
    sent = []
    for record in await read_topic(bootstrap, NOTICES, prefix):
        event = _event(record)
        if event is None or event.event_type != "NoticeSent":
            continue
        p = event.payload
        sent.append(
            Sent(
                event.complaint_id,
                p.notice_id,
                str(p.notice_kind),
                p.recipient_ref,
                str(p.channel),
                event.event_id,
            )
        )
    breaches = []
    for record in await read_topic(bootstrap, DEADLINES, prefix):
        event = _event(record)
        if event is not None and event.event_type == "DeadlineBreached":
            breaches.append(Breach(event.complaint_id, event.payload.deadline_id, event.event_id))
    return sent, breaches


async def _dead_letters(bootstrap: str, prefix: str) -> list[DeadLetter]:
    letters = []
    for record in await read_topic(bootstrap, REJECTED, prefix):
        event = _event(record)
        if event is None:
            continue
        p = event.payload
        letters.append(
            DeadLetter(p.rejected_by, p.source_topic or "", bytes(p.original_value), event.event_id)
        )
    return letters


def _event(record: Any) -> Any:
    try:
        return decode(record.value or b"", list(record.headers or ()))
    except Exception:  # our own bad inputs sit on these topics too
        return None


def _archived(uri: str, database: str) -> list[Archived]:
    client: MongoClient[dict[str, Any]] = MongoClient(uri)
    try:
        fields = {"number": 1, "record.source_system": 1, "record.external_reference": 1}
        docs = client[database]["complaints"].find({}, fields).batch_size(500)
        found = []
        for doc in docs:
            record = doc.get("record") or {}
            key = f"{record.get('source_system')}|{record.get('external_reference')}"
            found.append(Archived(key, str(doc["_id"]), str(doc.get("number"))))
        return found
    finally:
        client.close()


async def _sample_api(
    url: str, api_key: str, archived: Sequence[Archived], rng: random.Random, size: int = 10
) -> list[str]:
    """A sample of the archived complaints asked for through the archive's REST API."""
    misses = []
    sample = rng.sample(list(archived), min(size, len(archived)))
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": api_key}, timeout=60) as http:
        for doc in sample:
            try:
                answer = await http.get(f"/complaints/{doc.complaint_id}")
            except httpx.HTTPError as error:
                misses.append(f"{doc.complaint_id}: {type(error).__name__}")
                continue
            if answer.status_code != 200 or answer.json().get("number") != doc.number:
                misses.append(f"{doc.complaint_id}: HTTP {answer.status_code}")
    return misses


# ---------------------------------------------------------------- the run


@dataclass
class Settings:
    complaints: int = 10_000
    rest_share: float = 0.3
    due_share: float = 0.25
    bad_inputs: int = 24
    load_seconds: float = 300
    kills_each: int = 2
    seed: int = dataclasses.field(default_factory=lambda: random.randrange(2**31))
    drain_timeout: float = 7200
    stack_dir: Path = ROOT / ".stack" / "faults"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    workdir: Path | None = None


@dataclass
class Outcome:
    report: Report
    seconds: float
    chaos: list[str]

    @property
    def ok(self) -> bool:
        return not self.report.violations


async def run(settings: Settings) -> Outcome:
    rng = random.Random(settings.seed)
    print(f"faults: seed {settings.seed} (--seed {settings.seed} repeats this run)", flush=True)
    began = time.monotonic()
    stack = PrivateStack(settings.stack_dir, settings.ports)
    stack.prepare()
    stack.up()
    try:
        with _workdir(settings.workdir) as workdir:
            report, chaos = await _with_stack(settings, stack, workdir, rng)
    finally:
        stack.down()
    return Outcome(report, time.monotonic() - began, chaos)


@contextlib.contextmanager
def _workdir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="faults-") as folder:
        yield Path(folder)


async def _with_stack(
    settings: Settings, stack: PrivateStack, workdir: Path, rng: random.Random
) -> tuple[Report, list[str]]:
    run_id = uuid.uuid4().hex[:8]
    prefix, suffix = f"faults-{run_id}.", f"_faults_{run_id}"
    await ensure_topics(stack.kafka, prefix)
    mailbox = Mailbox().start()
    hooks_secret = uuid.uuid4().hex * 2
    hooks = HookReceiver(hooks_secret).start()
    config = local_config(
        workdir,
        kafka=stack.kafka,
        mongodb_uri=stack.mongodb_uri,
        smtp_port=mailbox.port,
        hooks_url=hooks.url,
        topic_prefix=prefix,
        database_suffix=suffix,
        webhook_secret=hooks_secret,
        policy_by_source={DUE_SOURCE: SHORT_POLICY, CALM_SOURCE: CALM_POLICY},
        policies_dir=write_policies(workdir / "policies"),
        extra={
            "NOTIFIER_LEASE_SECONDS": "25",
            "NOTIFIER_DELIVERY_TRIES": "3",
            "NOTIFIER_RETRY_BACKOFF_SECONDS": "0.5",
            "SMTP_TIMEOUT_SECONDS": "5",
            "NOTIFIER_WEBHOOK_TIMEOUT_SECONDS": "5",
            "NOTIFIER_SEND_CONCURRENCY": str(NOTIFIER_SEND_CONCURRENCY),
            "LOG_LEVEL": "WARNING",
        },
    )
    ports = {name: free_port() for name in NAMES}
    system = System(config.env, workdir / "logs", ports=ports, database_suffix=suffix)
    try:
        system.start(ready_within=240)
        return await _drive(
            settings,
            stack,
            system,
            config.api_key,
            config.directory,
            prefix,
            suffix,
            mailbox,
            hooks,
            rng,
        )
    finally:
        system.stop()
        mailbox.stop()
        hooks.stop()
        with contextlib.suppress(Exception):
            await delete_topics(stack.kafka, prefix)
        _drop_databases(stack.mongodb_uri, suffix)
        print(f"faults: service logs in {workdir / 'logs'}", flush=True)


def _drop_databases(uri: str, suffix: str) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=5000)
    with contextlib.suppress(Exception):
        for name in NAMES:
            client.drop_database(f"{name}{suffix}")
    client.close()


async def _drive(
    settings: Settings,
    stack: PrivateStack,
    system: System,
    api_key: str,
    directory: Path,
    prefix: str,
    suffix: str,
    mailbox: Mailbox,
    hooks: HookReceiver,
    rng: random.Random,
) -> tuple[Report, list[str]]:
    items = submissions(settings.complaints, settings.rest_share, settings.due_share, rng)
    bad = bad_inputs(settings.bad_inputs, prefix)
    chaos = Chaos(system, stack)
    plan = Chaos.plan(rng, settings.load_seconds, settings.kills_each)
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka, acks="all", request_timeout_ms=15000)
    await producer.start()
    loader = Loader(system.url("intake"), api_key, producer, prefix)
    started = time.monotonic()
    faults = asyncio.create_task(chaos.run(plan))
    try:
        await asyncio.gather(push_load(loader, items, bad, settings.load_seconds, rng), faults)
    finally:
        chaos.stopping.set()  # on failure: no service started again behind our back
        await asyncio.gather(faults, return_exceptions=True)
        await loader.close()
        await producer.stop()
    load_done = time.monotonic()
    print(
        f"faults: load and chaos done in {load_done - started:.0f}s; "
        f"client retries {dict(loader.retries)}",
        flush=True,
    )
    due = {item.key for item in items if item.key.startswith(DUE_SOURCE)}
    expected = Expected(
        accepted=dict(loader.accepted),
        due={key for key in due if key in loader.accepted},
        deliveries=desk_deliveries(directory),
        bad=[b for b, _ in bad],
        notifier_kills=chaos.kills["notifier"],
        refused=dict(loader.refused),
    )
    last = max(loader.accepted_at, default=load_done)
    await _drain(settings, stack, prefix, expected, last + DUE_AFTER_SECONDS + 5)
    print(f"faults: drained {time.monotonic() - load_done:.0f}s after the load", flush=True)
    seen = await observe(stack, prefix, suffix, mailbox, hooks, system.url("archive"), api_key, rng)
    report = verify(expected, seen)
    report.count("complaints pushed", settings.complaints)
    for name in NAMES:
        report.count(f"SIGKILLs of {name}", chaos.kills[name])
    report.count("Kafka broker restarts", chaos.restarts["kafka"])
    report.count("MongoDB-protocol server restarts", chaos.restarts["mongo"])
    for name in (*NAMES, "kafka", "mongo"):
        report.count(f"{name} exits at start-up (started again)", chaos.failed_starts[name])
    return report, chaos.log


async def _drain(
    settings: Settings, stack: PrivateStack, prefix: str, expected: Expected, not_before: float
) -> None:
    """Wait until the last deadline is past, every group has caught up and every due
    notice was sent (or the drain timeout passes; then the verifier says what is missing)."""
    wanted = len(expected.due) * len(expected.deliveries)
    deadline = time.monotonic() + settings.drain_timeout
    while time.monotonic() < deadline:
        await _sleep_until(not_before)
        lag = await consumer_lag(stack.kafka, prefix)
        sent, _ = await _notices(stack.kafka, prefix)
        distinct = len({(s.notice_id, s.person, s.channel) for s in sent})
        by_service = Counter[str]()
        for reader, count in lag.items():
            by_service[reader.split()[0]] += count
        behind = ", ".join(f"{name} {by_service[name]:,}" for name in NAMES)
        print(f"faults: draining: lag {behind}; notices {distinct:,}/{wanted:,}", flush=True)
        if not sum(lag.values()) and distinct >= wanted:
            await asyncio.sleep(5)  # one more look: nothing must still be in flight
            if not sum((await consumer_lag(stack.kafka, prefix)).values()):
                return
        await asyncio.sleep(10)


# ---------------------------------------------------------------- command line


def parse(argv: Sequence[str]) -> Settings:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    base = Settings()
    parser.add_argument("--complaints", type=int, default=base.complaints)
    parser.add_argument(
        "--rest-share",
        type=float,
        default=base.rest_share,
        help="share submitted over REST (the rest over Kafka)",
    )
    parser.add_argument(
        "--due-share",
        type=float,
        default=base.due_share,
        help="share on the one-minute policy (the rest on a 30-day clock)",
    )
    parser.add_argument("--bad-inputs", type=int, default=base.bad_inputs)
    parser.add_argument("--load-seconds", type=float, default=base.load_seconds)
    parser.add_argument(
        "--kills-each", type=int, default=base.kills_each, help="SIGKILLs per service"
    )
    parser.add_argument("--seed", type=int, default=base.seed)
    parser.add_argument("--drain-timeout", type=float, default=base.drain_timeout)
    parser.add_argument(
        "--stack-dir", type=Path, default=Path(os.environ.get("STACK_DIR", base.stack_dir))
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep config and service logs here (default: a temporary folder)",
    )
    args = parser.parse_args(argv)
    ports = {name: int(os.environ.get(name, number)) for name, number in DEFAULT_PORTS.items()}
    return Settings(
        complaints=args.complaints,
        rest_share=args.rest_share,
        due_share=args.due_share,
        bad_inputs=args.bad_inputs,
        load_seconds=args.load_seconds,
        kills_each=args.kills_each,
        seed=args.seed,
        drain_timeout=args.drain_timeout,
        stack_dir=args.stack_dir.resolve(),
        ports=ports,
        workdir=args.workdir,
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse(sys.argv[1:] if argv is None else argv)
    # the clients' reconnect chatter while the broker is down is expected, not news
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    signal.signal(signal.SIGTERM, _interrupt)  # a terminated run still stops what it started
    outcome = asyncio.run(run(settings))
    print("\n".join(["", "chaos:", *outcome.chaos, ""]))
    print(outcome.report.render())
    print(
        f"faults: {settings.complaints:,} complaints, seed {settings.seed}, "
        f"{outcome.seconds:.0f}s in all"
    )
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
