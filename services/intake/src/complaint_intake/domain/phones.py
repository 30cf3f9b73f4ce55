"""Phone numbers in one format (E.164) wherever they can be read."""

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, shortnumberinfo

# How Chinese writers mark an extension ("010-12345678转123"); phonenumbers reads "ext."
_EXTENSION = re.compile(r"\s*(转|分机|內線|内线)\s*")


@lru_cache(maxsize=65_536)  # pure, and people who complain often use the same number
def normalise_phone(raw: str, region: str) -> str:
    """E.164 (`+8613800138000`) for a valid number, read with `region` when it has no country
    code; anything else (service numbers like 12315, extensions, free text) is kept as given,
    because a human can still use it and refusing the complaint would lose it."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except NumberParseException:
        return raw
    if parsed.extension or not phonenumbers.is_valid_number(parsed):
        return raw
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


@lru_cache(maxsize=65_536)
def dialable(raw: str, region: str) -> bool:
    """Whether someone could dial it: a possible number (with or without an extension) or a
    valid short number of the region (12315). Free text ("call after 6pm") is not."""
    try:
        parsed = phonenumbers.parse(_EXTENSION.sub(" ext. ", raw), region)
    except NumberParseException:
        return False
    return phonenumbers.is_possible_number(parsed) or shortnumberinfo.is_valid_short_number(parsed)
