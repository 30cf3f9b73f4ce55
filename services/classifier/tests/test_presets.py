"""Each preset against complaints written in the style of its source (cases/<preset>.yaml).

A case gives a text (the description) or a whole submission and the expected severity,
category, department, flags (the exact set) and acceptance.
"""

from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from complaint_classifier.domain import Classification, Policy, classify, load_policy

pytestmark = pytest.mark.unit

CASES = Path(__file__).parent / "cases"
POLICIES = Path(__file__).resolve().parents[3] / "deploy" / "policies"
MIN_CASES_PER_PRESET = 25


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        preset = path.stem
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            params.append(pytest.param(preset, case, id=f"{preset}:{case['id']}"))
    return params


@cache
def _policy(preset: str) -> Policy:
    return load_policy(POLICIES / preset / "classification.yaml")


def _submission(case: dict[str, Any]) -> dict[str, Any]:
    submission = dict(case.get("submission", {}))
    if "text" in case:
        submission["description"] = case["text"]
    return submission


def _explain(result: Classification) -> str:
    fired = [(rule.rule_id, [e.value for e in rule.evidence]) for rule in result.matched_rules]
    return f"got {result.severity}/{result.category}/{result.department} {result.flags} {fired}"


@pytest.mark.parametrize(("preset", "case"), _load_cases())
def test_preset_case(preset: str, case: dict[str, Any]) -> None:
    result = classify(_policy(preset), _submission(case))
    expect = case["expect"]
    acceptance = expect.get("acceptance", "accept")
    if isinstance(acceptance, str):
        acceptance = {"decision": acceptance}

    assert result.severity == expect["severity"], _explain(result)
    assert result.category == expect["category"], _explain(result)
    assert result.department == expect["department"], _explain(result)
    assert set(result.flags) == set(expect.get("flags", [])), _explain(result)
    for field, value in acceptance.items():
        assert getattr(result.acceptance, field) == value, _explain(result)
    if "unmatched" in expect:
        assert result.unmatched is expect["unmatched"]


def test_every_preset_has_enough_cases() -> None:
    counts = {
        path.stem: len(yaml.safe_load(path.read_text("utf-8"))) for path in CASES.glob("*.yaml")
    }

    assert set(counts) == {path.parent.name for path in POLICIES.glob("*/classification.yaml")}
    assert min(counts.values()) >= MIN_CASES_PER_PRESET, counts


@pytest.mark.parametrize("preset", sorted(path.stem for path in CASES.glob("*.yaml")))
def test_skipping_rules_by_their_words_changes_no_result(preset: str) -> None:
    policy = _policy(preset)
    ungated = replace(policy, rules=tuple(replace(rule, gate=None) for rule in policy.rules))
    cases = yaml.safe_load((CASES / f"{preset}.yaml").read_text(encoding="utf-8"))

    for case in cases:
        submission = _submission(case)
        assert classify(policy, submission) == classify(ungated, submission), case["id"]
