"""Opening what the use cases need for the app's life: MongoDB, the HTTP client, the adapters."""

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from complaint_events import NoticeChannel
from complaint_runtime import mongo_client

from .adapters.complaints import MongoComplaints
from .adapters.kafka import KafkaPublisher
from .adapters.numbers import MongoComplaintNumbers
from .adapters.outcomes_and_breaches import MongoBreaches, MongoDeliveryLog
from .adapters.schedule import MongoClaims, MongoSchedule
from .adapters.smtp import SmtpSender
from .adapters.webhook import WebhookSender
from .domain import Clock
from .metrics import NotifierMetrics
from .service_layer import Notifier, Rules, SendOptions
from .service_layer.ports import Sender
from .settings import NotifierSettings


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
    metrics: NotifierMetrics,
    clock: Clock,
) -> AsyncIterator[tuple[Notifier, AsyncMongoClient[Any]]]:
    client: AsyncMongoClient[Any] = mongo_client(settings)
    http = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
    database = client[settings.mongodb_database]
    lease = timedelta(seconds=settings.lease_seconds)
    schedule = MongoSchedule(database, retention=timedelta(days=settings.timer_retention_days))
    channels = senders(settings, http)
    try:
        yield (
            Notifier(
                rules=rules,
                complaints=MongoComplaints(database),
                numbers=MongoComplaintNumbers(database),
                schedule=schedule,
                claims=MongoClaims(database, owner=owner_id(), lease=lease),
                deliveries=MongoDeliveryLog(database),
                breaches=MongoBreaches(database),
                publisher=KafkaPublisher(
                    broker, settings, timeout=settings.publish_timeout_seconds
                ),
                senders=channels,
                clock=clock,
                metrics=metrics,
                options=SendOptions(
                    tries=settings.delivery_tries,
                    backoff_seconds=settings.retry_backoff_seconds,
                    lease=lease,
                    batch_size=settings.batch_size,
                    concurrency=settings.send_concurrency,
                ),
            ),
            client,
        )
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
