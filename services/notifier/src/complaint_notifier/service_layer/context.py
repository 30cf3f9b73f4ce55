"""Everything a use case needs, built once at start-up (bootstrap.py) and passed in."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from complaint_events import NoticeChannel

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
