"""Repeats counted in a rolling window of the policy's length, and products named in the text."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from complaint_classifier.domain import (
    ClusterKey,
    Policy,
    PolicyError,
    Sighting,
    apply_counts,
    classify,
    cluster_keys,
    count_within,
    load_policy,
    sighting,
)

pytestmark = pytest.mark.unit

POLICIES = Path(__file__).resolve().parents[3] / "deploy" / "policies"
# 2025-03-10 is day 20157 since 1970: a 30-day block from 1970 ends at 2025-03-16 (day 20160).
DAY_ONE = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)

REPEAT = {
    "id": "same-problem",
    "kind": "repeat",
    "key": ["product.name", "category"],
    "window_days": 30,
    "threshold": 3,
    "from_text": {"product.name": [r"《(?P<value>[^》]{1,30})》", r"\bthe (?P<value>\w+ cream)\b"]},
    "then": {"upgrade_levels": 1, "flags": ["big"]},
}


@pytest.fixture
def policy(make_policy: Callable[..., Policy]) -> Policy:
    return make_policy(clusters=[REPEAT])


def _key(policy: Policy, data: dict[str, Any], at: datetime, complaint_id: str) -> ClusterKey:
    result = classify(policy, data)
    (key,) = cluster_keys(policy, data, result, complaint_id=complaint_id, at=at)
    return key


def _run(policy: Policy, moments: list[datetime], data: dict[str, Any] | None = None) -> list[int]:
    """Counts as the service would give them: each complaint stored, then its window read."""
    data = data or {"description": "用了以后过敏", "product": {"name": "Cream X"}}
    stored: list[Sighting] = []
    counts = []
    for number, moment in enumerate(moments):
        key = _key(policy, data, moment, f"c{number}")
        stored.append(sighting(key, f"c{number}"))
        counts.append(count_within(key, stored))
    return counts


def test_a_run_that_crosses_the_old_30_day_block_boundary_still_counts(policy: Policy) -> None:
    # Days 2025-03-02, 03-12 and 03-20: within 30 days, across the block ending 03-16.
    moments = [DAY_ONE, DAY_ONE + timedelta(days=10), DAY_ONE + timedelta(days=18)]

    assert _run(policy, moments) == [1, 2, 3]


def test_the_window_is_exact_at_both_edges(policy: Policy) -> None:
    edge = DAY_ONE + timedelta(days=30)
    first = _key(policy, {"description": "过敏", "product": {"name": "Cream X"}}, DAY_ONE, "a")
    later = _key(policy, {"description": "过敏", "product": {"name": "Cream X"}}, edge, "b")
    just_after = Sighting(later.problem, "c", "c", edge + timedelta(microseconds=1))
    just_before = Sighting(later.problem, "d", "d", DAY_ONE - timedelta(microseconds=1))

    assert later.since == DAY_ONE and later.until == edge
    assert count_within(later, [sighting(first, "a")]) == 2  # exactly 30 days before: in
    assert count_within(later, [just_before, just_after]) == 1  # outside on either side
    assert later.expires_at == edge + timedelta(days=30)


def test_redelivery_and_replay_count_a_complaint_once(policy: Policy) -> None:
    data = {"description": "过敏", "product": {"name": "Cream X"}}
    key = _key(policy, data, DAY_ONE, "same")
    mine = sighting(key, "same")

    assert count_within(key, []) == 1
    assert count_within(key, [mine]) == 1
    assert count_within(key, [mine, mine]) == 1


def test_the_count_depends_on_receipt_times_not_on_arrival_order(policy: Policy) -> None:
    data = {"description": "过敏", "product": {"name": "Cream X"}}
    moments = [DAY_ONE + timedelta(days=day) for day in (0, 5, 9)]
    keys = [_key(policy, data, moment, f"c{n}") for n, moment in enumerate(moments)]
    stored = [sighting(key, f"c{n}") for n, key in enumerate(keys)]

    # Another replica stored the later complaints first: the earliest still counts only itself.
    assert [count_within(key, stored) for key in keys] == [1, 2, 3]
    assert [count_within(key, reversed(stored)) for key in keys] == [1, 2, 3]


def test_other_problems_and_complaints_outside_the_window_do_not_count(policy: Policy) -> None:
    key = _key(policy, {"description": "过敏", "product": {"name": "Cream X"}}, DAY_ONE, "a")
    other = _key(policy, {"description": "过敏", "product": {"name": "Gel Y"}}, DAY_ONE, "b")

    assert other.problem != key.problem
    assert count_within(key, [sighting(other, "b")]) == 1
    assert _run(policy, [DAY_ONE, DAY_ONE + timedelta(days=31), DAY_ONE + timedelta(days=40)]) == [
        1,
        1,
        2,
    ]


def test_the_third_within_the_window_upgrades(policy: Policy) -> None:
    data = {"description": "用了以后过敏", "product": {"name": "Cream X"}}
    moments = [DAY_ONE, DAY_ONE + timedelta(days=12), DAY_ONE + timedelta(days=25)]
    counts = _run(policy, moments, data)
    result = classify(policy, data)
    key = _key(policy, data, moments[-1], "c2")

    upgraded = apply_counts(policy, result, {key: counts[-1]})

    assert (result.severity, upgraded.severity) == ("mid", "high")
    assert "big" in upgraded.flags


def test_a_product_named_only_in_the_text_is_counted(policy: Policy) -> None:
    chinese = {"description": "用了《雪肤霜》以后过敏"}
    english = {"description": "I am allergic to the night cream you sell"}
    nameless = {"description": "用了以后过敏"}

    assert _run(policy, [DAY_ONE, DAY_ONE + timedelta(days=3)], chinese) == [1, 2]
    assert dict(_key(policy, english, DAY_ONE, "e").parts)["product.name"] == "night cream"
    assert (
        cluster_keys(policy, nameless, classify(policy, nameless), complaint_id="n", at=DAY_ONE)
        == []
    )


def test_the_text_and_the_field_name_the_same_product_alike(policy: Policy) -> None:
    in_field = _key(policy, {"description": "过敏", "product": {"name": "雪肤霜"}}, DAY_ONE, "a")
    in_text = _key(policy, {"description": "用了《雪肤霜》过敏"}, DAY_ONE, "b")

    assert in_field.problem == in_text.problem


def test_from_text_patterns_are_checked(
    base_data: Callable[..., dict[str, Any]], build_policy: Callable[..., Policy]
) -> None:
    broken = dict(
        REPEAT, from_text={"product.name": ["(?P<name>x)"], "occurrence.area": ["(?P<value>y)"]}
    )

    with pytest.raises(PolicyError) as raised:
        build_policy(base_data(clusters=[broken]))

    assert "needs a group named value" in str(raised.value)
    assert "not part of the cluster's key" in str(raised.value)


@pytest.mark.parametrize("preset", ["pharma-quality", "manufacturing-quality"])
def test_presets_read_the_product_from_the_text(preset: str) -> None:
    policy = load_policy(POLICIES / preset / "classification.yaml")
    texts = {
        "pharma-quality": "服用贵司头孢克肟分散片（批号20240115）后出现皮疹。",
        "manufacturing-quality": "贵司供应的JQX-13F继电器本批次触点粘连，装机后不吸合。",
    }
    data = {"description": texts[preset]}

    keys = cluster_keys(policy, data, classify(policy, data), complaint_id="x", at=DAY_ONE)

    assert keys, f"{preset}: no repeat key from the text"
