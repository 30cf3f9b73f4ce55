"""Phone numbers in one format (E.164) wherever they can be read."""

from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat


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
