"""Small policies built in memory, so a test shows the whole policy it relies on."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from complaint_classifier.domain import Policy, policy_from_bytes

POLICIES = Path(__file__).resolve().parents[3] / "deploy" / "policies"

NEGATION: dict[str, Any] = {
    "scope_breakers": ["，", "。", ",", ".", "但是", "but", "导致", "就"],
    "languages": {
        "zh": {
            "unit": "chars",
            "pseudo": ["不久", "无法"],
            "cue_sets": [
                {"position": "before", "window": 8, "cues": ["没有", "没", "未", "并无", "並無"]},
                {"position": "before", "window": 2, "cues": ["不", "无", "無"]},
                {"position": "after", "window": 3, "cues": ["：无"]},
            ],
        },
        "en": {
            "unit": "words",
            "pseudo": ["not only"],
            "cue_sets": [
                {"position": "before", "window": 3, "cues": ["no", "not", "never", "without"]},
                {"position": "after", "window": 2, "cues": ["none"]},
            ],
        },
    },
}


def policy_data(**overrides: Any) -> dict[str, Any]:
    """A minimal valid policy: levels low < mid < high, two categories, one rule."""
    data: dict[str, Any] = {
        "policy_id": "test-policy",
        "title": "test",
        "severity": {"levels": [{"id": "low"}, {"id": "mid"}, {"id": "high"}]},
        "categories": [
            {"id": "other", "department": "desk"},
            {"id": "harm", "department": "medical"},
            {"id": "billing", "department": "finance"},
        ],
        "departments": [{"id": "desk"}, {"id": "medical"}, {"id": "finance"}, {"id": "legal"}],
        "flags": [{"id": flag} for flag in ("injury", "media", "vip", "big", "calm", "loud")],
        "defaults": {"severity": "low", "category": "other", "department": "desk"},
        "negation": NEGATION,
        "rules": [
            {
                "id": "harm",
                "when": {"keywords": ["过敏", "受伤", "allergic", "injur*"]},
                "then": {"severity": "mid", "category": "harm", "flags": ["injury"]},
            }
        ],
    }
    data.update(overrides)
    return data


def build(data: dict[str, Any], source: str = "memory/classification.yaml") -> Policy:
    return policy_from_bytes(yaml.safe_dump(data, allow_unicode=True).encode(), source=source)


@pytest.fixture
def make_policy() -> Callable[..., Policy]:
    """`make_policy(rules=[...])`: the minimal policy with some top-level fields replaced."""

    def make(**overrides: Any) -> Policy:
        return build(policy_data(**overrides))

    return make


@pytest.fixture
def base_data() -> Callable[..., dict[str, Any]]:
    """The minimal policy as data, to break on purpose."""
    return policy_data


@pytest.fixture
def build_policy() -> Callable[..., Policy]:
    return build
