"""What the end-to-end tests drive the running system with (see `tests/e2e/conftest.py`).

`E2ESystem` is the four service processes of one test session with everything around them:
their own topics and databases, the SMTP server and webhook receiver notices go to, API keys of
several scopes, and helpers to submit over HTTP or Kafka, send lifecycle commands, poll the
REST APIs until a condition holds and read this run's events from a topic.

Every complaint a test builds with `E2ESystem.complaint` records the complainant's personal
data in `personal_data`, so the log scan at the end of the session covers all of them.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from complaint_events import (
    TOPICS,
    ComplaintSubmitted,
    DecodeError,
    Envelope,
    TopicSpec,
    decode,
    encode,
    headers_for,
    message_key,
    new_event,
    topic_name,
)
from deploy.local.system import Hook, HookReceiver, LocalConfig, Mailbox, System

SCOPES_OF_KEYS = {
    "admin": ["read", "write", "privileged"],
    "reader": ["read"],
    "writer": ["write"],
    "privileged_only": ["privileged"],
}
"""The API keys every e2e system accepts (key name → scopes); `admin` is local_config's key."""

EXEMPT_PATHS = frozenset(
    {"/health/live", "/health/ready", "/metrics", "/docs", "/docs/oauth2-redirect",
     "/redoc", "/openapi.json"}
)  # fmt: skip
"""Paths every service answers without an API key: probes, Prometheus and the API docs."""


@dataclass(frozen=True)
class Person:
    """A complainant of the tests; every form of their data is searched for in the logs."""

    name: str
    phone: str
    email: str

    def searchable(self) -> list[str]:
        """The name, e-mail and the phone as written, in E.164, as bare digits, spaced and
        dashed."""
        digits = re.sub(r"\D", "", self.phone)
        national = digits[2:] if self.phone.startswith("+86") else digits
        return [
            self.name,
            self.email,
            self.phone,
            national,
            f"+86{national}",
            spaced(national),
            dashed(national),
        ]


def spaced(phone: str) -> str:
    """A mainland mobile number written 3-4-4 with spaces, as people type it."""
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def dashed(phone: str) -> str:
    return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"


@dataclass
class E2ESystem:
    """The running system of this session and the tools to drive and observe it."""

    system: System
    config: LocalConfig
    bootstrap: str
    topic_prefix: str
    database_suffix: str
    mailbox: Mailbox
    hooks: HookReceiver
    keys: dict[str, str]
    run_id: str
    http: httpx.AsyncClient
    producer: AIOKafkaProducer
    personal_data: set[str] = field(default_factory=set)
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    @property
    def api_key(self) -> str:
        return self.keys["admin"]

    def url(self, service: str, path: str) -> str:
        return f"{self.system.url(service)}{path}"

    def reference(self, label: str) -> str:
        """A fresh external reference of this run."""
        return f"{label}-{self.run_id}-{next(self._numbers)}"

    def complaint(
        self,
        source_system: str,
        description: str,
        person: Person | None,
        *,
        label: str = "e2e",
        **fields: Any,
    ) -> dict[str, Any]:
        """A submission body; its complainant's data is remembered for the log scan.
        `person=None` makes an anonymous complaint."""
        complainant: dict[str, Any] = {"anonymous": True}
        if person is not None:
            complainant = {"name": person.name, "phone": person.phone, "email": person.email}
            self.personal_data.update(person.searchable())
        complainant.update(fields.pop("complainant", {}))
        return {
            "source_system": source_system,
            "external_reference": self.reference(label),
            "channel": "web",
            "description": description,
            "complainant": complainant,
            **fields,
        }

    # --- the way in ------------------------------------------------------------------------

    async def submit(self, body: dict[str, Any], key: str = "admin") -> dict[str, Any]:
        """POST /v1/complaints; the answer of a new complaint (id, number, event id)."""
        answer = await self.http.post(
            self.url("intake", "/v1/complaints"), json=body, headers=self.headers(key)
        )
        assert answer.status_code == 202, f"submission refused: {answer.status_code} {answer.text}"
        return dict(answer.json())

    async def publish_submission(self, body: dict[str, Any]) -> Envelope[ComplaintSubmitted]:
        """Publish a `ComplaintSubmitted` event on this run's submitted topic, the way other
        systems do (shared codec: value, key and headers)."""
        event = new_event(ComplaintSubmitted.model_validate(body), producer="e2e-tests")
        await self.producer.send_and_wait(
            self.topic("complaints.submitted.v1"),
            encode(event),
            key=message_key(event),
            headers=headers_for(event),
        )
        return event

    async def command(
        self, ref: str, command: str, body: dict[str, Any], key: str = "admin"
    ) -> dict[str, Any]:
        """POST /v1/complaints/{ref}/{command} (a lifecycle command), expecting 202. Intake
        answers 409 `received` until it has consumed the classification: wait for that."""
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            answer = await self.http.post(
                self.url("intake", f"/v1/complaints/{ref}/{command}"),
                json=body,
                headers=self.headers(key),
            )
            waiting = answer.status_code == 409 and answer.json().get("state") == "received"
            if not waiting or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.5)
        assert answer.status_code == 202, f"{command} refused: {answer.status_code} {answer.text}"
        return dict(answer.json())

    # --- looking --------------------------------------------------------------------------

    def headers(self, key: str | None) -> dict[str, str]:
        return {} if key is None else {"X-API-Key": self.keys.get(key, key)}

    async def get(self, service: str, path: str, key: str | None = "admin") -> httpx.Response:
        return await self.http.get(self.url(service, path), headers=self.headers(key))

    async def poll(
        self,
        service: str,
        path: str,
        until: Callable[[Any], bool],
        *,
        seconds: float = 60,
        what: str = "",
        key: str = "admin",
    ) -> Any:
        """GET `path` until it answers 200 with a body for which `until` holds; fail after
        `seconds` naming `what` and showing the last answer."""
        deadline = time.monotonic() + seconds
        while True:
            answer = await self.get(service, path, key)
            if answer.status_code == 200 and until(answer.json()):
                return answer.json()
            if time.monotonic() >= deadline:
                pytest.fail(
                    f"{what or path}: not within {seconds:.0f}s; last answer of {service} "
                    f"{path}: {answer.status_code} {answer.text[:3000]}"
                )
            await asyncio.sleep(0.5)

    async def document(
        self, complaint_id: str, until: Callable[[Any], bool], *, seconds: float = 60, what: str
    ) -> dict[str, Any]:
        """The archive's document of a complaint once `until(document)` holds."""
        found = await self.poll(
            "archive", f"/complaints/{complaint_id}", until, seconds=seconds, what=what
        )
        return dict(found)

    async def deadlines(
        self, complaint_id: str, until: Callable[[Any], bool], *, seconds: float = 60, what: str
    ) -> dict[str, Any]:
        """The notifier's clocks and notices of a complaint once `until(answer)` holds."""
        found = await self.poll(
            "notifier",
            f"/v1/complaints/{complaint_id}/deadlines",
            until,
            seconds=seconds,
            what=what,
        )
        return dict(found)

    async def wait_for_mail(
        self, check: Callable[[list[EmailMessage]], bool], *, seconds: float, what: str
    ) -> list[EmailMessage]:
        """The Mailbox's messages once `check(messages)` holds."""
        deadline = time.monotonic() + seconds
        while not check(messages := self.mailbox.snapshot()):
            if time.monotonic() >= deadline:
                summary = [(m["To"], m["Subject"]) for m in messages[-20:]]
                pytest.fail(f"{what}: not within {seconds:.0f}s; last messages: {summary}")
            await asyncio.sleep(0.5)
        return messages

    def mail_about(self, number: str, kind: str | None = None) -> list[EmailMessage]:
        """Every e-mail whose subject names this complaint number (of one notice kind)."""
        return [
            m
            for m in self.mailbox.snapshot()
            if number in str(m["Subject"]) and kind in (None, m["X-Complaints-Notice-Kind"])
        ]

    def hooks_about(self, complaint_id: str, kind: str | None = None) -> list[Hook]:
        return [
            h
            for h in self.hooks.snapshot()
            if h.json().get("complaint_id") == complaint_id and kind in (None, h.json()["kind"])
        ]

    def topic(self, name: str) -> str:
        return topic_name(spec_named(name), self.topic_prefix)

    async def read_topic(self, name: str) -> list[Envelope[Any]]:
        """Every event on this run's topic `name` (e.g. "complaints.deadlines.v1") so far."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None
        )
        await consumer.start()
        try:
            topic = self.topic(name)
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
            ]
            if not partitions:
                partitions = [TopicPartition(topic, p) for p in range(spec_named(name).partitions)]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            events: list[Envelope[Any] | None] = []
            while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
                batches = await consumer.getmany(*partitions, timeout_ms=1000)
                for records in batches.values():
                    events.extend(decoded(r.value, r.headers) for r in records)
            return [event for event in events if event is not None]
        finally:
            await consumer.stop()

    async def events_of(self, name: str, complaint_id: str) -> list[Envelope[Any]]:
        return [e for e in await self.read_topic(name) if e.complaint_id == complaint_id]

    async def received_for(self, submitted: Envelope[Any], *, seconds: float = 60) -> Any:
        """The `ComplaintReceived` intake published for a submission sent over Kafka (its
        correlation id is kept)."""
        deadline = time.monotonic() + seconds
        while True:
            for event in await self.read_topic("complaints.received.v1"):
                if event.correlation_id == submitted.correlation_id:
                    return event
            if time.monotonic() >= deadline:
                pytest.fail(f"no ComplaintReceived for submission {submitted.event_id}")
            await asyncio.sleep(0.5)


def decoded(value: bytes | None, headers: Any) -> Envelope[Any] | None:
    """The event, or None for bytes that are none (other tests' deliberately bad input)."""
    try:
        return decode(value or b"", headers)
    except DecodeError:
        return None


def spec_named(name: str) -> TopicSpec:
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def timeline_types(document: dict[str, Any]) -> list[str]:
    return [entry["event_type"] for entry in document.get("timeline", [])]


def recipients(messages: Iterable[EmailMessage]) -> set[str]:
    return {address.addr_spec for message in messages for address in message["To"].addresses}


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return str(part.get_content()) if part is not None else ""
