"""Keyword matching: Chinese by substring, English on word boundaries, negation, evidence."""

from collections.abc import Callable

import pytest

from complaint_classifier.domain import Policy, classify

pytestmark = pytest.mark.unit


@pytest.fixture
def policy(make_policy: Callable[..., Policy]) -> Policy:
    return make_policy(
        rules=[
            {
                "id": "harm",
                "confidence": 0.9,
                "when": {
                    "keywords": {
                        "terms": ["过敏", "過敏", "受伤", "allergic", "alergy", "rash", "injur*"],
                        "weak": ["痒", "itchy"],
                        "except": ["抗过敏", "anti-allergic"],
                    }
                },
                "then": {"severity": "mid", "category": "harm"},
            },
            {
                "id": "media",
                "when": {"keywords": {"terms": ["媒体", "press"], "negation": False}},
                "then": {"flags": ["media"]},
            },
        ]
    )


def _fired(policy: Policy, text: str) -> set[str]:
    return {rule.rule_id for rule in classify(policy, {"description": text}).matched_rules}


@pytest.mark.parametrize(
    "text",
    [
        "服药后出现过敏，全身起疹",
        "服藥後出現過敏",  # traditional characters
        "孩子摔倒受伤了",
        "吃了不久就过敏了",  # 不久 only looks like a negation
        "没有及时处理导致过敏",  # 导致 ends the negated clause
        "I am allergic to the new formula",
        "I had an alergy after two doses",  # a common misspelling listed as a variant
        "My son was injured by the blade",
        "a rash appeared on day two",
        "not only itchy but allergic",
        "患者 patient 出现 rash",  # mixed languages
        "ＲＡＳＨ ON MY ARMS",  # full-width and upper case
    ],
)
def test_a_reported_reaction_fires(policy: Policy, text: str) -> None:
    assert "harm" in _fired(policy, text)


@pytest.mark.parametrize(
    "text",
    [
        "服药后没有过敏",
        "无过敏反应",
        "不过敏",
        "并无过敏",
        "我並無過敏",
        "过敏史：无",
        "孩子没受伤",
        "未受伤，只是包装破了",
        "I am not allergic to it",
        "no injuries at all",
        "There was never any rash",
        "allergic: none",
        "the crash was loud",  # rash inside crash is not the word
        "买的抗过敏药没有效果",  # the product is for allergies; no reaction reported
        "the anti-allergic tablets were crushed",
    ],
)
def test_a_negated_or_embedded_term_does_not_fire(policy: Policy, text: str) -> None:
    assert "harm" not in _fired(policy, text)


def test_negation_can_be_switched_off_per_condition(policy: Policy) -> None:
    assert "media" in _fired(policy, "没有媒体来过，但我会联系 press")
    assert "media" in _fired(policy, "我没有找媒体")


def test_evidence_gives_the_field_and_the_span_as_written(policy: Policy) -> None:
    text = "Patient was INJURED badly"

    (rule,) = classify(policy, {"description": text}).matched_rules
    (evidence,) = rule.evidence

    assert evidence.field == "description"
    assert evidence.value == "INJURED"  # a prefix term shows the whole word
    assert text[evidence.start : evidence.end] == "INJURED"


def test_each_text_field_is_matched_with_its_own_offsets(policy: Policy) -> None:
    submission = {"title": "过敏", "description": "第二天又过敏了"}

    (rule,) = classify(policy, submission).matched_rules

    spans = {(item.field, item.start, item.end) for item in rule.evidence}
    assert spans == {("title", 0, 2), ("description", 4, 6)}


def test_only_weak_evidence_lowers_the_confidence(policy: Policy) -> None:
    weak = classify(policy, {"description": "有点痒"}).matched_rules[0]
    strong = classify(policy, {"description": "有点痒，是过敏"}).matched_rules[0]

    assert weak.confidence == pytest.approx(0.9 * 0.6)
    assert strong.confidence == pytest.approx(0.9)


def test_fields_outside_the_text_fields_are_not_read(policy: Policy) -> None:
    submission = {"description": "包装破了", "product": {"name": "过敏灵"}}

    assert "harm" not in {rule.rule_id for rule in classify(policy, submission).matched_rules}


def test_a_condition_can_read_other_fields(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        rules=[
            {
                "id": "vip-product",
                "when": {"keywords": {"terms": ["gold"], "fields": ["product.name"]}},
                "then": {"flags": ["vip"]},
            }
        ]
    )

    result = classify(policy, {"description": "x", "product": {"name": "Gold Card"}})

    assert result.flags == ("vip",)
    assert result.matched_rules[0].evidence[0].field == "product.name"
