import pytest

from complaint_events import (
    EVENT_TYPES,
    LIFECYCLE,
    LIFECYCLE_COMMANDS,
    LIFECYCLE_EVENTS,
    RECEIVED,
    REJECTED,
    SUBMITTED,
    TOPICS,
    TopicSpec,
    topic_for_event_type,
    topic_name,
    topic_spec,
)

pytestmark = pytest.mark.unit


def test_every_event_type_goes_to_exactly_one_topic() -> None:
    carried = [event_type for spec in TOPICS for event_type in spec.event_types]

    assert sorted(carried) == sorted(EVENT_TYPES)


def test_topic_names_are_unique_and_versioned() -> None:
    names = [spec.name for spec in TOPICS]

    assert len(set(names)) == len(names) == 8
    assert all(name.startswith("complaints.") and name.endswith(".v1") for name in names)


def test_event_type_finds_its_topic() -> None:
    assert topic_for_event_type("ComplaintReceived") is RECEIVED
    assert topic_for_event_type("ReplySent") is LIFECYCLE
    assert topic_for_event_type("SubmissionRejected") is REJECTED
    with pytest.raises(KeyError):
        topic_for_event_type("ComplaintTeleported")


def test_prefix_isolates_test_runs() -> None:
    assert topic_name(SUBMITTED) == "complaints.submitted.v1"
    assert topic_name(SUBMITTED, "run-42.") == "run-42.complaints.submitted.v1"
    assert topic_name("complaints.received.v1", "t-") == "t-complaints.received.v1"


def test_names_outside_the_catalogue_are_refused() -> None:
    with pytest.raises(KeyError, match="not in the topic catalogue"):
        topic_name("complaints.recieved.v1")
    with pytest.raises(KeyError):
        topic_spec("complaints.received")


def test_defaults_partitions_and_retention() -> None:
    assert all(spec.partitions == 6 for spec in TOPICS if spec is not REJECTED)
    assert REJECTED.partitions == 3
    assert all(spec.replication_factor == 1 for spec in TOPICS)
    assert RECEIVED.retention_ms == -1


def test_topic_configs_for_creation() -> None:
    assert SUBMITTED.configs() == {"retention.ms": "1209600000", "cleanup.policy": "delete"}


def test_spec_is_immutable() -> None:
    spec: TopicSpec = RECEIVED
    with pytest.raises(AttributeError):
        spec.partitions = 1  # type: ignore[misc]


COMMANDS = [
    "acknowledge",
    "assign",
    "contact",
    "reply",
    "accept_reply",
    "reject_reply",
    "resolve",
    "verify_capa",
    "close",
    "reopen",
    "transfer",
    "withdraw",
    "reclassify",
    "pause_clock",
    "resume_clock",
    "set_legal_hold",
    "release_legal_hold",
]


def test_every_intake_command_maps_to_one_lifecycle_event() -> None:
    assert sorted(LIFECYCLE_COMMANDS) == sorted(COMMANDS)
    assert set(LIFECYCLE_COMMANDS.values()) == set(LIFECYCLE_EVENTS)
    assert LIFECYCLE_COMMANDS["verify_capa"].event_type == "CapaVerified"


def test_lifecycle_events_travel_on_the_lifecycle_topic() -> None:
    assert set(LIFECYCLE.event_types) == {event.event_type for event in LIFECYCLE_EVENTS}


def test_event_type_names_match_their_classes() -> None:
    assert all(name == cls.__name__ for name, cls in EVENT_TYPES.items())
