"""Property-based checks: any valid text, amount, time or bytes survives the Kafka round trip."""

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_events import (
    LONG_TEXT_MAX,
    ComplaintSubmitted,
    DecodeError,
    SubmissionRejected,
    decode,
    encode,
    headers_for,
    new_event,
)
from complaint_events.examples import example_submission
from complaint_events.fields import NON_BLANK_PATTERN

pytestmark = pytest.mark.unit

# No per-example deadline: a loaded CI machine must not turn slowness into failures.
relaxed = settings(deadline=None)

# Any Unicode scalar value (no lone surrogates), biased towards CJK text.
characters = st.one_of(
    st.characters(codec="utf-8"),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from("，。！？、；：“”（）《》 \n\t\u3000"),
)
texts = st.text(characters, min_size=1, max_size=400)


def submitted_event(**changes: Any) -> Any:
    return new_event(example_submission().model_copy(update=changes), producer="tests")


@relaxed
@given(description=texts)
def test_any_non_blank_text_round_trips_byte_exactly(description: str) -> None:
    data = example_submission().model_dump() | {"description": description}
    if not re.search(NON_BLANK_PATTERN, description):
        with pytest.raises(ValueError, match="blank"):
            ComplaintSubmitted.model_validate(data)
        return
    value = encode(new_event(ComplaintSubmitted.model_validate(data), producer="tests"))

    decoded = decode(value)

    assert decoded.payload.description == description
    assert encode(decoded) == value
    # Only JSON's mandatory escapes: quote, backslash, control characters; never \uXXXX for text.
    assert json.dumps(description, ensure_ascii=False).encode("utf-8") in value


@relaxed
@given(title=st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1))
def test_chinese_text_is_never_escaped(title: str) -> None:
    value = encode(submitted_event(title=title[:2_000]))

    assert title[:2_000].encode("utf-8") in value


@given(size=st.integers(min_value=LONG_TEXT_MAX - 3, max_value=LONG_TEXT_MAX + 3))
@settings(max_examples=10, deadline=None)
def test_description_limit_is_exact(size: int) -> None:
    data = example_submission().model_dump() | {"description": "诉" * size}

    if size <= LONG_TEXT_MAX:
        assert len(ComplaintSubmitted.model_validate(data).description) == size
    else:
        with pytest.raises(ValueError):
            ComplaintSubmitted.model_validate(data)


@relaxed
@given(amount=st.decimals(min_value=0, max_value=10**12, places=4, allow_nan=False))
def test_non_negative_amounts_round_trip_exactly(amount: Decimal) -> None:
    request = example_submission().request
    assert request is not None
    event = submitted_event(request=request.model_copy(update={"amount": amount}))

    decoded = decode(encode(event))

    assert decoded.payload.request.amount == amount


@relaxed
@given(amount=st.decimals(max_value=Decimal("-0.0001"), places=4, allow_nan=False))
def test_negative_amounts_are_refused(amount: Decimal) -> None:
    data = example_submission().model_dump()
    data["request"]["amount"] = amount

    with pytest.raises(ValueError, match="amount"):
        ComplaintSubmitted.model_validate(data)


@relaxed
@given(
    moment=st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_any_offset_is_normalised_to_the_same_utc_instant(
    moment: datetime, offset_minutes: int
) -> None:
    local = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))

    event = decode(encode(submitted_event(received_at=local)))

    assert event.payload.received_at == moment
    assert event.payload.received_at.utcoffset() == timedelta(0)


@relaxed
@given(original=st.binary(max_size=2_000), key=st.none() | st.binary(max_size=64))
def test_dead_letters_keep_any_bytes(original: bytes, key: bytes | None) -> None:
    payload = SubmissionRejected(
        rejected_by="intake", reason_codes=["not_json"], original_value=original, original_key=key
    )
    event = new_event(payload, producer="intake")

    decoded = decode(encode(event), headers_for(event))

    assert decoded.payload.original_value == original
    assert decoded.payload.original_key == key


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)


@relaxed
@given(value=st.binary(max_size=300))
def test_arbitrary_bytes_only_ever_raise_decode_error(value: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(value)


@relaxed
@given(body=st.dictionaries(st.sampled_from(["event_type", "payload", "x"]), json_values))
def test_arbitrary_json_only_ever_raises_decode_error(body: dict[str, Any]) -> None:
    with pytest.raises(DecodeError):
        decode(json.dumps(body).encode())
