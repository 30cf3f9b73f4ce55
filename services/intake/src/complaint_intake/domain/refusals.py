"""Why intake refuses input: a reason code, a detail and the fields at fault."""

from dataclasses import dataclass, field
from enum import StrEnum

from complaint_events import DecodeError, FieldError, ReasonCode


class Reason(StrEnum):
    """Reason codes: the shared ones, plus those only intake gives."""

    NOT_UTF8 = ReasonCode.NOT_UTF8.value
    NOT_JSON = ReasonCode.NOT_JSON.value
    UNKNOWN_EVENT_TYPE = ReasonCode.UNKNOWN_EVENT_TYPE.value
    UNSUPPORTED_SCHEMA_VERSION = ReasonCode.UNSUPPORTED_SCHEMA_VERSION.value
    VALIDATION_FAILED = ReasonCode.VALIDATION_FAILED.value
    TOO_LARGE = "too_large"
    DUPLICATE_CONFLICT = "duplicate_conflict"
    PROCESSING_FAILED = "processing_failed"  # an unexpected error, isolated to one message


@dataclass(frozen=True)
class Refusal:
    """Input intake will not take: answered with a 4xx over HTTP, dead-lettered from Kafka."""

    reason: Reason
    detail: str
    field_errors: tuple[FieldError, ...] = field(default=())

    @classmethod
    def from_decode_error(cls, error: DecodeError) -> "Refusal":
        return cls(Reason(error.reason_code.value), error.detail, tuple(error.field_errors))

    def as_decode_error(self) -> DecodeError:
        """The shared form, for the dead-letter helpers; intake-only reasons count as
        validation failures there, with the reason as the field error's type."""
        if self.reason in ReasonCode.__members__.values():
            return DecodeError(
                ReasonCode(self.reason.value), self.detail, field_errors=[*self.field_errors]
            )
        errors = list(self.field_errors) or [
            FieldError(field="", message=self.detail, type=self.reason.value)
        ]
        detail = f"{self.reason}: {self.detail}"
        return DecodeError(ReasonCode.VALIDATION_FAILED, detail, field_errors=errors)
