"""Manual override: a person's decision replaces the rules' and is never overwritten by them."""

from collections.abc import Callable

import pytest

from complaint_classifier.domain import (
    Policy,
    ReclassificationError,
    classify,
    may_replace,
    reclassify,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def policy(make_policy: Callable[..., Policy]) -> Policy:
    return make_policy()


def test_a_reclassification_is_marked_manual_and_keeps_the_evidence(policy: Policy) -> None:
    automatic = classify(policy, {"description": "孩子受伤了"})

    manual = reclassify(
        policy,
        automatic,
        severity="high",
        category="billing",
        flags=["vip"],
        decided_by="qa-lead",
        reason="confirmed at the site visit",
    )

    assert (manual.severity, manual.severity_rank) == ("high", 2)
    assert (manual.category, manual.department) == ("billing", "finance")  # routed anew
    assert manual.flags == ("vip",)
    assert (manual.manual, manual.decided_by) == (True, "qa-lead")
    assert manual.reason == "confirmed at the site visit"
    assert manual.matched_rules == automatic.matched_rules


def test_fields_left_out_keep_the_automatic_values(policy: Policy) -> None:
    automatic = classify(policy, {"description": "孩子受伤了"})

    manual = reclassify(policy, automatic, severity="low", decided_by="qa", reason="minor")

    assert (manual.category, manual.department, manual.flags) == (
        automatic.category,
        automatic.department,
        automatic.flags,
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"severity": "extreme"}, "unknown severity 'extreme'"),
        ({"severity": "low", "category": "nope"}, "unknown category 'nope'"),
        ({"severity": "low", "department": "nowhere"}, "unknown department 'nowhere'"),
        ({"severity": "low", "flags": ["madeup"]}, "unknown flags"),
        ({"severity": "low", "reason": " "}, "who decided and why"),
    ],
)
def test_an_override_must_use_the_policy_s_names(
    policy: Policy, changes: dict[str, object], message: str
) -> None:
    automatic = classify(policy, {"description": "x"})
    arguments: dict[str, object] = {"decided_by": "qa", "reason": "because"} | changes

    with pytest.raises(ReclassificationError, match=message):
        reclassify(policy, automatic, **arguments)  # type: ignore[arg-type]


def test_an_automatic_result_never_replaces_a_manual_one(policy: Policy) -> None:
    automatic = classify(policy, {"description": "x"})
    manual = reclassify(policy, automatic, severity="mid", decided_by="qa", reason="r")
    later_manual = reclassify(policy, manual, severity="high", decided_by="qa2", reason="r2")

    assert may_replace(None, automatic)
    assert may_replace(automatic, automatic)
    assert may_replace(automatic, manual)
    assert may_replace(manual, later_manual)
    assert not may_replace(manual, automatic)
