"""Masking a confidential complainant (003·ZJ 第六条) from callers without the privileged scope."""

import re
from typing import Any

from .entries import Document

PERSONAL_FIELDS = ("name", "phone", "email", "address")
FREE_TEXT = (("title",), ("description",), ("request", "details"), ("occurrence", "location"))
"""Text the complainant wrote, where they may have repeated their name or contact details."""
MASK = "***"
_EMAIL = re.compile(r"[^\s@<>()\[\]]+@[^\s@<>()\[\]]+\.[^\s@<>()\[\]]+")
# Mainland mobile and landline numbers, international numbers and resident ID card numbers;
# narrow on purpose so that dates, batches and complaint numbers survive (as in the notifier).
_PHONE_OR_ID = re.compile(
    r"(?<![\dA-Za-z])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\+\d[\d\s-]{7,}\d|\d{17}[\dXx])(?!\d)"
)


def masked(document: Document) -> Document:
    """The document with the complainant's name, phone, e-mail and address hidden when the
    complaint is confidential, also where the free text of the record (title, description,
    request details...) repeats them or holds an e-mail address or phone number; anything
    else is returned as it is."""
    record = document.get("record")
    if not document.get("confidential") or not record:
        return document
    complainant = dict(record["complainant"])
    identifiers = sorted(
        {str(complainant[name]) for name in PERSONAL_FIELDS if complainant.get(name)},
        key=len,
        reverse=True,
    )
    for name in PERSONAL_FIELDS:
        if complainant.get(name) is not None:
            complainant[name] = MASK
    shown = {**record, "complainant": complainant}
    for path in FREE_TEXT:
        shown = _scrubbed(shown, path, identifiers)
    return {**document, "record": shown}


def _scrubbed(part: dict[str, Any], path: tuple[str, ...], identifiers: list[str]) -> Any:
    """`part` with the text at `path` scrubbed (a copy; the original is untouched)."""
    head, rest = path[0], path[1:]
    value = part.get(head)
    if rest and isinstance(value, dict):
        return {**part, head: _scrubbed(value, rest, identifiers)}
    if rest or not isinstance(value, str):
        return part
    for identifier in identifiers:
        value = value.replace(identifier, MASK)
    return {**part, head: _PHONE_OR_ID.sub(MASK, _EMAIL.sub(MASK, value))}


def visible(document: Document, *, privileged: bool) -> Document:
    return document if privileged else masked(document)
