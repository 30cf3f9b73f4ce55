"""The regex prefilter may skip a regex only when it cannot match."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_classifier.domain.prefilter import needed_literals
from complaint_classifier.domain.text import normalise

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("pattern", "needed"),
    [
        (r"(标签|外盒).{0,6}(写着|印着)", {"标签", "外盒"}),
        (r"[一-龥]{2,}(路|街)\s*[0-9]+", {"路", "街"}),
        (r"\bcan hear me\b", {"can hear me"}),
        (r"(?P<value>\d+)\s*(?P<unit>%|‰)", {"%", "‰"}),
        (r"(a|b)?c", {"c"}),
        (r"Label", {"label"}),  # compared with the folded (lower-case) text
        (r"\d+\s*\w+", None),  # nothing literal is required
        (r"(x|\d)", None),  # one branch has no literal
    ],
)
def test_needed_literals(pattern: str, needed: set[str] | None) -> None:
    found = needed_literals(pattern)

    assert (None if found is None else set(found)) == needed


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"regex", "measure"}:
                yield value if isinstance(value, str) else value["pattern"]
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def _texts() -> list[str]:
    texts = []
    for path in (ROOT / "services/classifier/tests/cases").glob("*.yaml"):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            texts.append(case.get("text") or case["submission"]["description"])
    return texts


PRESET_PATTERNS = sorted(
    {
        pattern
        for path in (ROOT / "deploy/policies").glob("*/classification.yaml")
        for pattern in _patterns(yaml.safe_load(path.read_text(encoding="utf-8")))
    }
)


@pytest.mark.parametrize("pattern", PRESET_PATTERNS)
def test_a_preset_regex_never_matches_without_its_literals(pattern: str) -> None:
    compiled, needed = re.compile(pattern, re.IGNORECASE), needed_literals(pattern)
    for text in _texts():
        folded = normalise(text)
        if compiled.search(folded) and needed is not None:
            assert any(part in folded for part in needed), (pattern, text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["标签", "写着", "外", "盒", "印着", "a", " ", "，", "x"]), max_size=12
    )
)
def test_random_texts_respect_the_prefilter(parts: list[str]) -> None:
    pattern = r"(标签|外盒).{0,6}(写着|印着)|x{2}"
    text = "".join(parts)
    needed = needed_literals(pattern)

    if re.search(pattern, text) and needed is not None:
        assert any(part in text for part in needed)
