"""What the schema's patterns cannot tell, checked with maintained libraries: an e-mail
address's syntax (email-validator), an ISO 4217 currency (pycountry), a phone number that can be
dialled (phonenumbers). Intake is the gate: events already on the topics stay readable."""

from functools import lru_cache
from typing import Any

import pycountry
from email_validator import EmailNotValidError, validate_email

from complaint_events import FieldError

from .phones import dialable


def invalid_fields(data: dict[str, Any], *, phone_region: str) -> list[FieldError]:
    """The fields of a tidied submission (as a dict) that are not what they claim to be."""
    complainant = data.get("complainant") or {}
    request = data.get("request") or {}
    errors = []
    if complainant.get("email") and (why := email_problem(complainant["email"])):
        errors.append(FieldError(field="complainant.email", message=why, type="invalid_email"))
    if complainant.get("phone") and not dialable(complainant["phone"], phone_region):
        message = f"not a phone number (read with region {phone_region} without a country code)"
        errors.append(FieldError(field="complainant.phone", message=message, type="invalid_phone"))
    if request.get("currency") and not is_currency(request["currency"]):
        message = f"{request['currency']!r} is not an ISO 4217 currency code"
        errors.append(
            FieldError(field="request.currency", message=message, type="unknown_currency")
        )
    return errors


@lru_cache(maxsize=4_096)
def email_problem(address: str) -> str | None:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        return str(error)[:2_000]
    return None


@lru_cache(maxsize=512)
def is_currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None
