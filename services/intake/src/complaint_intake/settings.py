"""Intake's settings: the shared ones (see complaint_runtime) plus those below, from the env."""

from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from complaint_events import Channel
from complaint_runtime import BatchSize, BatchWaitMs, ServiceSettings


class IntakeSettings(ServiceSettings):
    mongodb_database: str = Field("intake", description="Intake's own database.")
    http_port: int = Field(8001, ge=1, le=65535, description="Port of the HTTP server.")
    consume_classifications: bool = Field(
        True,
        description="Consume the classified topic to follow each complaint's lifecycle state "
        "(the state is shared in MongoDB: one consuming replica is enough).",
        validation_alias="INTAKE_CONSUME_CLASSIFICATIONS",
    )

    max_body_bytes: int = Field(
        512 * 1024,
        ge=1024,
        description="Largest submission or command accepted (bytes).",
        validation_alias="INTAKE_MAX_BODY_BYTES",
    )
    phone_region: str = Field(
        "CN",
        pattern=r"^[A-Z]{2}$",
        description="Region of phone numbers without country code.",
        validation_alias="INTAKE_PHONE_REGION",
    )
    number_timezone: str = Field(
        "Asia/Shanghai",
        description="Time zone whose calendar day a complaint number carries.",
        validation_alias="INTAKE_NUMBER_TIMEZONE",
    )
    number_block_size: int = Field(
        50,
        ge=1,
        le=10_000,
        description="Numbers a process reserves at a time with one atomic increment (unused "
        "ones of a block are skipped after a restart).",
        validation_alias="INTAKE_NUMBER_BLOCK_SIZE",
    )
    http_default_channel: Channel = Field(
        Channel.WEB,
        description="Channel of a REST submission that names none.",
        validation_alias="INTAKE_HTTP_DEFAULT_CHANNEL",
    )
    kafka_default_channel: Channel = Field(
        Channel.OTHER,
        description="Channel of a Kafka submission that names none.",
        validation_alias="INTAKE_KAFKA_DEFAULT_CHANNEL",
    )
    consume_submissions: bool = Field(
        True,
        description="Consume the submitted topic (off: a REST-only replica).",
        validation_alias="INTAKE_CONSUME_SUBMISSIONS",
    )
    kafka_batch_size: BatchSize = Field(1000, validation_alias="INTAKE_KAFKA_BATCH_SIZE")
    kafka_parts: int = Field(
        4,
        ge=1,
        le=64,
        description="Parts (by message key) a consumed batch is written in concurrently.",
        validation_alias="INTAKE_KAFKA_PARTS",
    )
    kafka_batch_wait_ms: BatchWaitMs = Field(50, validation_alias="INTAKE_KAFKA_BATCH_WAIT_MS")
    http_batch_size: int = Field(
        200,
        ge=1,
        le=10_000,
        description="Most concurrent REST submissions written together.",
        validation_alias="INTAKE_HTTP_BATCH_SIZE",
    )
    http_writers: int = Field(
        2,
        ge=1,
        le=64,
        description="REST batches written at the same time.",
        validation_alias="INTAKE_HTTP_WRITERS",
    )
    producer_batch_bytes: int = Field(
        512 * 1024,
        ge=16 * 1024,
        le=1024 * 1024,
        description="Largest batch of events sent to one partition in one request (bytes).",
        validation_alias="INTAKE_PRODUCER_BATCH_BYTES",
    )
    producer_linger_ms: int = Field(
        2,
        ge=0,
        le=1_000,
        description="How long the producer waits to fill a batch (ms).",
        validation_alias="INTAKE_PRODUCER_LINGER_MS",
    )
    publish_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Longest wait for Kafka to take one batch of events.",
        validation_alias="INTAKE_PUBLISH_TIMEOUT_SECONDS",
    )
    unavailable_after_seconds: float = Field(
        5.0,
        gt=0,
        description="How long a REST call retries an unavailable Kafka or MongoDB "
        "before answering 503.",
        validation_alias="INTAKE_UNAVAILABLE_AFTER_SECONDS",
    )
    retry_after_seconds: int = Field(
        5,
        ge=1,
        description="Retry-After of a 503 answer.",
        validation_alias="INTAKE_RETRY_AFTER_SECONDS",
    )

    @field_validator("number_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.number_timezone)
