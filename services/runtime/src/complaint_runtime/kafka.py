"""The Kafka side of a service: router, security, topic names, publishing and consuming."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.kafka.security import parse_security
from faststream.security import (
    BaseSecurity,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
)
from prometheus_client import CollectorRegistry

from complaint_events import (
    Envelope,
    TopicSpec,
    encode,
    header_map,
    message_key,
    topic_for_event_type,
    topic_name,
)

from .retry import for_a_while
from .settings import ServiceSettings

SASL: dict[str, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
    "PLAIN": SASLPlaintext,
    "SCRAM-SHA-256": SASLScram256,
    "SCRAM-SHA-512": SASLScram512,
}


def ssl_context(settings: ServiceSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(
        cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
    )
    if settings.kafka_ssl_certfile:
        context.load_cert_chain(
            str(settings.kafka_ssl_certfile),
            str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
        )
    return context


def security(settings: ServiceSettings) -> BaseSecurity | None:
    """FastStream security for the configured protocol (None for PLAINTEXT)."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl_context(settings) if protocol.endswith("SSL") else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    assert settings.kafka_sasl_mechanism and settings.kafka_sasl_password  # settings validated
    return SASL[settings.kafka_sasl_mechanism](
        username=settings.kafka_sasl_username or "",
        password=settings.kafka_sasl_password.get_secret_value(),
        ssl_context=context,
        use_ssl=context is not None,
    )


def admin_client(settings: ServiceSettings) -> AIOKafkaAdminClient:
    """An admin client with the service's bootstrap servers and security (not started)."""
    return AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, **parse_security(security(settings))
    )


async def wait_for_kafka(settings: ServiceSettings) -> None:
    """Return once Kafka answers, trying again for KAFKA_STARTUP_WAIT_SECONDS while it cannot
    be reached: a service that starts while the broker restarts waits for it instead of
    exiting. Each try is a separate client, closed whatever happened."""
    async for attempt in for_a_while("reach Kafka", seconds=settings.kafka_startup_wait_seconds):
        with attempt:
            client = admin_client(settings)
            try:
                await client.start()
            finally:
                await client.close()


def make_broker(
    settings: ServiceSettings, *, service: str, registry: CollectorRegistry
) -> KafkaBroker:
    """A FastStream broker whose producer waits for every replica (acks=all, idempotent)."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"complaints-{service}",
        acks="all",
        enable_idempotence=True,
        security=security(settings),
        middlewares=[KafkaPrometheusMiddleware(registry=registry, app_name=service)],
        graceful_timeout=settings.shutdown_grace_seconds,
    )


def topic(settings: ServiceSettings, spec: TopicSpec) -> str:
    return topic_name(spec, settings.topic_prefix)


def group_id(settings: ServiceSettings, service: str, purpose: str = "main") -> str:
    return f"{settings.consumer_group_prefix}.{service}.{purpose}"


async def publish(broker: KafkaBroker, settings: ServiceSettings, event: Envelope[Any]) -> None:
    """Publish one event to its catalogued topic, keyed by complaint, typed in headers."""
    await broker.publish(
        encode(event),
        topic=topic(settings, topic_for_event_type(event.event_type)),
        key=message_key(event),
        headers=header_map(event),
    )


async def publish_all(
    broker: KafkaBroker, settings: ServiceSettings, events: Sequence[Envelope[Any]]
) -> None:
    """Publish events in their order without waiting for each acknowledgement in turn: all are
    handed to the producer first, then every acknowledgement is awaited. The idempotent
    producer keeps each partition's order, so one complaint's events stay in order."""
    pending = [
        await broker.publish(
            encode(event),
            topic=topic(settings, topic_for_event_type(event.event_type)),
            key=message_key(event),
            headers=header_map(event),
            no_confirm=True,
        )
        for event in events
    ]
    await asyncio.gather(*pending)
