"""Chinese keywords on word edges (jieba plus the policy's words), exclusions per rule."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from complaint_classifier.domain import Policy, classify, load_policy
from complaint_classifier.domain.segment import Boundaries, Segmenter

pytestmark = pytest.mark.unit

POLICIES = Path(__file__).resolve().parents[3] / "deploy" / "policies"


def _rule(terms: list[str], rule_id: str = "r", **extra: Any) -> dict[str, Any]:
    return {
        "id": rule_id,
        "when": {"keywords": {"terms": terms, "negation": False}},
        "then": {"severity": "mid", "category": "harm"},
        **extra,
    }


def _fired(policy: Policy, text: str) -> set[str]:
    fired = classify(policy, {"description": text}).matched_rules
    return {rule.rule_id for rule in fired}


def test_a_keyword_that_cuts_a_word_in_two_does_not_fire(
    make_policy: Callable[..., Policy],
) -> None:
    policy = make_policy(rules=[_rule(["颜色不一"])])

    assert _fired(policy, "药片颜色和以前颜色不一样了") == set()
    assert _fired(policy, "同一瓶药片大小和颜色不一，有深有浅") == {"r"}


def test_a_one_character_place_word_counts_only_at_the_end_of_a_word(
    make_policy: Callable[..., Policy],
) -> None:
    policy = make_policy(rules=[_rule(["厂", "店"])])

    assert _fired(policy, "我在城东服装厂打工") == {"r"}
    assert _fired(policy, "厂家说没有问题") == set()
    assert _fired(policy, "店员态度很差") == set()


def test_a_compound_built_on_a_keyword_still_counts(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(rules=[_rule(["玻璃"])])

    assert _fired(policy, "口服液里发现玻璃渣") == {"r"}


def test_a_star_lets_a_chinese_keyword_run_into_a_longer_word(
    make_policy: Callable[..., Policy],
) -> None:
    strict = make_policy(rules=[_rule(["严重过敏"])])
    open_ended = make_policy(rules=[_rule(["严重过敏*"])])

    assert _fired(strict, "用药后出现严重过敏反应") == set()  # 严重/过敏反应
    assert _fired(open_ended, "用药后出现严重过敏反应") == {"r"}


def test_the_policy_dictionary_splits_and_adds_words(make_policy: Callable[..., Policy]) -> None:
    plain = make_policy(rules=[_rule(["严重过敏"])])
    split = make_policy(rules=[_rule(["严重过敏"])], segmentation={"split": ["过敏反应"]})
    hole = make_policy(rules=[_rule(["孔"])])
    hole_position = make_policy(rules=[_rule(["孔"])], segmentation={"words": ["孔位"]})

    assert _fired(plain, "出现严重过敏反应") == set()
    assert _fired(split, "出现严重过敏反应") == {"r"}
    assert _fired(hole, "孔位偏移") == {"r"}
    assert _fired(hole_position, "孔位偏移") == set()  # 孔位 is one word here


def test_segmentation_can_be_switched_off(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(rules=[_rule(["颜色不一"])], segmentation={"enabled": False})

    assert _fired(policy, "颜色不一样") == {"r"}


def test_english_and_regex_literals_are_unaffected(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        rules=[
            _rule(["colour"], "word"),
            {"id": "re", "when": {"regex": "不一"}, "then": {"flags": ["vip"]}},
        ]
    )

    assert _fired(policy, "颜色不一样 the colour changed") == {"word", "re"}


def test_an_exclusion_stops_the_rule_when_it_holds(make_policy: Callable[..., Policy]) -> None:
    policy = make_policy(
        rules=[_rule(["孔"], unless={"keywords": {"terms": ["合格"], "negation": False}})]
    )

    assert _fired(policy, "安装孔偏了") == {"r"}
    assert _fired(policy, "安装孔尺寸合格，只是用起来不方便") == set()


def test_boundaries_segment_only_the_run_of_chinese_around_a_hit() -> None:
    words = Boundaries(Segmenter(), "abc 颜色不一样, ok")

    assert words.is_edge(4)  # after a space
    assert not words.admits(4, 8, left=True, right=True)  # 颜色不一 cuts 一样
    assert words.admits(4, 6, left=True, right=True)  # 颜色


def test_pharma_colour_different_from_before_is_not_a_mix_up() -> None:
    policy = load_policy(POLICIES / "pharma-quality" / "classification.yaml")

    result = classify(
        policy, {"description": "这批药片颜色不一样，比以前的深一点，吃了没有不舒服。"}
    )

    assert result.severity != "C", [rule.rule_id for rule in result.matched_rules]
