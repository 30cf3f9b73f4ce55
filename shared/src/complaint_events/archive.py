"""Archive events: retention purges and stored attachments."""

from typing import ClassVar

from pydantic import Field

from .base import EventPayload
from .fields import (
    INT64_MAX,
    ComplaintNumber,
    ContentType,
    Identifier,
    Label,
    Sha256Hex,
    UtcDatetime,
)


class RetentionPurged(EventPayload):
    event_type: ClassVar[str] = "RetentionPurged"
    schema_version: ClassVar[int] = 1

    complaint_number: ComplaintNumber
    retain_until: UtcDatetime
    purged_at: UtcDatetime
    events_removed: int = Field(ge=0, le=INT64_MAX)


class AttachmentStored(EventPayload):
    event_type: ClassVar[str] = "AttachmentStored"
    schema_version: ClassVar[int] = 1

    attachment_id: Identifier
    filename: Label
    content_type: ContentType
    size_bytes: int = Field(ge=0, le=INT64_MAX)
    sha256: Sha256Hex
