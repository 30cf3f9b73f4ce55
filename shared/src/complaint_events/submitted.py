"""`ComplaintSubmitted`: what other systems publish, before intake has checked anything."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import Field, StringConstraints, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from .base import EventPayload
from .fields import (
    INT64_MAX,
    ComplaintNumber,
    ContentType,
    CurrencyCode,
    Email,
    Identifier,
    Label,
    LanguageTag,
    LongText,
    Model,
    Phone,
    Sha256Hex,
    Tag,
    Text,
    Url,
    UtcDatetime,
)

ExternalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:/-]{1,128}$")]


def _decimal_schema(integer_digits: int, decimal_places: int) -> WithJsonSchema:
    # pydantic leaves the string form of a Decimal unconstrained in JSON Schema.
    string_form = rf"^[0-9]{{1,{integer_digits}}}(\.[0-9]{{1,{decimal_places}}})?$"
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": string_form},
            ]
        }
    )


Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=20, decimal_places=4, allow_inf_nan=False),
    _decimal_schema(16, 4),
]
Quantity = Annotated[
    Decimal,
    Field(ge=0, max_digits=20, decimal_places=6, allow_inf_nan=False),
    _decimal_schema(14, 6),
]


class Channel(StrEnum):
    PHONE = "phone"
    FAX = "fax"
    LETTER = "letter"
    EMAIL = "email"
    WEB = "web"
    WALK_IN = "walk_in"
    DEALER = "dealer"
    HOTLINE = "hotline"
    FORWARDED = "forwarded"
    APP = "app"
    SOCIAL_MEDIA = "social_media"
    OTHER = "other"


class ComplaintKind(StrEnum):
    COMPLAINT = "complaint"
    REPORT = "report"
    ENQUIRY = "enquiry"
    SUGGESTION = "suggestion"


class ComplainantType(StrEnum):
    CUSTOMER = "customer"
    PATIENT = "patient"
    FAMILY = "family"
    EMPLOYEE = "employee"
    PUBLIC_REPORTER = "public_reporter"
    BUSINESS = "business"
    OTHER = "other"


class RequestType(StrEnum):
    REPAIR = "repair"
    REDO = "redo"
    REPLACE = "replace"
    RETURN = "return"
    MAKE_UP_QUANTITY = "make_up_quantity"
    REFUND = "refund"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    EXPLANATION = "explanation"
    INVESTIGATION = "investigation"
    OTHER = "other"


class Complainant(Model):
    """Who complains. Personal data: never logged; kept from the respondent when confidential."""

    name: Label | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: Text | None = None
    anonymous: bool = False
    confidential: bool = Field(
        default=False, description="Identity must never reach the party complained about."
    )
    type: ComplainantType | None = None

    @model_validator(mode="after")
    def _named_complainant_is_reachable(self) -> Self:
        if not self.anonymous and not (self.name or self.phone or self.email or self.address):
            raise PydanticCustomError(
                "complainant_unidentified",
                "a complainant who is not anonymous needs a name, phone, email or address",
                {"field": "anonymous"},
            )
        return self


class Respondent(Model):
    """The party complained about."""

    organisation: Label | None = None
    department: Label | None = None
    person: Label | None = None
    address: Text | None = None


class Product(Model):
    name: Label | None = None
    batch: Label | None = Field(default=None, description="Batch or lot number.")
    specification: Label | None = None
    quantity: Quantity | None = None
    unit: Label | None = None
    material: Label | None = None
    expiry_date: date | None = None
    contract_no: Label | None = None
    delivery_note_no: Label | None = None
    certificate_no: Label | None = None


class Occurrence(Model):
    """When, how often and where the problem happened."""

    occurred_at: UtcDatetime | None = None
    frequency: Label | None = Field(default=None, examples=["每天", "twice a week"])
    location: Text | None = None
    area: Label | None = None
    cell_id: Label | None = Field(default=None, description="Telecom network cell.")


class ComplaintRequest(Model):
    """What the complainant asks for."""

    types: list[RequestType] = Field(default_factory=list, max_length=len(RequestType))
    amount: Amount | None = Field(default=None, description="Amount involved or claimed.")
    currency: CurrencyCode = Field(default="CNY", description="ISO 4217 code.")
    details: Text | None = None


class AttachmentRef(Model):
    """A reference to evidence stored elsewhere; the bytes never travel in events."""

    attachment_id: Identifier | None = None
    filename: Label
    content_type: ContentType
    size_bytes: int | None = Field(default=None, ge=0, le=INT64_MAX)
    sha256: Sha256Hex | None = None
    url: Url | None = None


class ComplaintSubmitted(EventPayload):
    """A complaint as another system (or intake's REST API) hands it in."""

    event_type: ClassVar[str] = "ComplaintSubmitted"
    schema_version: ClassVar[int] = 1
    requires_complaint_id: ClassVar[bool] = False

    source_system: ExternalId = Field(description="The system that submitted it.")
    external_reference: ExternalId = Field(description="Its id there; idempotency key.")
    policy_id: Identifier | None = Field(
        default=None,
        description="The policy to apply (a folder of deploy/policies). Intake refuses one it "
        "does not know or the API key may not use; without it, the routing file "
        "(deploy/policies/routing.yaml) chooses by source system.",
        examples=["hospital"],
    )
    channel: Channel
    received_at: UtcDatetime | None = Field(default=None, description="Intake defaults it.")
    receiver: Label | None = Field(default=None, description="Staff who took it in.")
    kind: ComplaintKind = ComplaintKind.COMPLAINT
    title: Text | None = None
    description: LongText = Field(description="Free text in any language.")
    language: LanguageTag | None = Field(default=None, description="As declared by the sender.")
    complainant: Complainant
    respondent: Respondent | None = None
    product: Product | None = None
    occurrence: Occurrence | None = None
    request: ComplaintRequest | None = None
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=100)
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    related_complaint_number: ComplaintNumber | None = Field(
        default=None, description="Set when this complaint is about the handling of an earlier one."
    )
    forwarded_by: Label | None = Field(default=None, description="Body that forwarded it.")

    def partition_key(self) -> str:
        return f"{self.source_system}/{self.external_reference}"
