"""Keeping a confidential or anonymous complainant's identity out of notices (003·ZJ 第六条)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from complaint_events import Complainant

REDACTED = "[redacted]"
COMPLAINANT_KEYS = frozenset(
    {
        "complainant",
        "complainant_name",
        "complainant_phone",
        "complainant_email",
        "complainant_address",
    }
)
_EMAIL = re.compile(r"[^\s@<>()\[\]]+@[^\s@<>()\[\]]+\.[^\s@<>()\[\]]+")
# Mainland mobile and landline numbers, international numbers and resident ID card numbers;
# narrow on purpose so that dates and complaint numbers survive.
_PHONE_OR_ID = re.compile(
    r"(?<![\dA-Za-z])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\+\d[\d\s-]{7,}\d|\d{17}[\dXx])(?!\d)"
)


@dataclass(frozen=True)
class Privacy:
    """What is known about the complainant's identity, to withhold it where needed."""

    confidential: bool = False
    anonymous: bool = False
    identifiers: tuple[str, ...] = ()
    """Their name, phone, email and address as given, scrubbed from free text too."""

    @classmethod
    def of(cls, complainant: Complainant | None) -> Self:
        if complainant is None:
            return cls()
        values = (complainant.name, complainant.phone, complainant.email, complainant.address)
        return cls(
            confidential=complainant.confidential,
            anonymous=complainant.anonymous,
            identifiers=tuple(value for value in values if value),
        )

    @property
    def withheld_from_respondent(self) -> bool:
        return self.confidential or self.anonymous


def must_redact(*, respondent_side: bool, privacy: Privacy) -> bool:
    """A notice reaching the party complained about hides a confidential complainant."""
    return respondent_side and privacy.withheld_from_respondent


def redact_text(text: str, privacy: Privacy) -> str:
    for identifier in sorted(privacy.identifiers, key=len, reverse=True):
        text = text.replace(identifier, REDACTED)
    return _PHONE_OR_ID.sub(REDACTED, _EMAIL.sub(REDACTED, text))


def redact_context(context: Mapping[str, Any], privacy: Privacy) -> dict[str, Any]:
    """The context without complainant fields, with their identifiers scrubbed from all text."""
    return {
        key: _redact_value(value, privacy)
        for key, value in context.items()
        if key not in COMPLAINANT_KEYS
    }


def _redact_value(value: Any, privacy: Privacy) -> Any:
    if isinstance(value, str):
        return redact_text(value, privacy)
    if isinstance(value, Mapping):
        return redact_context(value, privacy)
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(item, privacy) for item in value)
    return value
