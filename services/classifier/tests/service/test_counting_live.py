"""Repeats and clusters on the real stack: exact counts across instances, replays counted once.

Counters are membership documents (one per counter key and complaint or complainant) under a
unique index, so a complaint or complainant counts once however often it is replayed."""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from complaint_events import RECEIVED, topic_name

from .builders import AT, received
from .live import Watch, partition_of, produce, running, shared

pytestmark = pytest.mark.integration

NOISE = "电机运转时有异响，振动大。"
BINS = "小区的垃圾桶满了好几天没人清运，味道很大。"


def matter() -> dict[str, Any]:
    place = uuid.uuid4().hex[:6]
    return {
        "respondent": {"organisation": f"阳光物业 {place}"},
        "occurrence": {"location": f"阳光花园{place}栋"},
    }


def person(n: int) -> dict[str, Any]:
    return {"complainant": {"name": "业主", "phone": f"+86137{n:08d}"}}


def landing_on(partitions: set[int], make: Callable[[], Any]) -> Any:
    """An event (new complaint id each try) whose partition is one of `partitions`."""
    while partition_of(event := make()) not in partitions:
        pass
    return event


async def members(mongo_client, database: str, cluster_id: str) -> int:
    """Distinct complaints (or complainants) sighted under a cluster."""
    sightings = mongo_client[database]["cluster_sightings"]
    return len(await sightings.distinct("counted", {"cluster_id": cluster_id}))


async def test_the_third_repeat_and_the_fifth_complainant_across_two_instances_of_one_group(
    make_settings, kafka_bootstrap, prefix, mongo_client, database
):
    motor = {"product": {"name": f"YE3-132M 电机 {uuid.uuid4().hex[:6]}"}}
    place = matter()
    settings = make_settings(group="shared")
    async with (
        Watch(kafka_bootstrap, prefix) as watch,
        running(settings) as (one, one_client),
        running(settings) as (two, two_client),
    ):
        held = await shared([one, two], topic_name(RECEIVED, prefix))

        def at(n: int) -> datetime:  # received one after another
            return AT + timedelta(seconds=n)

        repeats = [
            landing_on(held[n % 2], lambda n=n: received(NOISE, source="mes", at=at(n), **motor))
            for n in range(3)
        ]
        people = [0, 1, 0, 2, 3, 4]  # the first complainant twice: one member
        group = [
            landing_on(
                held[n % 2],
                lambda n=n, p=p: received(BINS, source="pms", at=at(10 + n), **place, **person(p)),
            )
            for n, p in enumerate(people)
        ]
        results = []
        for event in [*repeats, *group]:  # one at a time: each sees the ones before
            await produce(kafka_bootstrap, prefix, [event])
            results += await watch.results([event.payload.complaint_id])
        handled = [await _classified_count(client) for client in (one_client, two_client)]

    motors, matters = [r.payload for r in results[:3]], [r.payload for r in results[3:]]
    assert [(m.severity, m.repeat_count, m.upgraded_from) for m in motors] == [
        ("B", 0, None),
        ("B", 1, None),
        ("A", 2, "B"),
    ]
    assert {"repeated", "special_quality_report"} <= set(motors[2].flags)
    assert [m.group_size for m in matters] == [1, 2, 2, 3, 4, 5]
    assert [m.severity for m in matters] == ["class_3"] * 5 + ["class_1"]
    assert {"group_complaint", "major"} <= set(matters[5].flags)
    assert "group_complaint" not in matters[4].flags
    assert all(count > 0 for count in handled), handled  # both instances did part of it
    assert sum(handled) == 9
    assert await members(mongo_client, database, "same-problem-in-a-month") == 3
    assert await members(mongo_client, database, "same-matter-group") == 5


async def test_two_instances_racing_on_every_event_count_exactly_and_agree_on_each_result(
    make_settings, kafka_bootstrap, prefix, mongo_client, database
):
    """Two consumer groups both handle every complaint at the same moment: the worst case of
    a rebalance. Then everything is delivered again."""
    motor = {"product": {"name": f"YE3-132M 电机 {uuid.uuid4().hex[:6]}"}}
    place = matter()
    repeats = [received(NOISE, source="mes", **motor) for _ in range(8)]
    people = [*range(10), 3, 7]  # ten complainants, two of them twice
    group = [received(BINS, source="pms", **place, **person(p)) for p in people]
    burst = [*repeats, *group]
    ids = [event.payload.complaint_id for event in burst]
    async with (
        Watch(kafka_bootstrap, prefix) as watch,
        running(make_settings(group="a")),
        running(make_settings(group="b")),
    ):
        await produce(kafka_bootstrap, prefix, burst)
        await watch.until(lambda: all(len(watch.classified[cid]) >= 2 for cid in ids))
        counted = (
            await members(mongo_client, database, "same-problem-in-a-month"),
            await members(mongo_client, database, "same-matter-group"),
        )
        first = {cid: watch.classified[cid][0] for cid in ids}
        await produce(kafka_bootstrap, prefix, burst)  # every event redelivered
        await watch.until(lambda: all(len(watch.classified[cid]) >= 4 for cid in ids))
        await watch.quiet()
        recounted = (
            await members(mongo_client, database, "same-problem-in-a-month"),
            await members(mongo_client, database, "same-matter-group"),
        )

    assert counted == recounted == (8, 10)
    for cid in ids:  # one result per complaint, whichever instance published it
        assert {event.event_id for event in watch.classified[cid]} == {first[cid].event_id}
        assert len(watch.classified[cid]) == 4
    motors = [first[cid].payload for cid in ids[:8]]
    matters = [first[cid].payload for cid in ids[8:]]
    assert max(m.repeat_count for m in motors) == 7
    assert all((m.severity == "A") == (m.repeat_count >= 2) for m in motors)
    assert max(m.group_size or 0 for m in matters) == 10
    assert all((m.severity == "class_1") == ((m.group_size or 0) >= 5) for m in matters)


async def _classified_count(client) -> float:
    text = (await client.get("/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("complaints_classifier_classified_total{")
    )
