"""Building the `SubmissionRejected` dead letter for a message that could not be used."""

from collections.abc import Mapping

from .codec import Headers
from .errors import DecodeError
from .fields import TEXT_MAX
from .rejected import SubmissionRejected


def rejection_for(
    error: DecodeError,
    *,
    rejected_by: str,
    value: bytes,
    key: bytes | None = None,
    headers: Headers | None = None,
    source_topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
) -> SubmissionRejected:
    """The dead-letter payload for a message `decode` (or a later check) refused."""
    return SubmissionRejected(
        rejected_by=rejected_by,
        source_topic=source_topic,
        partition=partition,
        offset=offset,
        reason_codes=[error.reason_code],
        field_errors=error.field_errors,
        original_value=value,
        original_key=key,
        original_headers=raw_headers(headers),
        detail=error.detail[:TEXT_MAX] if error.detail.strip() else None,
    )


def raw_headers(headers: Headers | None) -> list[tuple[str, bytes]]:
    """Headers as (name, bytes) pairs, whatever form the client handed them in."""
    if headers is None:
        return []
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [
        (name, value if isinstance(value, bytes) else value.encode("utf-8"))
        for name, value in pairs
    ]
