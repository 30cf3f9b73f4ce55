"""Which fired rule decides the category, the department and the acceptance.

Priority decides only among overrides (`override: true`: safety, legal), which win over every
other rule. Without an override the subject with the strongest evidence wins: the information
in the text it matched, scaled by the rule's confidence; priority then file order break ties.
A word's information is how rare it is in jieba's dictionary (跳闸 says more than 质量问题,
"only one bar" more than "signal"); several matched words say more than one, and overlapping
hits of one rule count once.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .result import Evidence, MatchedRule
from .segment import Segmenter, is_han
from .spec import Rule

_FIELD_WEIGHT = 24.0  # a structured field that says it (kind: suggestion): about two words
_PER_LETTER = 2.0  # an English letter: a common Chinese word (about 12) is a six-letter word


@dataclass(frozen=True, slots=True)
class Fired:
    rule: Rule
    matched: MatchedRule


@dataclass(frozen=True, slots=True)
class Choice:
    winner: Fired
    strength: float
    runner_up: Fired | None
    runner_up_strength: float
    contested: bool  # other fired rules named this effect too

    def why(self) -> str:
        rule = self.winner.rule
        if rule.override:
            return f"{rule.id} (override, priority {rule.priority})"
        said = f"{rule.id} (evidence {self.strength:.1f}"
        if self.runner_up is None:
            return said + ")"
        other = self.runner_up.rule
        if other.override:
            return said + ")"
        return said + f" over {other.id} {self.runner_up_strength:.1f})"


def choose(fired: Iterable[Fired], effect: str) -> Choice | None:
    candidates = [item for item in fired if getattr(item.rule.then, effect) is not None]
    if not candidates:
        return None
    contested = len(candidates) > 1
    if not contested:
        return Choice(candidates[0], 0.0, None, 0.0, False)  # strength shown only when contested
    overrides = [item for item in candidates if item.rule.override]
    if overrides:
        best = max(overrides, key=lambda item: item.rule.priority)  # first listed on a tie
        return Choice(best, strength(best), None, 0.0, contested)
    scored = sorted(
        ((strength(item), item) for item in candidates),
        key=lambda pair: (-pair[0], -pair[1].rule.priority),
    )  # stable: file order last
    (best_strength, best), *rest = scored
    runner_up_strength, runner_up = rest[0] if rest else (0.0, None)
    return Choice(best, best_strength, runner_up, runner_up_strength, contested)


def strength(item: Fired) -> float:
    """How much of the complaint supports the rule: matched text, weighted, times confidence."""
    return support(item.matched.evidence) * item.matched.confidence


def support(evidence: Iterable[Evidence]) -> float:
    """Information in the evidence; a span inside another of the same rule adds nothing."""
    spans: dict[str, list[tuple[int, int, str]]] = {}
    total = 0.0
    for item in evidence:
        if item.start is None or item.end is None:
            total += _FIELD_WEIGHT
        else:
            spans.setdefault(item.field, []).append((item.start, item.end, item.value))
    for found in spans.values():
        kept: list[tuple[int, int]] = []
        for start, end, value in sorted(found, key=lambda span: span[0] - span[1]):
            if not any(start >= other[0] and end <= other[1] for other in kept):
                kept.append((start, end))
                total += information(value)
    return total


@lru_cache(maxsize=8192)
def information(text: str) -> float:
    """How specific a matched text is: the rarity of its words (Chinese) or its letters."""
    total, run = 0.0, []
    for char in text + " ":
        if is_han(char):
            run.append(char)
            continue
        if run:
            total += _segmenter().information("".join(run))
            run = []
        if char.isascii() and char.isalnum():
            total += _PER_LETTER
    return round(total, 3)


@lru_cache(maxsize=1)
def _segmenter() -> Segmenter:
    return Segmenter()
