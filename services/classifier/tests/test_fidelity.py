"""Issue 15 in the presets: kind from the text, paraphrases, English, the regulator's scope."""

from functools import cache
from pathlib import Path

import pytest

from complaint_classifier.domain import Classification, Policy, classify, load_policy

pytestmark = pytest.mark.unit

POLICIES = Path(__file__).resolve().parents[3] / "deploy" / "policies"
PRESETS = sorted(path.parent.name for path in POLICIES.glob("*/classification.yaml"))


@cache
def _policy(preset: str) -> Policy:
    return load_policy(POLICIES / preset / "classification.yaml")


def _classify(preset: str, text: str) -> Classification:
    return classify(_policy(preset), {"description": text})


def _fired(result: Classification) -> list[str]:
    return [rule.rule_id for rule in result.matched_rules]


ENQUIRIES = [
    "请问你们的产品说明书在哪里可以下载？",
    "Could you tell me how long the warranty lasts?",
]
SUGGESTIONS = [
    "建议你们在包装上把字印大一点，老人看不清。",
    "I would suggest adding a Saturday service window.",
]


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("text", ENQUIRIES)
def test_every_preset_reads_an_enquiry_from_the_text(preset: str, text: str) -> None:
    result = _classify(preset, text)

    assert "enquiry" in result.flags, _fired(result)


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("text", SUGGESTIONS)
def test_every_preset_reads_a_suggestion_from_the_text(preset: str, text: str) -> None:
    result = _classify(preset, text)

    said = "suggestion" in result.flags or result.category == "suggestion"
    assert said, _fired(result)


@pytest.mark.parametrize("preset", PRESETS)
def test_the_kind_field_still_counts(preset: str) -> None:
    policy = _policy(preset)

    enquiry = classify(policy, {"description": "关于发票", "kind": "enquiry"})
    suggestion = classify(policy, {"description": "关于发票", "kind": "suggestion"})

    assert "enquiry" in enquiry.flags
    assert "suggestion" in suggestion.flags or suggestion.category == "suggestion"


@pytest.mark.parametrize(
    "text",
    [
        "护士发给我父亲的药和处方上开的不一样，吃了一顿才发现。",
        "药房给的药跟医嘱不符，名字都不一样。",
        "The tablets the ward gave my mother were different from what the doctor prescribed.",
        "The medicine we got from the pharmacy did not match the prescription.",
    ],
)
def test_hospital_hears_a_medication_error_told_in_other_words(text: str) -> None:
    result = _classify("hospital", text)

    assert "safety" in result.flags and result.severity == "serious", _fired(result)


@pytest.mark.parametrize(
    "text",
    [
        "Our valves failed the random sampling inspection by the quality supervision bureau.",
        "The market supervision bureau's spot check found this batch of cable substandard.",
        "质量技术监督局抽样检测，贵司这批插座判定为不合格产品。",
    ],
)
def test_manufacturing_hears_an_official_test_failed_in_english_too(text: str) -> None:
    result = _classify("manufacturing-quality", text)

    assert "official_test_failed" in result.flags and result.severity == "A", _fired(result)


@pytest.mark.parametrize(
    "text",
    [
        "村口那家电镀厂晚上偷偷往河里倒废液，水都变色了。",
        "A workshop near our estate is dumping waste liquid into the storm drain at night.",
    ],
)
def test_regulator_sends_dumped_waste_liquid_to_the_environment_authority(text: str) -> None:
    result = _classify("public-regulator", text)

    assert result.acceptance.decision == "transfer", _fired(result)
    assert result.acceptance.transfer_to == "ecology_environment", _fired(result)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("城东路12号的面馆后厨苍蝇乱飞，切熟食和生肉用同一块砧板。", "food_hygiene"),
        (
            "The kitchen of the noodle shop at 8 Park Road has rats"
            " and staff without health certificates.",
            "food_hygiene",
        ),
        ("城西美容院自制的美白霜没有任何标签，用了脸上起红疹。", "cosmetics_hygiene"),
        (
            "The salon at 5 Bridge Street sells an unlabelled whitening cream it mixes itself.",
            "cosmetics_hygiene",
        ),
    ],
)
def test_regulator_accepts_food_and_cosmetics_hygiene(text: str, category: str) -> None:
    result = _classify("public-regulator", text)

    assert result.category == category, _fired(result)
    assert result.acceptance.decision == "accept", _fired(result)


@pytest.mark.parametrize(
    "text",
    [
        "孩子摔伤是护士没拉床栏造成的，我们要求医院赔偿医药费。",
        "We want compensation for the extra days in hospital.",
    ],
)
def test_hospital_flags_a_claim_for_compensation(text: str) -> None:
    result = _classify("hospital", text)

    assert "compensation" in result.flags, _fired(result)
