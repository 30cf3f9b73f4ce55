"""Notice events: a reminder, breach, escalation or report delivered (or not) to staff."""

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from .base import EventPayload
from .fields import INT64_MAX, Identifier, Label, Text


class NoticeKind(StrEnum):
    REMINDER = "reminder"
    BREACH = "breach"
    ESCALATION = "escalation"
    IMMEDIATE = "immediate"
    PROGRESS = "progress"


class NoticeChannel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    KAFKA = "kafka"


class NoticeDelivery(EventPayload):
    """Fields common to sent and failed notices."""

    notice_id: Identifier
    notice_kind: NoticeKind
    channel: NoticeChannel
    recipient_role: Label = Field(examples=["quality_director"])
    recipient_ref: Label = Field(description="Staff id or address; never the complainant.")
    deadline_id: Identifier | None = None
    step: Label | None = None
    level: int | None = Field(default=None, ge=0, le=INT64_MAX, description="Escalation level.")
    attempt: int = Field(default=1, ge=1, le=INT64_MAX)
    redacted: bool = Field(default=False, description="Complainant identity removed.")


class NoticeSent(NoticeDelivery):
    event_type: ClassVar[str] = "NoticeSent"
    schema_version: ClassVar[int] = 1


class NoticeFailed(NoticeDelivery):
    event_type: ClassVar[str] = "NoticeFailed"
    schema_version: ClassVar[int] = 1

    error: Text
    final: bool = Field(description="No further attempt will be made.")
