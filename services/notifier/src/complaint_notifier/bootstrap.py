"""The composition root: the only module that knows every concrete class. `build` makes the
service (consumer, scheduler, REST, health, metrics); `open_notifier` opens what the use cases
need for the app's life: MongoDB, the HTTP client, the adapters."""

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from complaint_events import NoticeChannel
from complaint_runtime import ApiKeys, Service, api_keys, mongo_client

from .adapters.complaints import MongoComplaints
from .adapters.kafka import KafkaPublisher
from .adapters.numbers import MongoComplaintNumbers
from .adapters.outcomes_and_breaches import MongoBreaches, MongoDeliveryLog
from .adapters.schedule import MongoClaims, MongoSchedule
from .adapters.smtp import SmtpSender
from .adapters.webhook import WebhookSender
from .domain import Clock, SystemClock
from .entrypoints.deps import Wiring
from .entrypoints.http import deadlines_router
from .entrypoints.subscriber import consume_events
from .entrypoints.timer import SchedulerLoop, schedule_gauge
from .metrics import NotifierMetrics
from .service_layer import Notifier, Rules, SendOptions
from .service_layer.ports import Sender
from .settings import NotifierSettings

SERVICE, VERSION = "notifier", "0.1.0"


def build(
    settings: NotifierSettings, *, clock: Clock | None = None, keys: ApiKeys | None = None
) -> FastAPI:
    """The whole service as one ASGI app: subscriber, scheduler, REST, health and metrics.

    `clock` is where "now" comes from (a SettableClock lets tests travel in time).
    """
    service = Service(SERVICE, settings, version=VERSION, title="Complaint notifier")
    rules = load_rules(settings)  # a bad data file stops the service here
    wiring = Wiring(settings=settings, metrics=NotifierMetrics(service.registry))
    if settings.consume:
        consume_events(service, wiring)
    if settings.send:
        # The round in progress publishes its outcomes: it ends before the broker stops (the
        # resources, the schedule gauge among them, close after that).
        scheduler = SchedulerLoop(wiring)
        service.after_start(scheduler.start)
        service.before_stop(scheduler.stop)

    @asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        opened = open_notifier(settings, service.broker, rules, wiring, clock or SystemClock())
        async with opened, schedule_gauge(wiring):
            yield

    app = service.app(wiring, checks={"mongodb": wiring.ping_store}, resources=resources)
    app.include_router(deadlines_router(keys or api_keys(settings)))
    return app


def load_rules(settings: NotifierSettings) -> Rules:
    """Every data file validated at start-up: a bad one stops the service here, named."""
    return Rules.load(
        policies_dir=settings.policies_dir,
        calendars_dir=settings.calendars_dir,
        directory_file=settings.directory_file,
        default_language=settings.default_language,
        display_zone=settings.display_zone,
    )


def owner_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@asynccontextmanager
async def open_notifier(
    settings: NotifierSettings,
    broker: KafkaBroker,
    rules: Rules,
    wiring: Wiring,
    clock: Clock,
) -> AsyncIterator[Notifier]:
    """The production adapters, in `wiring` (its `current`, its `store_ping`) while open."""
    client: AsyncMongoClient[Any] = mongo_client(settings)
    http = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
    database = client[settings.mongodb_database]
    lease = timedelta(seconds=settings.lease_seconds)
    schedule = MongoSchedule(database, retention=timedelta(days=settings.timer_retention_days))
    channels = senders(settings, http)

    async def ping() -> None:
        await client.admin.command("ping")

    try:
        notifier = Notifier(
            rules=rules,
            complaints=MongoComplaints(database),
            numbers=MongoComplaintNumbers(database),
            schedule=schedule,
            claims=MongoClaims(database, owner=owner_id(), lease=lease),
            deliveries=MongoDeliveryLog(database),
            breaches=MongoBreaches(database),
            publisher=KafkaPublisher(broker, settings, timeout=settings.publish_timeout_seconds),
            senders=channels,
            clock=clock,
            metrics=wiring.metrics,
            options=SendOptions(
                tries=settings.delivery_tries,
                backoff_seconds=settings.retry_backoff_seconds,
                lease=lease,
                batch_size=settings.batch_size,
                concurrency=settings.send_concurrency,
            ),
        )
        async with wiring.serving(notifier, ping):
            yield notifier
    finally:
        for sender in channels.values():
            if isinstance(sender, SmtpSender):
                await sender.aclose()
        await http.aclose()
        await client.close()


def senders(settings: NotifierSettings, http: httpx.AsyncClient) -> dict[NoticeChannel, Sender]:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    email = SmtpSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_username,
        password=password,
        tls=settings.smtp_tls,
        timeout=settings.smtp_timeout_seconds,
        connections=settings.smtp_connections,
    )
    webhook = WebhookSender(http, settings.webhook_secret.get_secret_value().encode())
    return {email.channel: email, webhook.channel: webhook}
