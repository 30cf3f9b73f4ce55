from datetime import UTC, datetime

import pytest

from complaint_events import Channel, ComplaintReceived, decode, encode
from complaint_intake.domain.normalise import complete
from complaint_intake.domain.parsing import Incoming, parse_submission
from complaint_intake.domain.records import (
    fingerprint,
    new_reservation,
    received_event,
    submission_key,
)

from .samples import raw, submission

pytestmark = pytest.mark.unit
NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def incoming(**changes: object) -> Incoming:
    result = parse_submission(
        raw(submission(**changes)), default_channel=Channel.WEB, max_bytes=1 << 20
    )
    assert isinstance(result, Incoming)
    return result


def test_the_received_event_is_rebuilt_byte_for_byte() -> None:
    item = incoming()
    reservation = new_reservation(item, "TS-20240501-000001", NOW)
    first = received_event(reservation, complete(item.submission, received_at=NOW))
    later = received_event(reservation, complete(item.submission, received_at=NOW))
    assert encode(first) == encode(later)
    decoded = decode(encode(first))
    assert isinstance(decoded.payload, ComplaintReceived)
    assert decoded.event_id == reservation.received_event_id
    assert decoded.complaint_id == reservation.complaint_id
    assert decoded.payload.complaint_number == "TS-20240501-000001"
    assert decoded.correlation_id == reservation.received_event_id  # a chain starts here


def test_idempotency_keys_cannot_be_confused_by_slashes() -> None:
    one = incoming(source_system="a/b", external_reference="c").submission
    other = incoming(source_system="a", external_reference="b/c").submission
    assert submission_key(one) != submission_key(other)


def test_fingerprint_ignores_json_layout_but_not_content() -> None:
    body = submission()
    compact = parse_submission(
        raw(body).replace(b", ", b","), default_channel=Channel.WEB, max_bytes=1 << 20
    )
    reordered = parse_submission(
        raw(dict(reversed(body.items()))), default_channel=Channel.WEB, max_bytes=1 << 20
    )
    assert isinstance(compact, Incoming) and isinstance(reordered, Incoming)
    assert fingerprint(compact.submission) == fingerprint(reordered.submission)
    assert fingerprint(compact.submission) != fingerprint(incoming(title="other").submission)
