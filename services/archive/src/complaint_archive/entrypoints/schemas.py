"""Response bodies of the REST API, for the OpenAPI document."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Summary(BaseModel):
    """One search hit; no personal data."""

    complaint_id: str
    number: str | None = Field(None, examples=["TS-20240506-000001"])
    status: str = Field(examples=["assigned"])
    received_at: datetime | None = None
    policy_id: str | None = Field(None, examples=["pharma-quality"])
    severity: str | None = Field(None, examples=["C"])
    category: str | None = None
    department: str | None = None
    product: str | None = None
    batch: str | None = None
    title: str | None = None
    open_due_at: datetime | None = Field(None, description="Overdue from this moment on.")
    retain_until: datetime | None = None


class SearchPage(BaseModel):
    items: list[Summary]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class TimelineEntry(BaseModel):
    event_id: str
    event_type: str = Field(examples=["ComplaintAssigned"])
    at: datetime
    producer: str
    data: dict[str, Any] = Field(description="The event's payload as the archive keeps it.")


class Timeline(BaseModel):
    complaint_id: str
    number: str | None
    events: list[TimelineEntry]


class StoredAttachment(BaseModel):
    attachment_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    download: str = Field(description="Path of the download.")


class MonthlyCount(BaseModel):
    month: str = Field(examples=["2024-05"])
    dimension: str = Field(examples=["category"])
    value: str
    count: int


class StepOnTime(BaseModel):
    step: str = Field(examples=["reply"])
    finished: int = Field(description="Deadlines met or breached.")
    on_time: int
    late: int
    on_time_rate: float | None


class MonthShare(BaseModel):
    month: str
    count: int
    of: int
    rate: float | None


class Share(BaseModel):
    """`count` of `of` complaints, overall and per month of receipt."""

    count: int
    of: int
    rate: float | None
    months: list[MonthShare]


class CauseShare(BaseModel):
    cause: str
    count: int
    share: float | None
    cumulative: float | None


class AnnualRow(BaseModel):
    """000·D1 4.7: received date, product, batch, cause, measures taken."""

    number: str | None
    received_date: str | None
    product: str | None
    batch: str | None
    severity: str | None
    category: str | None
    cause: str | None
    actions: str | None
    status: str | None
