"""Settings every service shares, read from the environment (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
PLACEHOLDERS = {"changeme", "change-me", "secret", "password", "xxx", "todo"}
DATA_DIR = Path(__file__).resolve().parents[4] / "deploy"
"""The data files (policies/, calendars/, directory.yaml) in a source checkout, the default of
every setting that names one; the images copy them elsewhere and set those settings."""
BatchSize = Annotated[
    int, Field(ge=1, le=10_000, description="Most messages consumed and handled together.")
]
BatchWaitMs = Annotated[
    int, Field(ge=0, le=10_000, description="Longest wait to fill a consumed batch (ms).")
]
"""A service sets its own default: `kafka_batch_size: BatchSize = 1000`."""


class ServiceSettings(BaseSettings):
    """Kafka, MongoDB, HTTP and logging settings; each service subclasses it for its own."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:19092", description="Kafka bootstrap servers, comma-separated host:port."
    )
    kafka_security_protocol: SecurityProtocol = Field(
        "PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."
    )
    kafka_sasl_mechanism: SaslMechanism | None = Field(
        None, description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (with a SASL protocol)."
    )
    kafka_sasl_username: str | None = Field(None, description="SASL user name.")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password.")
    kafka_ssl_cafile: Path | None = Field(None, description="CA bundle to verify the brokers.")
    kafka_ssl_certfile: Path | None = Field(None, description="Client certificate (mutual TLS).")
    kafka_ssl_keyfile: Path | None = Field(None, description="Client private key (mutual TLS).")
    kafka_startup_wait_seconds: float = Field(
        60.0,
        ge=0,
        description="How long a starting service waits for Kafka to answer before it exits "
        "(a broker restarting at the same moment); its supervisor restarts it after that.",
    )
    topic_prefix: str = Field("", description="Prefix of every topic name (isolated test runs).")
    consumer_group_prefix: str = Field("complaints", description="Prefix of consumer group ids.")
    kafka_batch_size: BatchSize = 500
    kafka_batch_wait_ms: BatchWaitMs = 50

    policies_dir: Path = Field(
        DATA_DIR / "policies",
        description="Folder of the policy presets, a <policy-id>/ folder each with the YAML "
        "files the services read (classification, lifecycle, deadlines, retention).",
        validation_alias="POLICIES_DIR",
    )

    mongodb_uri: str = Field("mongodb://127.0.0.1:27117/", description="MongoDB connection URI.")
    mongodb_database: str = Field("complaints", description="This service's own database.")

    http_host: str = Field("127.0.0.1", description="Address the HTTP server binds.")
    http_port: int = Field(8000, ge=1, le=65535, description="Port of the HTTP server.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO")
    shutdown_grace_seconds: float = Field(
        20.0, gt=0, description="Time in-flight messages and requests get to finish on SIGTERM."
    )

    api_keys_file: Path | None = Field(
        None, description="YAML file of hashed API keys (see complaint_runtime.auth)."
    )
    rate_limit: str = Field("50/second", description="Requests allowed per API key.")
    retry_after_seconds: int = Field(
        5, ge=1, description="Retry-After of a 503 answer (a dependency is unavailable)."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS (empty: CORS off)."
    )

    @model_validator(mode="after")
    def _sasl_is_complete(self) -> ServiceSettings:
        if self.kafka_security_protocol.startswith("SASL"):
            if not (self.kafka_sasl_mechanism and self.kafka_sasl_username):
                raise ValueError(
                    "KAFKA_SASL_MECHANISM and KAFKA_SASL_USERNAME are required with SASL"
                )
            password = self.kafka_sasl_password
            if password is None or password.get_secret_value().lower() in PLACEHOLDERS:
                raise ValueError("KAFKA_SASL_PASSWORD is missing or a placeholder")
        return self
