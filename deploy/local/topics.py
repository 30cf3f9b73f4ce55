"""Create (or delete) the system's Kafka topics from the shared topic catalogue.

Connection and security come from the services' own settings (KAFKA_BOOTSTRAP_SERVERS,
KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*), so it works against a managed cluster;
TOPIC_REPLICATION_FACTOR overrides the catalogue's factor (1 locally, 3 in production).

uv run python deploy/local/topics.py [--prefix PREFIX] [--bootstrap HOST:PORT] [--delete]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from complaint_events import TOPICS, topic_name
from complaint_runtime import ServiceSettings
from complaint_runtime import admin_client as runtime_admin_client


def new_topics(prefix: str) -> list[NewTopic]:
    factor = os.environ.get("TOPIC_REPLICATION_FACTOR")
    return [
        NewTopic(
            name=topic_name(spec, prefix),
            num_partitions=spec.partitions,
            replication_factor=int(factor) if factor else spec.replication_factor,
            topic_configs={
                "retention.ms": str(spec.retention_ms),
                "cleanup.policy": spec.cleanup_policy,
            },
        )
        for spec in TOPICS
    ]


def admin_client(bootstrap: str) -> AIOKafkaAdminClient:
    return runtime_admin_client(ServiceSettings(kafka_bootstrap_servers=bootstrap))


async def ensure_topics(bootstrap: str, prefix: str = "") -> list[str]:
    """Create every catalogued topic that does not exist yet; return the names created."""
    admin = admin_client(bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [topic for topic in new_topics(prefix) if topic.name not in existing]
        if wanted:
            # another process may create them between our listing and our request
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [topic.name for topic in wanted]
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, prefix: str) -> None:
    admin = admin_client(bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [topic.name for topic in new_topics(prefix) if topic.name in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prefix", default=os.environ.get("TOPIC_PREFIX", ""))
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    )
    parser.add_argument("--delete", action="store_true")
    args = parser.parse_args()
    if args.delete:
        asyncio.run(delete_topics(args.bootstrap, args.prefix))
        print(f"topics: deleted the catalogued topics with prefix {args.prefix!r}")
        return
    created = asyncio.run(ensure_topics(args.bootstrap, args.prefix))
    print(f"topics: {len(created)} created, {len(TOPICS) - len(created)} already there")


if __name__ == "__main__":
    main()
