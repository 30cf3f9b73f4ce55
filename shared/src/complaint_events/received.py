"""`ComplaintReceived`: a submission intake accepted, normalised and numbered."""

from typing import ClassVar

from pydantic import Field

from .base import EventPayload
from .fields import ComplaintNumber, Identifier, LanguageTag
from .submitted import ComplaintSubmitted


class ComplaintReceived(EventPayload):
    event_type: ClassVar[str] = "ComplaintReceived"
    schema_version: ClassVar[int] = 1

    complaint_id: Identifier = Field(description="Same as the envelope's complaint_id.")
    complaint_number: ComplaintNumber = Field(examples=["TS-20240501-000123"])
    submission: ComplaintSubmitted = Field(description="The submission after normalisation.")
    language: LanguageTag | None = Field(
        default=None, description="Detected language of the description.", examples=["zh", "mixed"]
    )
