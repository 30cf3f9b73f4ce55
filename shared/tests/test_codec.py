import json
from collections.abc import Callable
from typing import Any

import pytest

from complaint_events import (
    ComplaintSubmitted,
    DecodeError,
    Envelope,
    EventPayload,
    ReasonCode,
    SubmissionRejected,
    decode,
    encode,
    header_map,
    headers_for,
    message_key,
    new_event,
)
from complaint_events.examples import COMPLAINT_ID, DESCRIPTION, example_payloads

pytestmark = pytest.mark.unit

Wrap = Callable[..., Envelope[Any]]


def test_every_example_round_trips_through_kafka_bytes(
    example: EventPayload, envelope_of: Wrap
) -> None:
    event = envelope_of(example)

    decoded = decode(encode(event), headers_for(event))

    assert decoded == event
    assert type(decoded.payload) is type(example)
    assert encode(decoded) == encode(event)


def test_encoding_is_compact_utf8_json_with_chinese_unescaped(envelope_of: Wrap) -> None:
    value = encode(envelope_of(example_payloads()["ComplaintSubmitted"]))

    assert DESCRIPTION.encode("utf-8") in value
    assert b"\\u" not in value
    assert b": " not in value and b", " not in value


def test_headers_carry_type_version_and_id(envelope_of: Wrap) -> None:
    event = envelope_of(example_payloads()["ComplaintClassified"])

    assert dict(headers_for(event)) == {
        "event_type": b"ComplaintClassified",
        "schema_version": b"1",
        "event_id": event.event_id.encode(),
        "content-type": b"application/json",
    }
    assert header_map(event)["event_type"] == "ComplaintClassified"


def test_key_is_the_complaint_id(envelope_of: Wrap) -> None:
    assert message_key(envelope_of(example_payloads()["ComplaintClosed"])) == COMPLAINT_ID.encode()


def test_submission_key_is_source_and_external_reference(envelope_of: Wrap) -> None:
    assert (
        message_key(envelope_of(example_payloads()["ComplaintSubmitted"])) == b"crm/CASE-2024-0001"
    )


def test_dead_letter_without_complaint_is_keyed_by_its_event_id(envelope_of: Wrap) -> None:
    event = envelope_of(example_payloads()["SubmissionRejected"])

    assert message_key(event) == event.event_id.encode()


@pytest.mark.parametrize("form", ["pairs", "bytes_dict", "text_dict", "none"])
def test_decode_accepts_every_header_form(form: str, envelope_of: Wrap) -> None:
    event = envelope_of(example_payloads()["ReplySent"])
    headers: Any = {
        "pairs": headers_for(event),
        "bytes_dict": dict(headers_for(event)),
        "text_dict": header_map(event),
        "none": None,
    }[form]

    assert decode(encode(event), headers) == event


def test_header_routes_before_the_body_is_parsed(envelope_of: Wrap) -> None:
    event = envelope_of(example_payloads()["ComplaintClosed"])

    with pytest.raises(DecodeError) as caught:
        decode(b"\xff not even utf-8", {"event_type": b"ComplaintClosed"})
    assert caught.value.reason_code is ReasonCode.NOT_UTF8
    with pytest.raises(DecodeError) as caught:
        decode(encode(event), {"event_type": "SomethingNew", "schema_version": "1"})
    assert caught.value.reason_code is ReasonCode.UNKNOWN_EVENT_TYPE
    assert caught.value.event_type == "SomethingNew"
    with pytest.raises(DecodeError) as caught:
        decode(b"<xml/>", {"event_type": b"SomethingNew"})
    assert caught.value.reason_code is ReasonCode.UNKNOWN_EVENT_TYPE
    with pytest.raises(DecodeError) as caught:
        decode(b"<xml/>", {"event_type": b"ComplaintClosed", "schema_version": b"9"})
    assert caught.value.reason_code is ReasonCode.UNSUPPORTED_SCHEMA_VERSION


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\xff\xfe", ReasonCode.NOT_UTF8),
        (b"{not json", ReasonCode.NOT_JSON),
        (b"[1, 2]", ReasonCode.NOT_JSON),
        (b'{"event_type": "ComplaintTeleported"}', ReasonCode.UNKNOWN_EVENT_TYPE),
        (
            b'{"event_type": "ComplaintClosed", "schema_version": 2}',
            ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
        ),
        (
            b'{"event_type": "ComplaintClosed", "schema_version": "x"}',
            ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
        ),
        (b'{"payload": {}}', ReasonCode.VALIDATION_FAILED),
        (b'{"event_type": "ComplaintClosed", "schema_version": 1}', ReasonCode.VALIDATION_FAILED),
    ],
)
def test_undecodable_values_carry_a_reason_code(value: bytes, reason: ReasonCode) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(value)

    assert caught.value.reason_code is reason
    assert caught.value.reason_code == reason.value


def test_newer_schema_version_in_header_is_unsupported(envelope_of: Wrap) -> None:
    event = envelope_of(example_payloads()["ComplaintClosed"])

    with pytest.raises(DecodeError) as caught:
        decode(encode(event), {"event_type": b"ComplaintClosed", "schema_version": b"2"})

    assert caught.value.reason_code is ReasonCode.UNSUPPORTED_SCHEMA_VERSION
    assert caught.value.schema_version == 2


def body_of(event: Envelope[Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(encode(event))
    return body


def test_validation_failure_lists_every_bad_field(envelope_of: Wrap) -> None:
    body = body_of(envelope_of(example_payloads()["ComplaintSubmitted"]))
    body["occurred_at"] = "2024-05-06T09:30:00"
    body["payload"]["description"] = " \n "
    body["payload"]["channel"] = "carrier_pigeon"
    body["payload"]["request"]["amount"] = "-1"
    body["payload"]["attachments"][0]["sha256"] = "xyz"

    with pytest.raises(DecodeError) as caught:
        decode(json.dumps(body).encode())

    assert caught.value.reason_code is ReasonCode.VALIDATION_FAILED
    assert {error.field for error in caught.value.field_errors} == {
        "occurred_at",
        "payload.description",
        "payload.channel",
        "payload.request.amount",
        "payload.attachments.0.sha256",
    }


def test_header_and_body_disagreeing_on_type_is_a_field_error(envelope_of: Wrap) -> None:
    event = envelope_of(example_payloads()["ComplaintClosed"])

    with pytest.raises(DecodeError) as caught:
        decode(encode(event), {"event_type": b"ComplaintReopened"})

    assert [error.field for error in caught.value.field_errors] == ["event_type"]


def test_unknown_fields_are_ignored_for_forward_compatibility(envelope_of: Wrap) -> None:
    event = envelope_of(example_payloads()["ComplaintSubmitted"])
    body = body_of(event)
    body["trace_flags"] = 1
    body["payload"]["loyalty_tier"] = "gold"
    body["payload"]["complainant"]["wechat_id"] = "zs-001"

    decoded = decode(json.dumps(body, ensure_ascii=False).encode())

    assert decoded == event
    assert b"loyalty_tier" not in encode(decoded)


def test_escaped_unicode_input_decodes_to_the_same_text(envelope_of: Wrap) -> None:
    event = envelope_of(example_payloads()["ComplaintSubmitted"])
    ascii_json = json.dumps(body_of(event), ensure_ascii=True).encode()

    decoded = decode(ascii_json)

    assert isinstance(decoded.payload, ComplaintSubmitted)
    assert decoded.payload.description == DESCRIPTION
    assert encode(decoded) == encode(event)


def test_rejected_bytes_travel_as_base64(envelope_of: Wrap) -> None:
    payload = SubmissionRejected(
        rejected_by="classifier",
        reason_codes=["not_utf8"],
        original_value=b"\xff\x00\xfe",
        original_headers=[("event_type", b"\x80")],
    )
    event = envelope_of(payload)

    body = body_of(event)
    decoded = decode(encode(event))

    assert body["payload"]["original_value"] == "/wD+"
    assert body["payload"]["original_headers"] == [["event_type", "gA=="]]
    assert decoded.payload.original_value == b"\xff\x00\xfe"


def test_new_event_output_decodes_without_headers() -> None:
    event = new_event(example_payloads()["ComplaintSubmitted"], producer="intake")

    assert decode(encode(event)) == event


def test_deeply_nested_json_is_refused_as_not_json_not_a_crash() -> None:
    from complaint_events import DecodeError, ReasonCode, decode

    with pytest.raises(DecodeError) as raised:
        decode(b"[" * 100_000)
    assert raised.value.reason_code == ReasonCode.NOT_JSON


@pytest.mark.parametrize(
    "value",
    [b"1" * 5_000, b'{"event_type": "ComplaintClosed", "schema_version": ' + b"9" * 5_000 + b"}"],
)
def test_overlong_json_number_is_refused_as_not_json_not_a_crash(value: bytes) -> None:
    """Python refuses to convert integers of more than 4,300 digits with a bare ValueError;
    left uncaught it stalled every consumer on the message, which was read again forever."""
    with pytest.raises(DecodeError) as raised:
        decode(value)
    assert raised.value.reason_code == ReasonCode.NOT_JSON


@pytest.mark.parametrize(
    ("field", "moment"),
    [
        (("occurred_at",), "0001-01-01T00:00:00+01:00"),
        (("occurred_at",), "9999-12-31T23:59:59-01:00"),
        (("payload", "received_at"), "0001-01-01T00:30:00+00:45"),
    ],
)
def test_a_moment_outside_the_calendar_in_utc_is_a_field_error_not_a_crash(
    envelope_of: Wrap, field: tuple[str, ...], moment: str
) -> None:
    """A time at the calendar's edge whose UTC form is before year 1 or after 9999 made the
    conversion raise OverflowError out of `decode`: a consumer that passes unreadable messages
    by (the archive, on raw submissions) dead-lettered it instead, as a processing failure."""
    body = body_of(envelope_of(example_payloads()["ComplaintSubmitted"]))
    parent = body
    for name in field[:-1]:
        parent = parent[name]
    parent[field[-1]] = moment

    with pytest.raises(DecodeError) as caught:
        decode(json.dumps(body).encode())

    assert caught.value.reason_code is ReasonCode.VALIDATION_FAILED
    [error] = caught.value.field_errors
    assert error.field == ".".join(field)
    assert "UTC" in error.message


def test_an_integer_beyond_64_bits_is_a_field_error(envelope_of: Wrap) -> None:
    body = body_of(envelope_of(example_payloads()["ComplaintSubmitted"]))
    body["payload"]["attachments"][0]["size_bytes"] = 2**63

    with pytest.raises(DecodeError) as caught:
        decode(json.dumps(body).encode())

    [error] = caught.value.field_errors
    assert error.field == "payload.attachments.0.size_bytes"


def test_a_whole_limit_beyond_64_bits_stays_a_number_mongodb_can_store(envelope_of: Wrap) -> None:
    """A whole `limit` is written as an integer; past 64 bits (1e20 days is valid) it must stay
    a float, or the archive cannot store the event."""
    event = envelope_of(example_payloads()["DeadlineScheduled"])
    huge = event.model_copy(update={"payload": event.payload.model_copy(update={"limit": 1e20})})

    dumped = huge.model_dump(mode="json")["payload"]["limit"]

    assert isinstance(dumped, float) and dumped == 1e20
    assert decode(encode(huge)).payload.limit == 1e20
