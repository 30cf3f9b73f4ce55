"""Per-test isolation for the classifier's integration tests: topics and a database of its own."""

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from complaint_classifier.settings import ClassifierSettings

BY_SOURCE = {"his": "hospital", "mes": "manufacturing-quality", "pms": "retail-service"}


@pytest.fixture
async def prefix(kafka_bootstrap: str, topic_prefix: str, topic_admin: Any) -> AsyncIterator[str]:
    """Topics of this test only, so a replay from the beginning reads only its own events."""
    own = f"{topic_prefix}clf-{uuid.uuid4().hex[:8]}."
    await topic_admin.ensure(kafka_bootstrap, own)
    yield own
    await topic_admin.delete(kafka_bootstrap, own)


@pytest.fixture
def database(database_name: Callable[[str], str]) -> str:
    return database_name(f"classifier_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def make_settings(
    kafka_bootstrap: str, mongodb_uri: str, prefix: str, database: str
) -> Callable[..., ClassifierSettings]:
    """`make_settings(group="a")`: instances with the same group share the partitions."""

    def make(group: str = "main", **overrides: Any) -> ClassifierSettings:
        values: dict[str, Any] = {
            "kafka_bootstrap_servers": kafka_bootstrap,
            "mongodb_uri": mongodb_uri,
            "mongodb_database": database,
            "topic_prefix": prefix,
            "consumer_group_prefix": f"{prefix}{group}",
            "policy_by_source": BY_SOURCE,
            "kafka_batch_wait_ms": 20,
            "shutdown_grace_seconds": 5,
        }
        return ClassifierSettings(**(values | overrides))

    return make
