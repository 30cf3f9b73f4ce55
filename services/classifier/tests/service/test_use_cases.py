"""The use cases on in-memory fakes: policy choice, replays, repeats, manual overrides."""

from datetime import timedelta

import pytest

from complaint_classifier.service_layer import (
    ConfigurationError,
    PolicyBook,
    Refused,
    Status,
    classification_from_payload,
    handle,
    handle_batch,
)

from .builders import AT, received, reclassified
from .fakes import PRESETS, memory_classifier

pytestmark = pytest.mark.unit

DEATH = "我爸在ICU抢救三天后去世，医院至今没给一个说法，我们准备联系电视台。"
NOISE = "电机运转时有异响，振动大。"
MOTOR = {"product": {"name": "YE3-132M 电机"}}


async def test_the_source_system_picks_the_policy_and_the_event_is_caused_by_the_complaint():
    classifier, _, _, publisher = memory_classifier()
    event = received(DEATH, source="his")

    published = await handle(classifier, event)

    assert published is not None and publisher.published == [published]
    payload = published.payload
    assert (payload.policy_id, payload.severity, payload.category) == (
        "hospital",
        "critical",
        "medical_treatment",
    )
    assert {"death", "media"} <= set(payload.flags)
    death = next(rule for rule in payload.matched_rules if rule.rule_id == "death")
    assert death.evidence[0].field == "description"
    assert death.evidence[0].value in DEATH
    assert published.complaint_id == event.payload.complaint_id
    assert (published.causation_id, published.correlation_id) == (
        event.event_id,
        event.correlation_id,
    )
    assert published.producer == "classifier"


async def test_an_unknown_source_gets_the_default_policy_and_an_unmatched_text_its_default():
    classifier, _, _, _ = memory_classifier()

    published = await handle(classifier, received("xyz 123 qwerty", source="nowhere"))

    assert published is not None
    payload = published.payload
    assert (payload.policy_id, payload.category, payload.unmatched) == (
        "retail-service",
        "other",
        True,
    )
    assert "no_rule_matched" in payload.flags


async def test_a_redelivery_publishes_the_same_event_and_counts_nothing():
    classifier, _, counters, publisher = memory_classifier()
    event = received(NOISE, source="mes", **MOTOR)

    first = await handle(classifier, event)
    again = await handle(classifier, event)

    assert first is not None and again is not None
    assert again.event_id == first.event_id
    assert again.payload == first.payload
    assert len(counters.sightings) == 1
    assert len(publisher.published) == 2  # the same event twice; consumers dedupe by id


async def test_the_third_repeat_in_a_window_moves_one_level_up():
    classifier, _, _, _ = memory_classifier()
    results = []
    for day in range(3):
        event = received(NOISE, source="mes", at=AT + timedelta(days=day), **MOTOR)
        published = await handle(classifier, event)
        assert published is not None
        results.append(published.payload)

    assert [r.severity for r in results] == ["B", "B", "A"]
    assert [r.repeat_count for r in results] == [0, 1, 2]
    assert results[2].upgraded_from == "B"
    assert {"repeated", "special_quality_report"} <= set(results[2].flags)


async def test_a_manual_override_is_published_with_who_and_why_and_outlives_automatic_passes():
    classifier, store, _, publisher = memory_classifier()
    event = received(NOISE, source="mes", **MOTOR)
    automatic = await handle(classifier, event)
    assert automatic is not None

    manual = await handle(
        classifier,
        reclassified(event.payload.complaint_id, "C", actor="qa-7", reason="one unit only"),
    )
    replayed = await handle(classifier, event)
    retyped = event.model_copy(update={"event_id": received(NOISE).event_id})
    other_pass = await handle(classifier, retyped)

    assert manual is not None
    assert (manual.payload.manual, manual.payload.severity) == (True, "C")
    assert (manual.payload.decided_by, manual.payload.reason) == ("qa-7", "one unit only")
    assert manual.payload.matched_rules == automatic.payload.matched_rules
    assert (replayed, other_pass) == (None, None)
    assert publisher.published == [automatic, manual]
    current = store.complaints[event.payload.complaint_id]
    assert current.manual and current.classification is not None
    assert current.classification.severity == "C"
    assert [(o.actor, o.reason) for o in current.overrides] == [("qa-7", "one unit only")]
    assert store.outcomes[(event.payload.complaint_id, retyped.event_id)].status is (
        Status.KEPT_MANUAL
    )


async def test_an_override_before_the_complaint_is_applied_when_it_arrives():
    classifier, _, _, publisher = memory_classifier()
    event = received(DEATH, source="his")

    early = await handle(
        classifier, reclassified(event.payload.complaint_id, "general", reason="duplicate")
    )
    published = await handle(classifier, event)

    assert early is None
    assert published is not None and publisher.published == [published]
    assert (published.payload.manual, published.payload.severity) == (True, "general")
    assert published.payload.decided_by == "qa-lead"


async def test_an_override_naming_an_undeclared_level_is_refused_with_the_field():
    classifier, _, _, publisher = memory_classifier()
    event = received(DEATH, source="his")
    await handle(classifier, event)

    refused = await handle(classifier, reclassified(event.payload.complaint_id, "class_9"))

    assert isinstance(refused, Refused)
    assert refused.field == "payload.severity"
    assert "class_9" in refused.message
    assert len(publisher.published) == 1


async def test_the_flags_of_an_override_replace_the_automatic_ones_unless_empty():
    classifier, _, _, _ = memory_classifier()
    event = received(DEATH, source="his")
    automatic = await handle(classifier, event)
    complaint_id = event.payload.complaint_id

    kept = await handle(classifier, reclassified(complaint_id, "critical"))
    replaced = await handle(classifier, reclassified(complaint_id, "critical", flags=["media"]))

    assert automatic is not None and kept is not None and replaced is not None
    assert kept.payload.flags == automatic.payload.flags
    assert replaced.payload.flags == ["media"]


def test_settings_naming_an_unknown_policy_are_refused_clearly():
    with pytest.raises(ConfigurationError) as refused:
        PolicyBook.checked(PRESETS, {"his": "hospitals"}, "retail")

    message = str(refused.value)
    assert "routing: source 'his' maps to unknown policy 'hospitals'" in message
    assert "routing: unknown default policy 'retail'" in message
    assert "hospital, manufacturing-quality" in message


async def test_a_stored_classification_reads_back_unchanged():
    classifier, _, _, _ = memory_classifier()
    published = await handle(classifier, received(DEATH, source="his"))
    assert published is not None
    payload = published.payload.model_dump(mode="json")

    assert classification_from_payload(payload).as_payload() == payload


async def test_a_batch_gives_the_results_of_handling_its_events_one_by_one_in_order():
    classifier, _, counters, publisher = memory_classifier()
    # received one after another: a count covers what was received up to the complaint
    repeats = [
        received(NOISE, source="mes", at=AT + timedelta(seconds=n), **MOTOR) for n in range(3)
    ]
    late = received(DEATH, source="his")
    early_override = reclassified(late.payload.complaint_id, "general", reason="duplicate")
    later_override = reclassified(repeats[0].payload.complaint_id, "C", reason="one unit")
    batch = [repeats[0], early_override, repeats[1], late, later_override, repeats[2], repeats[1]]

    results = await handle_batch(classifier, batch)

    first, pending, second, manual_late, manual_first, third, again = results
    assert pending is None
    assert [r.payload.severity for r in (first, second, third)] == ["B", "B", "A"]
    assert [r.payload.repeat_count for r in (first, second, third)] == [0, 1, 2]
    assert (manual_late.payload.manual, manual_late.payload.severity) == (True, "general")
    assert manual_first.payload.manual and manual_first.causation_id == later_override.event_id
    assert again.event_id == second.event_id  # the same event twice: one result
    assert len(counters.sightings) == 3
    assert len(publisher.published) == 6


async def test_a_crash_after_storing_publishes_the_same_event_on_redelivery():
    classifier, _, _, publisher = memory_classifier()
    event = received(DEATH, source="his")

    async def broken(_: object) -> None:
        raise ConnectionError("broker gone")

    publisher.publish = broken  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await handle(classifier, event)
    del publisher.publish  # the instance attribute goes: the class's method is back
    again = await handle(classifier, event)

    assert again is not None and publisher.published == [again]
    assert again.causation_id == event.event_id
    assert (await handle(classifier, event)).event_id == again.event_id


async def test_an_outcome_stored_before_a_crash_is_the_result_that_stands():
    classifier, store, _, publisher = memory_classifier()
    event = received(DEATH, source="his")
    earlier = await handle(classifier, event)
    assert earlier is not None
    del store.complaints[event.payload.complaint_id]  # the crash came before the record
    publisher.published.clear()

    again = await handle(classifier, event)

    assert again is not None and again.event_id == earlier.event_id
    assert publisher.published == [earlier]
    assert store.complaints[event.payload.complaint_id].event == earlier
