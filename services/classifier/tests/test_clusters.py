"""Repeats and clusters: which counters a complaint adds to, and what the counts change."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from complaint_classifier.domain import (
    ClusterKey,
    Policy,
    apply_counts,
    classify,
    cluster_keys,
    load_policy,
    reclassify,
)

pytestmark = pytest.mark.unit

POLICIES = Path(__file__).resolve().parents[3] / "deploy" / "policies"
AT = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)

REPEAT = {
    "id": "same-problem",
    "kind": "repeat",
    "key": ["product.name", "category"],
    "window_days": 30,
    "threshold": 3,
    "then": {"upgrade_levels": 1, "flags": ["big"]},
}
GROUP = {
    "id": "same-matter",
    "kind": "group",
    "key": ["category", "occurrence.location"],
    "window_days": 7,
    "count": "complainants",
    "threshold": 5,
    "categories": ["harm"],
    "then": {"severity": "high", "flags": ["loud"]},
}


@pytest.fixture
def policy(make_policy: Callable[..., Policy]) -> Policy:
    return make_policy(clusters=[REPEAT, GROUP])


def submission(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "description": "用了以后过敏",
        "product": {"name": "Cream X"},
        "occurrence": {"location": "Block 7"},
        "complainant": {"phone": "+8613800000001"},
    }
    return base | fields


def keys_for(policy: Policy, data: dict[str, Any], at: datetime = AT) -> dict[str, ClusterKey]:
    result = classify(policy, data)
    keys = cluster_keys(policy, data, result, complaint_id="c-1", at=at)
    return {key.cluster_id: key for key in keys}


def test_a_complaint_adds_to_each_cluster_whose_fields_it_has(policy: Policy) -> None:
    keys = keys_for(policy, submission())

    assert set(keys) == {"same-problem", "same-matter"}
    assert keys["same-problem"].parts == (("product.name", "cream x"), ("category", "harm"))
    assert keys["same-problem"].member is None
    assert keys["same-matter"].member is not None


def test_no_key_without_its_fields_or_outside_its_categories(policy: Policy) -> None:
    assert "same-problem" not in keys_for(policy, submission(product={}))
    assert "same-matter" not in keys_for(policy, submission(description="wrong bill"))


def test_the_same_matter_in_the_same_window_shares_one_counter(policy: Policy) -> None:
    first = keys_for(policy, submission(product={"name": "Cream  X"}))
    later = keys_for(policy, submission(product={"name": "cream x"}), AT + timedelta(days=1))
    other = keys_for(policy, submission(product={"name": "Cream Y"}))

    assert first["same-problem"].problem == later["same-problem"].problem
    assert first["same-problem"].problem != other["same-problem"].problem


def test_the_window_rolls_back_from_the_complaints_receipt(policy: Policy) -> None:
    key = keys_for(policy, submission())["same-problem"]
    assert (key.since, key.until) == (AT - timedelta(days=30), AT)


def test_members_are_opaque_and_stable(policy: Policy) -> None:
    same = keys_for(policy, submission())["same-matter"]
    again = keys_for(policy, submission())["same-matter"]
    someone_else = keys_for(policy, submission(complainant={"phone": "+8613800000002"}))

    assert same.member == again.member
    assert same.member != someone_else["same-matter"].member
    assert "13800000001" not in f"{same.member}{same.problem}{same.parts}"


def test_anonymous_complainants_count_once_per_complaint(policy: Policy) -> None:
    data = submission(complainant={"anonymous": True})
    result = classify(policy, data)

    one = cluster_keys(policy, data, result, complaint_id="c-1", at=AT)
    two = cluster_keys(policy, data, result, complaint_id="c-2", at=AT)

    assert {k.member for k in one if k.member} != {k.member for k in two if k.member}


def counted(policy: Policy, data: dict[str, Any], counts: dict[str, int]) -> Any:
    result = classify(policy, data)
    keys = cluster_keys(policy, data, result, complaint_id="c-1", at=AT)
    return apply_counts(policy, result, {key: counts[key.cluster_id] for key in keys})


def test_below_the_threshold_only_the_counts_are_recorded(policy: Policy) -> None:
    result = counted(policy, submission(), {"same-problem": 2, "same-matter": 4})

    assert result.severity == "mid"
    assert (result.repeat_count, result.group_size) == (1, 4)
    assert result.upgraded_from is None
    assert "big" not in result.flags


def test_a_repeat_at_the_threshold_moves_one_level_up(policy: Policy) -> None:
    result = counted(policy, submission(), {"same-problem": 3, "same-matter": 1})

    assert (result.severity, result.severity_rank, result.upgraded_from) == ("high", 2, "mid")
    assert result.repeat_count == 2
    assert "big" in result.flags
    explained = result.matched_rules[-1]
    assert explained.rule_id == "cluster:same-problem"
    assert ("count", "3") in {(e.field, e.value) for e in explained.evidence}


def test_an_upgrade_stops_at_the_worst_level(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        clusters=[REPEAT],
        rules=[{"id": "bad", "when": {"keywords": ["fire"]}, "then": {"severity": "high"}}],
    )

    result = counted(policy, submission(description="fire"), {"same-problem": 9})

    assert result.severity == "high"
    assert result.upgraded_from is None


def test_a_group_sets_its_severity_and_size(policy: Policy) -> None:
    result = counted(policy, submission(), {"same-problem": 1, "same-matter": 5})

    assert (result.severity, result.group_size) == ("high", 5)
    assert "loud" in result.flags


def test_a_manual_classification_is_never_changed_by_counts(policy: Policy) -> None:
    data = submission()
    automatic = classify(policy, data)
    manual = reclassify(policy, automatic, severity="low", decided_by="qa-1", reason="no harm")
    keys = cluster_keys(policy, data, manual, complaint_id="c-1", at=AT)

    assert apply_counts(policy, manual, dict.fromkeys(keys, 99)) is manual


def test_retail_group_complaint_turns_a_minor_complaint_serious() -> None:
    policy = load_policy(POLICIES / "retail-service" / "classification.yaml")
    data = {
        "description": "小区的垃圾桶满了好几天没人清运，味道很大。",
        "respondent": {"organisation": "阳光物业"},
        "occurrence": {"location": "阳光花园3栋"},
        "complainant": {"phone": "+8613900000000"},
    }
    alone = classify(policy, data)
    keys = cluster_keys(policy, data, alone, complaint_id="c-9", at=AT)

    grouped = apply_counts(policy, alone, dict.fromkeys(keys, 5))

    assert (alone.severity, alone.category) == ("class_3", "property_environment")
    assert "minor" in alone.flags
    assert grouped.severity == "class_1"
    assert {"group_complaint", "major", "serious"} <= set(grouped.flags)
    assert "minor" not in grouped.flags


def test_telecom_complainants_in_one_cell_make_a_network_incident() -> None:
    policy = load_policy(POLICIES / "telecom-network" / "classification.yaml")
    data = {
        "description": "最近一周在家里经常掉话",
        "occurrence": {"cell_id": "NT11633", "area": "横向芦村"},
        "complainant": {"phone": "+8613700000000"},
    }
    result = classify(policy, data)
    keys = cluster_keys(policy, data, result, complaint_id="c-3", at=AT)
    counts = dict.fromkeys(keys, 3)

    incident = apply_counts(policy, result, counts)

    assert {key.cluster_id for key in keys} == {"incident-in-a-cell", "incident-in-an-area"}
    assert (result.severity, incident.severity) == ("high", "critical")
    assert "network_incident" in incident.flags


def test_manufacturing_third_complaint_in_a_month_moves_b_to_a() -> None:
    policy = load_policy(POLICIES / "manufacturing-quality" / "classification.yaml")
    data = {
        "description": "电机运转时有异响，振动大。",
        "product": {"name": "YE3-132M 电机"},
        "complainant": {"name": "张工", "phone": "+8613600000000"},
    }
    result = classify(policy, data)
    keys = cluster_keys(policy, data, result, complaint_id="c-4", at=AT)

    third = apply_counts(policy, result, dict.fromkeys(keys, 3))

    assert (result.severity, third.severity, third.upgraded_from) == ("B", "A", "B")
    assert {"repeated", "special_quality_report"} <= set(third.flags)
