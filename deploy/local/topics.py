"""Create (or delete) the system's Kafka topics from the shared topic catalogue.

Connection and security come from the services' own settings (KAFKA_BOOTSTRAP_SERVERS,
KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*), so it works against a managed cluster;
TOPIC_REPLICATION_FACTOR overrides the catalogue's factor (1 locally, 3 in production);
TOPIC_PERSONAL_DATA_RETENTION_MS sets how long the topics that carry personal data keep a record
(default: the catalogue's PERSONAL_DATA_RETENTION_MS, 7 days). Topics that already exist get the
catalogue's retention settings too, so changing the variable and running this again applies it.

uv run python deploy/local/topics.py [--prefix PREFIX] [--bootstrap HOST:PORT] [--delete]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError

from complaint_events import TOPICS, TopicSpec, topic_name
from complaint_runtime import ServiceSettings
from complaint_runtime import admin_client as runtime_admin_client


def personal_data_retention_ms() -> int | None:
    """TOPIC_PERSONAL_DATA_RETENTION_MS, or None for the catalogue's default."""
    raw = os.environ.get("TOPIC_PERSONAL_DATA_RETENTION_MS", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) <= 0:
        raise SystemExit(
            f"TOPIC_PERSONAL_DATA_RETENTION_MS={raw!r}: a positive number of milliseconds "
            "(personal data may not be kept for ever)"
        )
    return int(raw)


def topic_configs(spec: TopicSpec, retention_ms: int | None = None) -> dict[str, str]:
    """The configs a catalogued topic is created (and kept) with; `retention_ms` overrides the
    environment's TOPIC_PERSONAL_DATA_RETENTION_MS for the topics that carry personal data."""
    chosen = retention_ms if retention_ms is not None else personal_data_retention_ms()
    return spec.configs(chosen)


def new_topics(prefix: str, retention_ms: int | None = None) -> list[NewTopic]:
    factor = os.environ.get("TOPIC_REPLICATION_FACTOR")
    return [
        NewTopic(
            name=topic_name(spec, prefix),
            num_partitions=spec.partitions,
            replication_factor=int(factor) if factor else spec.replication_factor,
            topic_configs=topic_configs(spec, retention_ms),
        )
        for spec in TOPICS
    ]


def admin_client(bootstrap: str) -> AIOKafkaAdminClient:
    return runtime_admin_client(ServiceSettings(kafka_bootstrap_servers=bootstrap))


async def ensure_topics(
    bootstrap: str, prefix: str = "", retention_ms: int | None = None
) -> list[str]:
    """Create every catalogued topic that does not exist yet and give the existing ones the
    catalogue's configs where they differ; return the names created."""
    admin = admin_client(bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        topics = new_topics(prefix, retention_ms)
        wanted = [topic for topic in topics if topic.name not in existing]
        created = await _create(admin, wanted) if wanted else set()
        await _align_configs(admin, [topic for topic in topics if topic.name not in created])
        return [topic.name for topic in wanted if topic.name in created]
    finally:
        await admin.close()


async def _create(admin: AIOKafkaAdminClient, topics: list[NewTopic]) -> set[str]:
    """The names created. A topic that exists already (another process made it between our
    listing and our request, or the broker's listing lagged behind a creation) is not an error:
    its configs are aligned like any existing topic's."""
    answer = await admin.create_topics(topics)
    created, refused = set(), []
    for name, code, message in answer.topic_errors:
        if code == 0:
            created.add(name)
        elif code != TopicAlreadyExistsError.errno:
            refused.append(f"{name}: {message or code}")
    if refused:
        raise RuntimeError("topics not created: " + "; ".join(refused))
    return created


async def _align_configs(admin: AIOKafkaAdminClient, topics: list[NewTopic]) -> list[str]:
    """Existing topics whose retention, segment or cleanup settings differ from the catalogue's
    (e.g. created before a topic was marked as carrying personal data) are altered."""
    if not topics:
        return []
    wanted = {topic.name: topic.topic_configs for topic in topics}
    current = await described_configs(admin, list(wanted))
    changed = [
        name
        for name, configs in wanted.items()
        if any(current.get(name, {}).get(key) != value for key, value in configs.items())
    ]
    if changed:
        # AlterConfigs sets a topic's whole dynamic config: the catalogue's is all it has
        answers = await admin.alter_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, name, configs=wanted[name])
                for name in changed
            ]
        )
        refused = [
            f"{name}: {message or code}"
            for answer in answers
            for code, message, _type, name in answer.resources
            if code
        ]
        if refused:
            raise RuntimeError("topic configs refused: " + "; ".join(refused))
    return changed


async def described_configs(
    admin: AIOKafkaAdminClient, names: list[str], *, within: float = 60.0
) -> dict[str, dict[str, str]]:
    """Each topic's configuration, once the broker describes every one. A topic the controller
    has just created (here or by another process) can be unknown to the broker for a moment,
    longer on a loaded machine: its answer is an error code and no configuration, which would
    read as a topic to alter (and the alteration of an unknown topic fails)."""
    deadline = time.monotonic() + within
    while True:
        answers = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
        resources = [resource for answer in answers for resource in answer.resources]
        unknown = {name: code for code, _message, _type, name, _entries in resources if code}
        if not unknown:
            return {
                name: {entry[0]: entry[1] for entry in entries}
                for _code, _message, _type, name, entries in resources
            }
        if time.monotonic() > deadline:
            raise RuntimeError(f"the broker does not describe these topics: {unknown}")
        await asyncio.sleep(0.2)


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
