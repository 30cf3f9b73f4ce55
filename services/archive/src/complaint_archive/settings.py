"""The archive's settings: the shared ones (see complaint_runtime) and its own, from the env."""

from pydantic import Field

from complaint_runtime import BatchSize, BatchWaitMs, ServiceSettings

DEFAULT_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "audio/mpeg",
    "audio/wav",
    "video/mp4",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


class ArchiveSettings(ServiceSettings):
    mongodb_database: str = Field("archive", description="The archive's own database.")
    http_port: int = Field(8004, ge=1, le=65535, description="Port of the HTTP server.")

    default_retention_years: int = Field(
        5,
        ge=0,
        le=100,
        description="Years a complaint of a policy without retention.yaml is kept after it ended.",
        validation_alias="ARCHIVE_DEFAULT_RETENTION_YEARS",
    )
    kafka_batch_size: BatchSize = Field(500, validation_alias="ARCHIVE_KAFKA_BATCH_SIZE")
    kafka_batch_wait_ms: BatchWaitMs = Field(100, validation_alias="ARCHIVE_KAFKA_BATCH_WAIT_MS")
    consume: bool = Field(
        True,
        description="Consume the topics (off: REST only, e.g. a read replica of the API).",
        validation_alias="ARCHIVE_CONSUME",
    )
    attachment_max_bytes: int = Field(
        20 * 1024 * 1024,
        ge=1,
        description="Largest attachment accepted (bytes).",
        validation_alias="ARCHIVE_ATTACHMENT_MAX_BYTES",
    )
    attachment_types: list[str] = Field(
        default_factory=lambda: list(DEFAULT_TYPES),
        description="Content types accepted for attachments (JSON list).",
        validation_alias="ARCHIVE_ATTACHMENT_TYPES",
    )
    purge_interval_seconds: float = Field(
        3600.0,
        ge=0,
        description="How often the service looks for expired complaints (0: never; use the "
        "`complaint-archive purge` command instead).",
        validation_alias="ARCHIVE_PURGE_INTERVAL_SECONDS",
    )
    unlinked_retention_days: float = Field(
        30.0,
        ge=0,
        description="Days raw submissions and dead letters of no complaint stay in the event "
        "log (the complaint's own ComplaintReceived keeps its submission); 0: forever.",
        validation_alias="ARCHIVE_UNLINKED_RETENTION_DAYS",
    )
    purge_batch_size: int = Field(
        500,
        ge=1,
        le=100_000,
        description="Most complaints one purge run records as purged.",
        validation_alias="ARCHIVE_PURGE_BATCH_SIZE",
    )
    page_size_max: int = Field(
        200,
        ge=1,
        le=10_000,
        description="Largest page of search results.",
        validation_alias="ARCHIVE_PAGE_SIZE_MAX",
    )
    export_rows_max: int = Field(
        100_000,
        ge=1,
        description="Most rows in one CSV export.",
        validation_alias="ARCHIVE_EXPORT_ROWS_MAX",
    )
