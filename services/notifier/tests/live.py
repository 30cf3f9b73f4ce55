"""Real parts for the notifier's integration tests: an SMTP server and a webhook receiver on
loopback, the test policy and directory, settings, events, and reading Kafka."""

import asyncio
import email
import email.policy
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from complaint_events import (
    Acceptance,
    Complainant,
    ComplaintClassified,
    ComplaintReceived,
    ComplaintSubmitted,
    Envelope,
    EventPayload,
    Respondent,
    TopicSpec,
    decode,
    encode,
    header_map,
    message_key,
    new_event,
    topic_for_event_type,
    topic_name,
)
from complaint_notifier.app import build
from complaint_notifier.domain import Clock
from complaint_notifier.settings import NotifierSettings
from complaint_runtime import DATA_DIR
from complaint_runtime.auth import digest

DATA = Path(__file__).parent / "data"
POLICY = "notifier-test"
SECRET = "test-webhook-secret-0123456789abcdef-0123"
READER = "live-reader-key"
NAME, PHONE = "王小明", "13912345678"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback keeping every message it accepted."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.delay = delay
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)  # a slower server keeps a run going for longer
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def received(self, complaint: str | None = None) -> list[EmailMessage]:
        with self.lock:
            found = list(self.messages)
        return [m for m in found if complaint is None or complaint in str(m["Subject"])]

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class HookCall:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


@dataclass
class HookSink:
    """A webhook receiver on loopback (http.server in a thread). Answers each path with the
    statuses a test queued for it, then 200."""

    calls: list[HookCall] = field(default_factory=list)
    queued: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    sink.calls.append(HookCall(self.path, dict(self.headers.items()), body))
                    statuses = sink.queued.get(self.path, [])
                    status = statuses.pop(0) if statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def received(self, path: str | None = None) -> list[HookCall]:
        with self.lock:
            return [call for call in self.calls if path is None or call.path == path]

    def __enter__(self) -> "HookSink":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_directory(folder: Path, hooks: HookSink) -> Path:
    """desk (sees the complainant, e-mail and webhook, English), the respondent's head
    (respondent side, e-mail, Chinese) and a manager (e-mail and webhook, default language)."""
    directory = {
        "people": {
            "desk": {
                "name": "Complaint desk",
                "email": "desk@test.example",
                "webhook": hooks.url("/hooks/desk"),
                "language": "en",
            },
            "head": {"name": "部门负责人", "email": "head@test.example", "language": "zh"},
            "manager": {
                "name": "总经理",
                "email": "manager@test.example",
                "webhook": hooks.url("/hooks/manager"),
            },
        },
        "roles": {
            "desk": {"sees_complainant": True, "people": ["desk"]},
            "respondent_head": {"respondent_side": True, "people": ["head"]},
            "manager": {"people": ["manager"]},
        },
    }
    path = folder / "directory.yaml"
    path.write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    return path


def keys_file(folder: Path) -> Path:
    path = folder / "api-keys.yaml"
    entry = {"id": "live", "sha256": digest(READER), "scopes": ["read"]}
    path.write_text(json.dumps({"keys": [entry]}), encoding="utf-8")
    return path


def notifier_settings(
    *,
    kafka: str,
    mongodb_uri: str,
    database: str,
    prefix: str,
    smtp: SmtpSink,
    directory: Path,
    **overrides: Any,
) -> NotifierSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka,
        "mongodb_uri": mongodb_uri,
        "mongodb_database": database,
        "topic_prefix": prefix,
        "consumer_group_prefix": f"{prefix}group",
        "policies_dir": DATA / "policies",
        "calendars_dir": DATA_DIR / "calendars",
        "directory_file": directory,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_tls": "none",
        "smtp_from": "notifier@test.example",
        "webhook_secret": SECRET,
        "poll_interval_seconds": 0.1,
        "retry_backoff_seconds": 0.05,
        "delivery_tries": 3,
        "smtp_timeout_seconds": 5,
        "webhook_timeout_seconds": 5,
        "lease_seconds": 30,
        "gauge_interval_seconds": 0.5,
        "http_port": free_port(),
        "kafka_batch_wait_ms": 20,
    }
    return NotifierSettings(**{**values, **overrides})


def environment(settings: NotifierSettings) -> dict[str, str]:
    """The settings as the environment a notifier process reads."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MONGODB_URI": settings.mongodb_uri,
        "MONGODB_DATABASE": settings.mongodb_database,
        "TOPIC_PREFIX": settings.topic_prefix,
        "CONSUMER_GROUP_PREFIX": settings.consumer_group_prefix,
        "HTTP_PORT": str(settings.http_port),
        "LOG_LEVEL": "WARNING",
        "POLICIES_DIR": str(settings.policies_dir),
        "CALENDARS_DIR": str(settings.calendars_dir),
        "DIRECTORY_FILE": str(settings.directory_file),
        "SMTP_HOST": settings.smtp_host,
        "SMTP_PORT": str(settings.smtp_port),
        "SMTP_TLS": settings.smtp_tls,
        "SMTP_FROM": settings.smtp_from,
        "WEBHOOK_SECRET": settings.webhook_secret.get_secret_value(),
        "NOTIFIER_POLL_INTERVAL_SECONDS": str(settings.poll_interval_seconds),
        "NOTIFIER_LEASE_SECONDS": str(settings.lease_seconds),
        "NOTIFIER_DELIVERY_TRIES": str(settings.delivery_tries),
        "NOTIFIER_RETRY_BACKOFF_SECONDS": str(settings.retry_backoff_seconds),
        "SMTP_TIMEOUT_SECONDS": str(settings.smtp_timeout_seconds),
        "NOTIFIER_WEBHOOK_TIMEOUT_SECONDS": str(settings.webhook_timeout_seconds),
        "NOTIFIER_KAFKA_BATCH_WAIT_MS": str(settings.kafka_batch_wait_ms),
    }


@asynccontextmanager
async def running(settings: NotifierSettings, clock: Clock | None = None) -> AsyncIterator[FastAPI]:
    """The notifier in this process, started and stopped like uvicorn does."""
    app = build(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


def complaint_id() -> str:
    return f"c-{uuid.uuid4().hex[:16]}"


def received(
    complaint: str,
    at: datetime,
    *,
    number: int = 1,
    confidential: bool = False,
    anonymous: bool = False,
    department: str | None = None,
) -> Envelope[ComplaintReceived]:
    person = Complainant(name=NAME, phone=PHONE, confidential=confidential, anonymous=anonymous)
    submission = ComplaintSubmitted(
        source_system="test",
        external_reference=complaint,
        channel="web",
        received_at=at,
        title=f"{NAME}（电话 {PHONE}）投诉产品破损",
        description=f"我是{NAME}，电话{PHONE}，收到的产品破损。",
        complainant=person,
        respondent=Respondent(organisation="某公司", department=department),
    )
    payload = ComplaintReceived(
        complaint_id=complaint,
        complaint_number=f"TS-{at:%Y%m%d}-{number:06d}",
        submission=submission,
    )
    return new_event(payload, producer="intake", occurred_at=at)


def classified(
    complaint: str,
    at: datetime,
    severity: str = "B",
    flags: Iterable[str] = (),
    policy: str = POLICY,
) -> Envelope[ComplaintClassified]:
    payload = ComplaintClassified(
        policy_id=policy,
        policy_version="sha256:test",
        severity=severity,
        severity_rank=0,
        flags=list(flags),
        acceptance=Acceptance(decision="accept"),
    )
    return new_event(payload, producer="classifier", complaint_id=complaint, occurred_at=at)


def event(complaint: str, payload: EventPayload, at: datetime) -> Envelope[Any]:
    return new_event(payload, producer="intake", complaint_id=complaint, occurred_at=at)


async def produce(bootstrap: str, prefix: str, events: Iterable[Envelope[Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for item in events:
            await producer.send_and_wait(
                topic_name(topic_for_event_type(item.event_type), prefix),
                encode(item),
                key=message_key(item),
                headers=[(k, v.encode()) for k, v in header_map(item).items()],
            )
    finally:
        await producer.stop()


async def produce_raw(bootstrap: str, topic: str, value: bytes, key: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


WAIT = 90.0
"""How long a test waits for an effect before it fails: a bound, not an expectation. A
fresh-clone CI run beside another CPU-bound job needed more than 30 s for a consumer to join
its group and the first notices to come out; the module timeouts (120 s and more) stay above."""


async def read_events(
    bootstrap: str,
    spec: TopicSpec,
    prefix: str,
    wanted: Callable[[Any], bool] = lambda _: True,
    *,
    count: int = 0,
    within: float = WAIT,
    settle: float = 0.0,
) -> list[Any]:
    """The topic's events that `wanted` picks, once `count` arrived and `settle` more seconds
    passed (to catch extra ones); fails after `within` seconds. Like every consumer of the
    system it drops repeats of an event id (a publish retried after a timeout may repeat)."""
    consumer = AIOKafkaConsumer(
        topic_name(spec, prefix),
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[Any] = []
    seen: set[str] = set()
    try:
        deadline = time.monotonic() + within
        enough_at: float | None = None
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for event in (decode(r.value, r.headers) for r in records):
                    if wanted(event) and event.event_id not in seen:
                        seen.add(event.event_id)
                        found.append(event)
            if len(found) >= count:
                enough_at = enough_at or time.monotonic()
                if time.monotonic() - enough_at >= settle:
                    return found
        raise TimeoutError(f"{len(found)} of {count} events after {within}s")
    finally:
        await consumer.stop()


async def until(check: Callable[[], Any], *, within: float = WAIT, every: float = 0.1) -> Any:
    """Wait until `check()` is truthy (it may be a coroutine function); its last value."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value or time.monotonic() > deadline:
            if not value:
                raise TimeoutError(f"still not true after {within}s")
            return value
        await asyncio.sleep(every)
