"""Kafka TLS and SASL settings reach every client the system makes: the FastStream broker of
each service, intake's own producer and the topic admin. The settings come from the
environment (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*) exactly as in production.

`test_runtime_unit.py` covers SASL_SSL with SCRAM-SHA-256 and the placeholder password; this
file covers the other protocols and mechanisms, mutual TLS and what the clients are given."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Any

import certifi
import pytest
from faststream.kafka.security import parse_security
from prometheus_client import CollectorRegistry, Histogram
from pydantic import ValidationError

from complaint_runtime import ServiceSettings, security
from complaint_runtime.kafka import make_broker

pytestmark = pytest.mark.unit

SASL_PASSWORD = "s3cr3t-from-the-vault"


@pytest.fixture(scope="module")
def client_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed client certificate and its key (PEM), made with openssl."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "client.pem", folder / "client.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=complaints-test-client", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def from_env(monkeypatch: pytest.MonkeyPatch, **variables: str) -> ServiceSettings:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return ServiceSettings()


def client_kwargs(settings: ServiceSettings) -> dict[str, Any]:
    """What aiokafka clients are given (intake's producer, the topic admin)."""
    return dict(parse_security(security(settings)))


def test_plaintext_gives_the_clients_nothing_to_secure() -> None:
    assert client_kwargs(ServiceSettings(kafka_security_protocol="PLAINTEXT")) == {}


def test_sasl_plaintext_with_plain_sends_the_credentials_without_tls(monkeypatch) -> None:
    settings = from_env(
        monkeypatch,
        KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        KAFKA_SASL_MECHANISM="PLAIN",
        KAFKA_SASL_USERNAME="intake",
        KAFKA_SASL_PASSWORD=SASL_PASSWORD,
    )
    assert client_kwargs(settings) == {
        "security_protocol": "SASL_PLAINTEXT",
        "ssl_context": None,
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "intake",
        "sasl_plain_password": SASL_PASSWORD,
    }


def test_sasl_ssl_with_scram_512_verifies_the_brokers_with_the_given_ca(monkeypatch) -> None:
    settings = from_env(
        monkeypatch,
        KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
        KAFKA_SASL_USERNAME="archive",
        KAFKA_SASL_PASSWORD=SASL_PASSWORD,
        KAFKA_SSL_CAFILE=certifi.where(),
    )
    made = client_kwargs(settings)
    context = made.pop("ssl_context")
    assert made == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "archive",
        "sasl_plain_password": SASL_PASSWORD,
    }
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs()  # the CA bundle was loaded


def test_ssl_with_a_client_certificate_is_mutual_tls(monkeypatch, client_certificate) -> None:
    cert, key = client_certificate
    settings = from_env(
        monkeypatch,
        KAFKA_SECURITY_PROTOCOL="SSL",
        KAFKA_SSL_CAFILE=str(cert),
        KAFKA_SSL_CERTFILE=str(cert),
        KAFKA_SSL_KEYFILE=str(key),
    )
    made = client_kwargs(settings)
    assert made["security_protocol"] == "SSL"
    context = made["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [
        ((("commonName", "complaints-test-client"),),)
    ]
    assert "sasl_mechanism" not in made


def test_a_client_key_that_does_not_match_stops_the_service(monkeypatch, tmp_path) -> None:
    wrong = tmp_path / "not-a-key.pem"
    wrong.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    settings = from_env(
        monkeypatch,
        KAFKA_SECURITY_PROTOCOL="SSL",
        KAFKA_SSL_CERTFILE=str(wrong),
        KAFKA_SSL_KEYFILE=str(wrong),
    )
    with pytest.raises(ssl.SSLError):
        security(settings)


@pytest.mark.parametrize(
    "missing", ["KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"]
)
def test_sasl_without_a_mechanism_user_or_password_is_refused(monkeypatch, missing) -> None:
    complete = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
        "KAFKA_SASL_USERNAME": "notifier",
        "KAFKA_SASL_PASSWORD": SASL_PASSWORD,
    }
    del complete[missing]
    with pytest.raises(ValidationError, match="KAFKA_SASL"):
        from_env(monkeypatch, **complete)


def test_every_service_broker_connects_with_the_security_settings(monkeypatch) -> None:
    settings = from_env(
        monkeypatch,
        KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
        KAFKA_SASL_USERNAME="classifier",
        KAFKA_SASL_PASSWORD=SASL_PASSWORD,
    )
    broker = make_broker(settings, service="classifier", registry=CollectorRegistry())
    connection = broker._connection_kwargs  # what FastStream gives its aiokafka clients
    assert connection["security_protocol"] == "SASL_SSL"
    assert connection["sasl_mechanism"] == "SCRAM-SHA-512"
    assert connection["sasl_plain_username"] == "classifier"
    assert connection["sasl_plain_password"] == SASL_PASSWORD
    assert isinstance(connection["ssl_context"], ssl.SSLContext)


async def test_intakes_producer_and_the_topic_admin_use_them_too(monkeypatch, topic_admin) -> None:
    from complaint_intake.adapters.kafka import KafkaPublisher

    settings = from_env(
        monkeypatch,
        KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        KAFKA_SASL_MECHANISM="SCRAM-SHA-256",
        KAFKA_SASL_USERNAME="intake",
        KAFKA_SASL_PASSWORD=SASL_PASSWORD,
    )
    latency = Histogram("e2e_test_publish_seconds", "test", registry=CollectorRegistry())
    producer = KafkaPublisher(
        settings, timeout=1, latency=latency, batch_bytes=1024, linger_ms=0
    ).producer
    admin = topic_admin.client("127.0.0.1:1")  # deploy/local/topics.py's
    for client in (producer.client, admin._client):
        assert client._security_protocol == "SASL_PLAINTEXT"
        assert client._sasl_mechanism == "SCRAM-SHA-256"
        assert client._sasl_plain_username == "intake"
        assert client._sasl_plain_password == SASL_PASSWORD
