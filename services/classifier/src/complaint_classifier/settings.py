"""The classifier's settings: the shared ones (see complaint_runtime) and its own, from the env."""

from pydantic import Field

from complaint_runtime import BatchSize, BatchWaitMs, ServiceSettings


class ClassifierSettings(ServiceSettings):
    mongodb_database: str = Field("classifier", description="The classifier's own database.")
    http_port: int = Field(8002, ge=1, le=65535, description="Port of the HTTP server.")

    policy_by_source: dict[str, str] = Field(
        default_factory=dict,
        description='Policy id per source system, as JSON: {"his": "hospital"}, over the '
        "routing file <POLICIES_DIR>/routing.yaml (for a deployment that routes in its "
        "environment). A submission naming its policy_id gets that one.",
        validation_alias="CLASSIFIER_POLICY_BY_SOURCE",
    )
    default_policy: str | None = Field(
        None,
        min_length=1,
        description="Policy id of complaints whose source system is not mapped (default: the "
        "routing file's `default`).",
        validation_alias="CLASSIFIER_DEFAULT_POLICY",
    )
    kafka_batch_size: BatchSize = Field(500, validation_alias="CLASSIFIER_KAFKA_BATCH_SIZE")
    kafka_batch_wait_ms: BatchWaitMs = Field(50, validation_alias="CLASSIFIER_KAFKA_BATCH_WAIT_MS")
    concurrency: int = Field(
        32,
        ge=1,
        le=1_000,
        description="Complaints of one batch handled at once (one complaint's events always "
        "in order).",
        validation_alias="CLASSIFIER_CONCURRENCY",
    )
    counter_grace_days: float = Field(
        2.0,
        ge=0,
        description="Days a repeat/cluster sighting is kept after the last window that can "
        "reach it ended, for complaints that arrive late (a TTL index removes it then).",
        validation_alias="CLASSIFIER_COUNTER_GRACE_DAYS",
    )
