"""How the engine settles what the rules say: severity, category, department, acceptance."""

from collections.abc import Callable
from typing import Any

import pytest

from complaint_classifier.domain import Policy, classify

pytestmark = pytest.mark.unit


def rule(rule_id: str, when: dict[str, Any], **then: Any) -> dict[str, Any]:
    priority = then.pop("priority", 0)
    context = then.pop("context", False)
    return {"id": rule_id, "priority": priority, "context": context, "when": when, "then": then}


def words(*terms: str) -> dict[str, Any]:
    return {"keywords": list(terms)}


def test_an_unmatched_complaint_gets_the_default_class(make_policy: Callable[..., Policy]) -> None:
    result = classify(make_policy(), {"description": "一切正常，只是想表扬一下"})

    assert (result.severity, result.severity_rank) == ("low", 0)
    assert (result.category, result.department) == ("other", "desk")
    assert result.flags == ("no_rule_matched",)
    assert result.unmatched is True
    assert result.matched_rules == ()
    assert result.acceptance.decision == "accept"


def test_context_rules_alone_leave_a_complaint_unmatched(
    make_policy: Callable[..., Policy],
) -> None:
    policy = make_policy(rules=[rule("loud", words("!!!"), flags=["loud"], context=True)])

    result = classify(policy, {"description": "help!!!"})

    assert result.unmatched is True
    assert set(result.flags) == {"loud", "no_rule_matched"}
    assert [m.rule_id for m in result.matched_rules] == ["loud"]


def test_the_worst_severity_wins(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        rules=[
            rule("a", words("alpha"), severity="high"),
            rule("b", words("beta"), severity="mid", priority=10),
        ]
    )

    result = classify(policy, {"description": "alpha and beta"})

    assert (result.severity, result.severity_rank) == ("high", 2)


def test_a_pin_holds_against_lower_priority_rules_only(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        rules=[
            rule("pin-low", words("idea"), severity="low", pin_severity=True, priority=20),
            rule("raise-mid", words("broken"), severity="mid", priority=0),
            rule("raise-high", words("fire"), severity="high", priority=50),
        ]
    )

    assert classify(policy, {"description": "idea: broken"}).severity == "low"
    assert classify(policy, {"description": "idea: broken, fire"}).severity == "high"


def test_the_highest_priority_category_wins_and_ties_go_to_the_first(
    make_policy: Callable[..., Policy],
) -> None:
    policy = make_policy(
        rules=[
            rule("bill-1", words("bill"), category="billing"),
            rule("harm-1", words("hurt"), category="harm"),
            rule("harm-2", words("ouch"), category="harm", priority=5),
        ]
    )

    assert classify(policy, {"description": "hurt by the bill"}).category == "billing"
    assert classify(policy, {"description": "bill, ouch"}).category == "harm"


def test_department_follows_the_category_unless_a_rule_overrides(
    make_policy: Callable[..., Policy],
) -> None:
    policy = make_policy(
        rules=[
            rule("harm", words("hurt"), category="harm"),
            rule("lawyer", words("lawyer"), department="legal", priority=70),
        ]
    )

    assert classify(policy, {"description": "hurt"}).department == "medical"
    assert classify(policy, {"description": "hurt, lawyer"}).department == "legal"


def test_flags_from_every_matched_rule_are_sorted(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        rules=[rule("m", words("tv"), flags=["media"]), rule("v", words("gold"), flags=["vip"])]
    )

    assert classify(policy, {"description": "gold member on tv"}).flags == ("media", "vip")


def test_a_flags_condition_sees_the_rules_listed_above_it(
    make_policy: Callable[..., Policy],
) -> None:
    policy = make_policy(
        rules=[
            rule("m", words("tv"), flags=["media"]),
            rule("m-big", {"flags": {"any": ["media"]}}, flags=["big"]),
            rule("calm", {"flags": {"none": ["loud"]}}, flags=["calm"]),
            rule("loud", words("shout"), flags=["loud"]),
        ]
    )

    assert set(classify(policy, {"description": "tv, shout"}).flags) == {
        "media",
        "big",
        "calm",
        "loud",
    }


@pytest.mark.parametrize(
    ("field", "submission", "fires"),
    [
        ({"path": "request.amount", "gte": 5000}, {"request": {"amount": "5000.00"}}, True),
        ({"path": "request.amount", "gte": 5000}, {"request": {"amount": 4999.99}}, False),
        ({"path": "request.amount", "gte": 5000}, {"request": {}}, False),
        ({"path": "channel", "in": ["letter", "fax"]}, {"channel": "fax"}, True),
        ({"path": "channel", "not_in": ["letter", "fax"]}, {"channel": "web"}, True),
        (
            {"path": "request.types", "contains": "compensation"},
            {"request": {"types": ["refund", "compensation"]}},
            True,
        ),
        ({"path": "tags", "contains": "vip"}, {"tags": ["VIP", "new"]}, True),
        ({"path": "complainant.anonymous", "eq": True}, {"complainant": {"anonymous": True}}, True),
        (
            {"path": "complainant.anonymous", "eq": True},
            {"complainant": {"anonymous": False}},
            False,
        ),
        (
            {"path": "related_complaint_number", "exists": True},
            {"related_complaint_number": "TS-1"},
            True,
        ),
        ({"path": "related_complaint_number", "exists": False}, {}, True),
        (
            {"path": "forwarded_by", "matches": "人大|congress"},
            {"forwarded_by": "市人大办公室"},
            True,
        ),
        (
            {"path": "attachments.filename", "contains": "x.pdf"},
            {"attachments": [{"filename": "x.pdf"}]},
            True,
        ),
    ],
)
def test_field_conditions(
    make_policy: Callable[..., Policy],
    field: dict[str, Any],
    submission: dict[str, Any],
    fires: bool,
) -> None:
    policy = make_policy(rules=[rule("f", {"field": field}, flags=["vip"])])

    result = classify(policy, {"description": "x", **submission})

    assert ("vip" in result.flags) is fires


def test_field_evidence_names_the_path_and_the_value(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        rules=[rule("f", {"field": {"path": "request.amount", "gt": 10}}, flags=["big"])]
    )

    (matched,) = classify(policy, {"description": "x", "request": {"amount": 12.5}}).matched_rules

    assert [(e.field, e.value, e.start) for e in matched.evidence] == [
        ("request.amount", "12.5", None)
    ]


def test_combinations_all_any_not(make_policy: Callable[..., Policy]) -> None:
    when = {
        "all": [
            {"any": [words("box"), words("carton")]},
            words("crushed"),
            {"not": words("inside")},
        ]
    }
    policy = make_policy(rules=[rule("outer", when, flags=["big"])])

    assert "big" in classify(policy, {"description": "carton crushed"}).flags
    assert "big" not in classify(policy, {"description": "carton crushed, pills inside"}).flags
    assert "big" not in classify(policy, {"description": "box fine"}).flags


def test_a_measure_reads_a_rate_out_of_the_text(make_policy: Callable[..., Policy]) -> None:
    measure = {
        "pattern": r"defect rate\D{0,5}(?P<value>\d+(\.\d+)?)\s*(?P<unit>%|‰)?",
        "units": {"%": 0.01, "‰": 0.001},
        "gt": 0.003,
    }
    policy = make_policy(rules=[rule("rate", {"measure": measure}, flags=["big"])])

    assert "big" in classify(policy, {"description": "defect rate is 5‰"}).flags
    assert "big" in classify(policy, {"description": "defect rate: 1.2%"}).flags
    assert "big" not in classify(policy, {"description": "defect rate is 2‰"}).flags


def test_an_override_acceptance_wins_by_priority(make_policy: Callable[..., Policy]) -> None:
    acceptance = {
        "refusal_grounds": [{"id": "in_court"}],
        "transfer_bodies": [{"id": "police"}],
    }
    court = rule("court", words("court"), acceptance={"decision": "refuse", "ground": "in_court"})
    policy = make_policy(
        acceptance=acceptance,
        rules=[
            rule(
                "theft",
                words("stolen", "bike", "thief"),
                acceptance={"decision": "transfer", "transfer_to": "police"},
                priority=40,
            ),
            court | {"priority": 60, "override": True},
        ],
    )

    moved = classify(policy, {"description": "my bike was stolen"}).acceptance
    refused = classify(policy, {"description": "stolen bike, thief, and now in court"}).acceptance

    assert (moved.decision, moved.transfer_to, moved.ground) == ("transfer", "police", None)
    assert (refused.decision, refused.ground) == ("refuse", "in_court")


def test_without_an_override_the_best_supported_subject_wins_over_priority(
    make_policy: Callable[..., Policy],
) -> None:
    policy = make_policy(
        rules=[
            rule("rude", words("态度"), category="billing", priority=25),
            rule("hurt", words("输液", "打针", "护士"), category="harm", priority=20),
        ]
    )

    result = classify(policy, {"description": "护士输液打针扎了三次，态度也一般"})

    assert (result.category, result.department) == ("harm", "medical")
    (why,) = result.decisions
    assert (why.effect, why.rule_id) == ("category", "hurt")
    assert "over rude" in why.why
    assert "decision" not in {item.rule_id for item in result.matched_rules}


def test_the_more_specific_words_win(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        rules=[
            rule("no-signal", words("没有信号", "no signal"), category="harm", priority=20),
            rule("one-bar", words("只有一格", "only one bar"), category="billing", priority=10),
        ]
    )

    for text in ("家里信号只有一格，经常没有信号", "Only one bar at home, often no signal"):
        assert classify(policy, {"description": text}).category == "billing", text


def test_a_lone_rule_needs_no_explanation(make_policy: Callable[..., Policy]) -> None:
    result = classify(make_policy(), {"description": "用药后过敏"})

    assert [item.rule_id for item in result.matched_rules] == ["harm"]


def test_leader_review_follows_the_listed_flags(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        acceptance={"leader_review_flags": ["media"]},
        rules=[rule("tv", words("tv"), flags=["media"])],
    )

    reviewed = classify(policy, {"description": "on tv"})
    ordinary = classify(policy, {"description": "at home"})

    assert reviewed.acceptance.needs_leader_review is True
    assert "needs_leader_review" in reviewed.flags
    assert ordinary.acceptance.needs_leader_review is False


def test_several_departments_raise_the_configured_flag(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        multiple_departments={"flag": "big", "at_least": 2},
        rules=[
            rule("harm", words("hurt"), category="harm"),
            rule("bill", words("bill"), category="billing"),
        ],
    )

    assert "big" in classify(policy, {"description": "hurt and a wrong bill"}).flags
    assert "big" not in classify(policy, {"description": "hurt"}).flags


def test_derived_flags_read_the_settled_severity(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        rules=[rule("harm", words("hurt"), severity="high")],
        derived_flags=[
            {"flag": "loud", "when": {"severity": {"at_least": "mid"}}},
            {"flag": "calm", "when": {"flags": {"none": ["loud"]}}},
        ],
    )

    assert set(classify(policy, {"description": "hurt"}).flags) == {"loud"}
    assert set(classify(policy, {"description": "fine"}).flags) == {"calm", "no_rule_matched"}


def test_confidence_is_the_rule_base_times_the_evidence_factor(
    make_policy: Callable[..., Policy],
) -> None:
    when = {"keywords": {"terms": ["broken"], "weak": ["odd"]}}
    policy = make_policy(
        weak_evidence_factor=0.5, rules=[{"id": "r", "confidence": 0.8, "when": when, "then": {}}]
    )

    assert classify(policy, {"description": "odd"}).matched_rules[0].confidence == 0.4


def test_the_result_is_a_valid_classified_event_payload(make_policy: Callable[..., Policy]) -> None:
    from complaint_events import ComplaintClassified

    result = classify(make_policy(), {"description": "孩子受伤了", "title": "过敏"})

    event = ComplaintClassified.model_validate(result.as_payload())

    assert event.severity == "mid"
    assert event.matched_rules[0].evidence[0].field in {"title", "description"}
