"""Fixtures every test tier shares: the infrastructure and per-run isolation of names."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from tests.support.infra import Infra, resolve_infra


@pytest.fixture(scope="session")
def run_id() -> str:
    """Random per test run, so parallel or repeated runs never see each other's data."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    found = resolve_infra()
    yield found
    found.close()


@pytest.fixture(scope="session")
def kafka_bootstrap(infra: Infra) -> str:
    return infra.kafka_bootstrap


@pytest.fixture(scope="session")
def mongodb_uri(infra: Infra) -> str:
    return infra.mongodb_uri


@pytest.fixture(scope="session")
async def topic_prefix(kafka_bootstrap: str, run_id: str) -> AsyncIterator[str]:
    """Every catalogued topic, created under a prefix of this run's own; deleted afterwards."""
    from deploy.local.topics import delete_topics, ensure_topics

    prefix = f"test-{run_id}."
    await ensure_topics(kafka_bootstrap, prefix)
    yield prefix
    await delete_topics(kafka_bootstrap, prefix)


@dataclass(frozen=True)
class TopicAdmin:
    """deploy/local/topics.py, handed to the tests under services/ as the `topic_admin` fixture:
    they import nothing from deploy/ (tests/unit/test_layering.py)."""

    ensure: Callable[[str, str], Awaitable[list[str]]]  # (bootstrap, prefix): every topic made
    delete: Callable[[str, str], Awaitable[None]]  # (bootstrap, prefix): every topic removed
    client: Callable[[str], AIOKafkaAdminClient]  # (bootstrap): its admin client, not started


@pytest.fixture(scope="session")
def topic_admin() -> TopicAdmin:
    from deploy.local.topics import admin_client, delete_topics, ensure_topics

    return TopicAdmin(ensure=ensure_topics, delete=delete_topics, client=admin_client)


@pytest.fixture(scope="session")
async def mongo_client(mongodb_uri: str) -> AsyncIterator[AsyncMongoClient]:
    client: AsyncMongoClient = AsyncMongoClient(mongodb_uri, tz_aware=True)
    yield client
    await client.close()


@pytest.fixture(scope="session")
async def database_name(
    mongo_client: AsyncMongoClient, run_id: str
) -> AsyncIterator[Callable[[str], str]]:
    """`database_name("intake")`: this run's own database for a service, dropped at the end."""
    used: set[str] = set()

    def name(service: str) -> str:
        used.add(f"{service}_{run_id}")
        return f"{service}_{run_id}"

    yield name
    for db in used:
        await mongo_client.drop_database(db)
