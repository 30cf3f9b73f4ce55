"""Normalisation: one form for what different senders write differently.

On the way in (`tidy`): strings lose leading and trailing whitespace, phone numbers become
E.164 where they can be read, e-mail domains lower case, tags lose repeats, the declared language
tag gets its canonical case. On receipt (`complete`): `received_at` is defaulted and the
description's language detected. Nothing else changes: text keeps its inner spacing.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from complaint_events import ComplaintSubmitted, field_errors_from
from complaint_events.fields import NON_BLANK_PATTERN

from .checks import invalid_fields
from .language import detect_language
from .phones import normalise_phone
from .refusals import Reason, Refusal

# Exactly the whitespace the shared schema's "not blank" check knows, so a string that passed
# it can never be stripped to nothing.
_BLANK = "[" + NON_BLANK_PATTERN.removeprefix("[^")
_EDGES = re.compile(f"^{_BLANK}+|{_BLANK}+$")


@dataclass(frozen=True)
class Normalised:
    submission: ComplaintSubmitted
    language: str | None  # detected from the description; the declared one when undetectable


def tidy(submission: ComplaintSubmitted, *, phone_region: str) -> ComplaintSubmitted | Refusal:
    """Trimmed, phones and e-mail domains unified, tags without repeats, language tag cased.

    Validated again afterwards: a value that was only long enough with its padding (a phone
    " 12 ") is refused, naming the field; so is an e-mail address, a phone number or a currency
    that is not one (`checks`).
    """
    data = _stripped(submission.model_dump())
    complainant = data["complainant"]
    if complainant.get("phone"):
        complainant["phone"] = normalise_phone(complainant["phone"], phone_region)
    if complainant.get("email"):
        complainant["email"] = _lower_domain(complainant["email"])
    data["tags"] = list(dict.fromkeys(data["tags"]))
    if data["language"]:
        data["language"] = canonical_language_tag(data["language"])
    try:
        tidied = ComplaintSubmitted.model_validate(data)
    except ValidationError as error:
        detail = f"{error.error_count()} field(s) invalid once trimmed"
        return Refusal(Reason.VALIDATION_FAILED, detail, tuple(field_errors_from(error)))
    invalid = invalid_fields(data, phone_region=phone_region)
    if invalid:
        return Refusal(Reason.VALIDATION_FAILED, f"{len(invalid)} invalid field(s)", tuple(invalid))
    return tidied


def complete(submission: ComplaintSubmitted, *, received_at: datetime) -> Normalised:
    """The defaults intake fills in when it receives a tidied submission."""
    if submission.received_at is None:
        submission = submission.model_copy(update={"received_at": received_at})
    detected = detect_language(submission.description) or submission.language
    return Normalised(submission, detected)


def canonical_language_tag(tag: str) -> str:
    """BCP 47 case: `zh-cn` → `zh-CN`, `ZH-hans` → `zh-Hans`."""
    language, *subtags = tag.split("-")
    cased = [language.lower()]
    for subtag in subtags:
        if len(subtag) == 2 and subtag.isalpha():
            cased.append(subtag.upper())
        elif len(subtag) == 4 and subtag.isalpha():
            cased.append(subtag.title())
        else:
            cased.append(subtag.lower())
    return "-".join(cased)


def _stripped(value: Any) -> Any:
    if isinstance(value, str):
        return _EDGES.sub("", value)
    if isinstance(value, dict):
        return {key: _stripped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stripped(item) for item in value]
    return value


def _lower_domain(email: str) -> str:
    local, at, domain = email.rpartition("@")
    if not at or not domain.isascii():
        return email  # lower-casing non-ASCII can change its length; leave it as given
    return f"{local}@{domain.lower()}"
