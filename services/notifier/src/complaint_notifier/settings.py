"""The notifier's settings: the shared ones (complaint_runtime) and its own, from the env."""

from pathlib import Path
from typing import Literal, Self
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator

from complaint_runtime import DATA_DIR, BatchSize, BatchWaitMs, ServiceSettings
from complaint_runtime.settings import PLACEHOLDERS

MIN_SECRET_LENGTH = 32


def _placeholder(value: str) -> bool:
    text = value.strip().lower()
    return text in PLACEHOLDERS or (text.startswith("<") and text.endswith(">"))


class NotifierSettings(ServiceSettings):
    mongodb_database: str = Field("notifier", description="The notifier's own database.")
    http_port: int = Field(8003, ge=1, le=65535, description="Port of the HTTP server.")

    calendars_dir: Path = Field(
        DATA_DIR / "calendars",
        description="Folder of <calendar-id>.yaml business calendars.",
        validation_alias="CALENDARS_DIR",
    )
    directory_file: Path = Field(
        DATA_DIR / "directory.yaml",
        description="Who holds each recipient role (directory.yaml).",
        validation_alias="DIRECTORY_FILE",
    )

    smtp_host: str = Field(
        "localhost", description="SMTP relay host.", validation_alias="SMTP_HOST"
    )
    smtp_port: int = Field(
        587, ge=1, le=65535, description="SMTP relay port.", validation_alias="SMTP_PORT"
    )
    smtp_username: str | None = Field(
        None, description="SMTP user (none: no login).", validation_alias="SMTP_USERNAME"
    )
    smtp_password: SecretStr | None = Field(
        None, description="SMTP password.", validation_alias="SMTP_PASSWORD"
    )
    smtp_tls: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="starttls (upgrade after connecting), tls (implicit, port 465) or none.",
        validation_alias="SMTP_TLS",
    )
    smtp_from: str = Field(
        "complaints@localhost",
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="Sender address of notice e-mails.",
        validation_alias="SMTP_FROM",
    )
    smtp_connections: int = Field(
        4,
        ge=1,
        le=64,
        description="SMTP sessions kept open and reused for sending.",
        validation_alias="SMTP_CONNECTIONS",
    )
    smtp_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Longest wait for the SMTP server.",
        validation_alias="SMTP_TIMEOUT_SECONDS",
    )

    publish_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Longest wait for Kafka to acknowledge an event (then it is published again).",
        validation_alias="NOTIFIER_PUBLISH_TIMEOUT_SECONDS",
    )
    webhook_secret: SecretStr = Field(
        description="HMAC-SHA256 key signing webhook bodies (32 characters or more).",
        validation_alias="WEBHOOK_SECRET",
    )
    webhook_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Longest wait for a webhook endpoint to answer.",
        validation_alias="NOTIFIER_WEBHOOK_TIMEOUT_SECONDS",
    )
    delivery_tries: int = Field(
        4,
        ge=1,
        le=10,
        description="Tries per e-mail or webhook before the delivery fails for good.",
        validation_alias="NOTIFIER_DELIVERY_TRIES",
    )
    retry_backoff_seconds: float = Field(
        1.0,
        ge=0,
        description="Wait before the second try; doubled before each further one.",
        validation_alias="NOTIFIER_RETRY_BACKOFF_SECONDS",
    )

    poll_interval_seconds: float = Field(
        0.5,
        gt=0,
        le=60,
        description="How often the scheduler looks for due notices.",
        validation_alias="NOTIFIER_POLL_INTERVAL_SECONDS",
    )
    lease_seconds: float = Field(
        120.0,
        gt=0,
        description="How long a claimed notice is its sender's; after that another replica "
        "takes it over. Must exceed the longest delivery (tries, timeouts and backoff).",
        validation_alias="NOTIFIER_LEASE_SECONDS",
    )
    batch_size: int = Field(
        200,
        ge=1,
        le=10_000,
        description="Most due notices taken per scheduler round.",
        validation_alias="NOTIFIER_BATCH_SIZE",
    )
    send_concurrency: int = Field(
        16,
        ge=1,
        le=256,
        description="Notices sent at the same time by one replica.",
        validation_alias="NOTIFIER_SEND_CONCURRENCY",
    )
    timer_retention_days: int = Field(
        30,
        ge=1,
        description="Days a finished schedule entry is kept before MongoDB's TTL index "
        "removes it (its delivery records stay).",
        validation_alias="NOTIFIER_TIMER_RETENTION_DAYS",
    )
    gauge_interval_seconds: float = Field(
        60.0,
        ge=0,
        description="How often the schedule size is counted (0: never).",
        validation_alias="NOTIFIER_GAUGE_INTERVAL_SECONDS",
    )
    default_language: Literal["zh", "en"] = Field(
        "zh",
        description="Language of notices to people whose directory entry names none.",
        validation_alias="NOTIFIER_DEFAULT_LANGUAGE",
    )
    consume: bool = Field(
        True,
        description="Consume the complaint topics (off: a sending-only replica).",
        validation_alias="NOTIFIER_CONSUME",
    )
    send: bool = Field(
        True,
        description="Run the scheduler that sends due notices (off: a planning-only replica).",
        validation_alias="NOTIFIER_SEND",
    )
    kafka_batch_size: BatchSize = Field(200, validation_alias="NOTIFIER_KAFKA_BATCH_SIZE")
    kafka_batch_wait_ms: BatchWaitMs = Field(50, validation_alias="NOTIFIER_KAFKA_BATCH_WAIT_MS")
    display_timezone: str = Field(
        "Asia/Shanghai",
        description="Zone of the times written in immediate reports (clocks use their calendar's).",
        validation_alias="NOTIFIER_DISPLAY_TIMEZONE",
    )

    @field_validator("webhook_secret")
    @classmethod
    def _real_secret(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if _placeholder(secret) or len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"WEBHOOK_SECRET must be a real secret of {MIN_SECRET_LENGTH}+ chars")
        return value

    @field_validator("smtp_password")
    @classmethod
    def _real_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and _placeholder(value.get_secret_value()):
            raise ValueError("SMTP_PASSWORD is a placeholder")
        return value

    @field_validator("display_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @model_validator(mode="after")
    def _lease_outlasts_a_delivery(self) -> Self:
        if self.lease_seconds <= self.longest_delivery_seconds:
            raise ValueError(
                f"NOTIFIER_LEASE_SECONDS ({self.lease_seconds}) must exceed the longest delivery "
                f"({self.longest_delivery_seconds:.0f}s of tries, timeouts and backoff)"
            )
        return self

    @property
    def longest_delivery_seconds(self) -> float:
        timeout = max(self.smtp_timeout_seconds, self.webhook_timeout_seconds)
        backoff = sum(self.retry_backoff_seconds * 2**k for k in range(self.delivery_tries - 1))
        return self.delivery_tries * timeout + backoff

    @property
    def display_zone(self) -> ZoneInfo:
        return ZoneInfo(self.display_timezone)
