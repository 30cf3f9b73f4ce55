"""Everything a use case needs, built once at start-up (app.py) and passed in."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from complaint_events import NoticeChannel
from complaint_runtime import until_done

from ..domain import Clock
from ..metrics import NotifierMetrics
from .ports import (
    Breaches,
    Claims,
    ComplaintNumbers,
    ComplaintStore,
    DeliveryLog,
    Publisher,
    Schedule,
    Sender,
)
from .rules import Rules

PRODUCER = "notifier"
T = TypeVar("T")


@dataclass(frozen=True)
class SendOptions:
    tries: int = 4
    backoff_seconds: float = 1.0
    lease: timedelta = timedelta(seconds=120)
    batch_size: int = 200
    concurrency: int = 16


@dataclass(frozen=True)
class Notifier:
    rules: Rules
    complaints: ComplaintStore
    schedule: Schedule
    claims: Claims
    deliveries: DeliveryLog
    breaches: Breaches
    publisher: Publisher
    senders: Mapping[NoticeChannel, Sender]
    clock: Clock
    metrics: NotifierMetrics
    options: SendOptions = SendOptions()
    numbers: ComplaintNumbers | None = None  # REST: a complaint by its TS- number


async def persist(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """Retry while MongoDB or Kafka is unavailable: what was done must be recorded."""
    async for attempt in until_done(what):
        with attempt:
            return await call()
    raise AssertionError("until_done never stops retrying")
