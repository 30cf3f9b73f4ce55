import pytest

from complaint_events import (
    ARCHIVE,
    CLASSIFIED,
    DEADLINES,
    EVENT_TYPES,
    LIFECYCLE,
    LIFECYCLE_COMMANDS,
    LIFECYCLE_EVENTS,
    NOTICES,
    PERSONAL_DATA_RETENTION_MS,
    PERSONAL_DATA_TOPICS,
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
    assert DEADLINES.retention_ms == NOTICES.retention_ms == -1


def test_topic_configs_for_creation() -> None:
    assert DEADLINES.configs() == {"retention.ms": "-1", "cleanup.policy": "delete"}
    assert SUBMITTED.configs() == {
        "retention.ms": "604800000",
        "cleanup.policy": "delete",
        "segment.ms": "86400000",
    }


def test_the_topics_carrying_personal_data_are_marked_with_a_reason() -> None:
    # the complainant block, text the complainant wrote, replies to them, their file names,
    # and dead letters' original bytes; deadlines and notices name staff and steps only
    assert PERSONAL_DATA_TOPICS == (SUBMITTED, RECEIVED, CLASSIFIED, LIFECYCLE, ARCHIVE, REJECTED)
    assert all(len(spec.personal_data) > 20 for spec in PERSONAL_DATA_TOPICS)
    assert not DEADLINES.personal_data and not NOTICES.personal_data


def test_personal_data_topics_have_a_finite_retention_of_a_week() -> None:
    assert PERSONAL_DATA_RETENTION_MS == 7 * 24 * 3600 * 1000
    assert {spec.retention_ms for spec in PERSONAL_DATA_TOPICS} == {PERSONAL_DATA_RETENTION_MS}


def test_the_operators_retention_applies_to_personal_data_topics_only() -> None:
    assert RECEIVED.configs(1000) == {
        "retention.ms": "1000",
        "cleanup.policy": "delete",
        "segment.ms": "500",
    }
    assert RECEIVED.configs(30 * 86_400_000)["segment.ms"] == "86400000"  # a day at most
    assert (
        NOTICES.configs(1000)
        == NOTICES.configs()
        == {
            "retention.ms": "-1",
            "cleanup.policy": "delete",
        }
    )


@pytest.mark.parametrize("forever", [-1, 0])
def test_personal_data_is_never_kept_for_ever(forever: int) -> None:
    with pytest.raises(ValueError, match="must be finite"):
        REJECTED.configs(forever)


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
