"""Manual overrides on the real stack: published with who and why, never undone by a later
automatic pass (a redelivery, a replay from the beginning, the complaint received again)."""

import pytest

from .builders import received, reclassified
from .live import Watch, produce, running

pytestmark = pytest.mark.integration

NOISE = "电机运转时有异响，振动大。"
DEATH = "我爸在ICU抢救三天后去世，医院至今没给一个说法，我们准备联系电视台。"


async def test_a_manual_classification_survives_redelivery_replay_and_a_new_automatic_pass(
    make_settings, kafka_bootstrap, prefix, mongo_client, database
):
    complaint = received(NOISE, source="mes", product={"name": "YE3-90L 电机"})
    cid = complaint.payload.complaint_id
    override = reclassified(cid, "C", actor="qa-7", reason="one unit, no safety impact")
    received_again = received(NOISE, source="mes", product={"name": "YE3-90L 电机"})
    received_again = received_again.model_copy(
        update={"complaint_id": cid, "payload": complaint.payload}
    )
    async with Watch(kafka_bootstrap, prefix) as watch:
        async with running(make_settings(group="first")):
            await produce(kafka_bootstrap, prefix, [complaint])
            (automatic,) = await watch.results([cid])
            await produce(kafka_bootstrap, prefix, [override])
            await watch.until(lambda: len(watch.classified[cid]) == 2)
            await produce(kafka_bootstrap, prefix, [complaint, received_again])
            await watch.quiet()
        async with running(make_settings(group="replay")):  # every event again from offset 0
            await watch.until(lambda: len(watch.classified[cid]) == 3)
            await watch.quiet()

    published = watch.classified[cid]
    manual = published[1]
    assert automatic.payload.manual is False and automatic.payload.severity == "B"
    assert (manual.payload.manual, manual.payload.severity) == (True, "C")
    assert (manual.payload.decided_by, manual.payload.reason) == (
        "qa-7",
        "one unit, no safety impact",
    )
    assert manual.causation_id == override.event_id
    assert [event.event_id for event in published] == [
        automatic.event_id,
        manual.event_id,
        manual.event_id,  # the replay repeats the manual result, never the automatic one
    ]
    stored = await mongo_client[database]["complaints"].find_one({"_id": cid})
    assert stored["manual"] is True and stored["event"]["payload"]["severity"] == "C"
    assert stored["event"]["event_id"] == manual.event_id
    assert [(o["actor"], o["reason"]) for o in stored["overrides"]] == [
        ("qa-7", "one unit, no safety impact")
    ]
    assert stored["policy_id"] == "manufacturing-quality"
    assert "complainant" not in str(stored) and "张三" not in str(stored)


async def test_an_override_that_arrives_before_its_complaint_is_applied_on_arrival(
    make_settings, kafka_bootstrap, prefix
):
    complaint = received(DEATH, source="his")
    cid = complaint.payload.complaint_id
    early = reclassified(
        cid, "general", actor="duty-officer", reason="duplicate of an earlier case"
    )
    async with Watch(kafka_bootstrap, prefix) as watch, running(make_settings()):
        await produce(kafka_bootstrap, prefix, [early])
        await watch.quiet(1.5)
        assert watch.classified[cid] == []
        await produce(kafka_bootstrap, prefix, [complaint])
        (result,) = await watch.results([cid])
        await watch.quiet(1.0)

    assert (result.payload.manual, result.payload.severity) == (True, "general")
    assert result.payload.decided_by == "duty-officer"
    assert result.payload.category == "medical_treatment"  # the rules' category is kept
    assert len(watch.classified[cid]) == 1
