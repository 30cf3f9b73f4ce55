import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_events import Channel
from complaint_intake.domain.parsing import Incoming, parse_command, parse_submission
from complaint_intake.domain.refusals import Reason, Refusal

from .samples import enveloped, raw, submission
from .strategies import json_values

pytestmark = pytest.mark.unit
LIMIT = 64 * 1024


def parse(data: bytes, headers: dict[str, str] | None = None) -> Incoming | Refusal:
    return parse_submission(data, headers, default_channel=Channel.OTHER, max_bytes=LIMIT)


def refused(data: bytes, headers: dict[str, str] | None = None) -> Refusal:
    result = parse(data, headers)
    assert isinstance(result, Refusal), result
    return result


def test_a_bare_submission_is_accepted() -> None:
    result = parse(raw(submission()))
    assert isinstance(result, Incoming)
    assert result.submission.external_reference == "A-1"
    assert result.correlation_id is None and result.causation_id is None


def test_an_enveloped_submission_keeps_its_chain_ids() -> None:
    data = enveloped(submission())
    envelope = json.loads(data)
    result = parse(data, {"event_type": "ComplaintSubmitted", "schema_version": "1"})
    assert isinstance(result, Incoming)
    assert result.causation_id == envelope["event_id"]
    assert result.correlation_id == envelope["correlation_id"]


def test_the_channel_defaults_to_the_way_in() -> None:
    body = submission()
    del body["channel"]
    web = parse_submission(raw(body), default_channel=Channel.WEB, max_bytes=LIMIT)
    kafka = parse(raw(body))
    assert isinstance(web, Incoming) and web.submission.channel == Channel.WEB
    assert isinstance(kafka, Incoming) and kafka.submission.channel == Channel.OTHER


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe{}", Reason.NOT_UTF8),
        (b"{not json", Reason.NOT_JSON),
        (b"[1, 2]", Reason.NOT_JSON),
        (b'{"a": NaN}', Reason.NOT_JSON),
        (b"[" * 10_000, Reason.NOT_JSON),
        (b'{"description": "\\ud800"}', Reason.NOT_JSON),
        (b" " * (LIMIT + 1), Reason.TOO_LARGE),
    ],
)
def test_bytes_that_are_not_a_json_object_are_refused(data: bytes, reason: Reason) -> None:
    assert refused(data).reason == reason


def test_each_bad_field_is_named() -> None:
    body = submission(channel="pigeon", external_reference=7, complainant={"email": "x"})
    del body["description"]
    found = refused(raw(body))
    assert found.reason == Reason.VALIDATION_FAILED
    assert {error.field for error in found.field_errors} == {
        "channel",
        "external_reference",
        "description",
        "complainant.email",
    }


def test_a_complainant_nobody_can_reach_is_blamed_on_anonymous() -> None:
    found = refused(raw(submission(complainant={"anonymous": False})))
    assert [error.field for error in found.field_errors] == ["complainant.anonymous"]


def test_envelope_field_errors_are_prefixed_with_payload() -> None:
    envelope = json.loads(enveloped(submission()))
    envelope["payload"]["channel"] = "pigeon"
    found = refused(json.dumps(envelope).encode())
    assert [error.field for error in found.field_errors] == ["payload.channel"]


def test_other_event_types_are_refused_on_the_way_in() -> None:
    envelope = json.loads(enveloped(submission()))
    envelope["event_type"] = "ComplaintReceived"
    assert refused(json.dumps(envelope).encode()).reason == Reason.VALIDATION_FAILED
    envelope["event_type"] = "NoSuchEvent"
    assert refused(json.dumps(envelope).encode()).reason == Reason.UNKNOWN_EVENT_TYPE
    header = {"event_type": "ComplaintClosed"}
    assert refused(raw(submission()), header).reason == Reason.VALIDATION_FAILED


def test_an_unknown_schema_version_is_refused() -> None:
    envelope = json.loads(enveloped(submission()))
    envelope["schema_version"] = 9
    assert refused(json.dumps(envelope).encode()).reason == Reason.UNSUPPORTED_SCHEMA_VERSION


@pytest.mark.parametrize("version", ["9", "0", "v1", ""])
def test_a_bare_submission_whose_header_names_an_unsupported_version_is_refused(
    version: str,
) -> None:
    refusal = refused(raw(submission()), {"schema_version": version})
    assert refusal.reason == Reason.UNSUPPORTED_SCHEMA_VERSION
    assert isinstance(parse(raw(submission()), {"schema_version": "1"}), Incoming)


def test_commands_validate_into_their_lifecycle_event() -> None:
    event = parse_command("assign", b'{"actor": "qa-1", "department": "QA"}', max_bytes=LIMIT)
    assert not isinstance(event, Refusal)
    assert event.event_type == "ComplaintAssigned"
    missing = parse_command("assign", b'{"actor": "qa-1"}', max_bytes=LIMIT)
    assert isinstance(missing, Refusal)
    assert [error.field for error in missing.field_errors] == ["department"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2_000))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(parse(data), Incoming | Refusal)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*submission(), "payload", "event_type"]), json_values))
def test_random_json_objects_never_raise(body: dict[str, object]) -> None:
    assert isinstance(parse(json.dumps(body).encode()), Incoming | Refusal)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["description", "title", "receiver"]))
def test_random_text_in_a_valid_submission_never_raises(text: str, field: str) -> None:
    result = parse(raw(submission(**{field: text})))
    assert isinstance(result, Incoming | Refusal)


def test_a_submission_naming_a_policy_intake_does_not_know_is_refused_naming_the_field() -> None:
    refused = parse_submission(
        raw(submission(policy_id="hospitl")),
        default_channel=Channel.WEB,
        max_bytes=100_000,
        policies={"hospital", "retail-service"},
    )
    assert isinstance(refused, Refusal)
    (error,) = refused.field_errors
    assert (error.field, error.type) == ("policy_id", "unknown_policy")
    taken = parse_submission(
        raw(submission(policy_id="hospital")),
        default_channel=Channel.WEB,
        max_bytes=100_000,
        policies={"hospital"},
    )
    assert not isinstance(taken, Refusal) and taken.submission.policy_id == "hospital"
