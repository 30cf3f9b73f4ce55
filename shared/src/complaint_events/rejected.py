"""`SubmissionRejected`: the one dead-letter payload every service publishes."""

from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from .base import EventPayload
from .errors import FieldError
from .fields import INT64_MAX, Base64Bytes, Label, ServiceName, Text

Header = tuple[str, Base64Bytes]
ReasonCodeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class SubmissionRejected(EventPayload):
    """A message (or REST submission) refused, with the reasons and the original bytes.

    Bytes are base64 strings in JSON.
    """

    event_type: ClassVar[str] = "SubmissionRejected"
    schema_version: ClassVar[int] = 1
    requires_complaint_id: ClassVar[bool] = False

    rejected_by: ServiceName
    source_topic: Label | None = Field(default=None, description="None for REST submissions.")
    partition: int | None = Field(default=None, ge=0, le=INT64_MAX)
    offset: int | None = Field(default=None, ge=0, le=INT64_MAX)
    reason_codes: list[ReasonCodeName] = Field(
        min_length=1, max_length=50, examples=[["validation_failed"]]
    )
    field_errors: list[FieldError] = Field(default_factory=list, max_length=1_000)
    original_value: Base64Bytes
    original_key: Base64Bytes | None = None
    original_headers: list[Header] = Field(default_factory=list, max_length=1_000)
    detail: Text | None = None
