"""Dotted paths into a submission (the JSON shape of `ComplaintSubmitted`)."""

from collections.abc import Mapping, Sequence
from typing import Any

_SUBMISSION_FIELDS: dict[str, tuple[str, ...]] = {
    "source_system": (),
    "external_reference": (),
    "channel": (),
    "received_at": (),
    "receiver": (),
    "kind": (),
    "title": (),
    "description": (),
    "language": (),
    "complainant": ("name", "phone", "email", "address", "anonymous", "confidential", "type"),
    "respondent": ("organisation", "department", "person", "address"),
    "product": (
        "name",
        "batch",
        "specification",
        "quantity",
        "unit",
        "material",
        "expiry_date",
        "contract_no",
        "delivery_note_no",
        "certificate_no",
    ),
    "occurrence": ("occurred_at", "frequency", "location", "area", "cell_id"),
    "request": ("types", "amount", "currency", "details"),
    "attachments": ("attachment_id", "filename", "content_type", "size_bytes", "sha256", "url"),
    "tags": (),
    "related_complaint_number": (),
    "forwarded_by": (),
}

SUBMISSION_PATHS: frozenset[str] = frozenset(
    [top for top in _SUBMISSION_FIELDS]
    + [f"{top}.{leaf}" for top, leaves in _SUBMISSION_FIELDS.items() for leaf in leaves]
)

# Fields of the classification itself that a cluster key may use.
RESULT_PATHS: frozenset[str] = frozenset({"category", "department", "severity"})

# Personal data: never part of a cluster key (keys are stored and may be logged).
PERSONAL_PATHS: frozenset[str] = frozenset(
    {"receiver", "complainant", "complainant.name", "complainant.phone"}
    | {"complainant.email", "complainant.address"}
)


def split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def resolve(data: Mapping[str, Any], parts: Sequence[str]) -> Any:
    """The value at a path; through a list it maps over the items; a missing step gives None."""
    value: Any = data
    for index, part in enumerate(parts):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list | tuple):
            found = [resolve(item, parts[index:]) for item in value]
            return [item for item in found if item is not None] or None
        else:
            return None
        if value is None:
            return None
    return value


def is_present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != ()
