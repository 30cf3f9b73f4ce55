"""Topic creation honours the services' Kafka security settings and the replication override."""

from types import SimpleNamespace
from typing import Any

import pytest

from complaint_events import PERSONAL_DATA_RETENTION_MS, TOPICS
from deploy.local.topics import admin_client, described_configs, new_topics

pytestmark = pytest.mark.unit


async def test_the_admin_client_uses_sasl_settings_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "topics-admin")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "from-the-vault")
    client = admin_client("127.0.0.1:1")._client
    assert client._security_protocol == "SASL_PLAINTEXT"
    assert client._sasl_mechanism == "SCRAM-SHA-512"
    assert client._sasl_plain_username == "topics-admin"


async def test_plaintext_by_default() -> None:
    assert admin_client("127.0.0.1:1")._client._security_protocol == "PLAINTEXT"


def test_the_replication_factor_can_be_raised_for_a_real_cluster(monkeypatch) -> None:
    assert {topic.replication_factor for topic in new_topics("")} == {1}
    monkeypatch.setenv("TOPIC_REPLICATION_FACTOR", "3")
    assert {topic.replication_factor for topic in new_topics("")} == {3}


def retentions(prefix: str = "") -> dict[str, str]:
    return {topic.name: topic.topic_configs["retention.ms"] for topic in new_topics(prefix)}


def test_retention_is_finite_on_exactly_the_topics_carrying_personal_data(monkeypatch) -> None:
    monkeypatch.delenv("TOPIC_PERSONAL_DATA_RETENTION_MS", raising=False)
    assert retentions() == {
        spec.name: str(PERSONAL_DATA_RETENTION_MS) if spec.personal_data else "-1"
        for spec in TOPICS
    }


def test_the_operator_sets_the_personal_data_retention(monkeypatch) -> None:
    monkeypatch.setenv("TOPIC_PERSONAL_DATA_RETENTION_MS", "3600000")
    topics = {topic.name: topic.topic_configs for topic in new_topics("p.")}
    for spec in TOPICS:
        configs = topics[f"p.{spec.name}"]
        if spec.personal_data:
            assert configs["retention.ms"] == "3600000"
            assert configs["segment.ms"] == "1800000"
        else:
            assert configs == {"retention.ms": "-1", "cleanup.policy": "delete"}
    # an argument (the tests' tiny retention) wins over the environment
    assert {t.topic_configs["retention.ms"] for t in new_topics("", 1000)} == {"1000", "-1"}


@pytest.mark.parametrize("raw", ["-1", "0", "7d", "forever"])
def test_a_retention_that_is_not_finite_is_refused(monkeypatch, raw: str) -> None:
    monkeypatch.setenv("TOPIC_PERSONAL_DATA_RETENTION_MS", raw)
    with pytest.raises(SystemExit, match="TOPIC_PERSONAL_DATA_RETENTION_MS"):
        new_topics("")


class LaggingBroker:
    """Describes a topic as unknown (error 3, no configuration) for its first answers, as a
    broker does for a moment after the controller created it."""

    def __init__(self, unknown_for: int) -> None:
        self.unknown_for, self.calls = unknown_for, 0

    async def describe_configs(self, resources: list[Any]) -> list[Any]:
        self.calls += 1
        known = self.calls > self.unknown_for
        answers = [
            (0, "", 2, r.name, [("retention.ms", "604800000", False, 1, False, [])])
            if known
            else (3, "", 2, r.name, [])
            for r in resources
        ]
        return [SimpleNamespace(resources=answers)]


async def test_configs_are_read_once_the_broker_describes_every_topic() -> None:
    """Found by a fresh-clone CI run beside a CPU-bound process: a topic's configuration read
    a moment after its creation had no retention.ms (the broker did not know it yet)."""
    broker = LaggingBroker(unknown_for=3)
    configs = await described_configs(broker, ["a", "b"])  # type: ignore[arg-type]
    assert configs == {"a": {"retention.ms": "604800000"}, "b": {"retention.ms": "604800000"}}
    assert broker.calls == 4


async def test_a_topic_the_broker_never_describes_is_named() -> None:
    with pytest.raises(RuntimeError, match="'a': 3"):
        await described_configs(LaggingBroker(unknown_for=10**6), ["a"], within=0.5)  # type: ignore[arg-type]
