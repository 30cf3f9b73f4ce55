"""Topic creation honours the services' Kafka security settings and the replication override."""

import pytest

from deploy.local.topics import admin_client, new_topics

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
