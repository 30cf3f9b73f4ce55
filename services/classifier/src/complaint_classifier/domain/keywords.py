"""Every keyword condition of a policy shares one automaton; hits are sorted to conditions."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from .segment import Segmenter
from .text import TermMatcher, TermShape


class Role(Enum):
    STRONG = "strong"
    WEAK = "weak"
    EXCEPT = "except"
    TRIGGER = "trigger"  # a literal some regex needs; matched as a plain substring


LEFT_WORD, RIGHT_WORD = 1, 2


class TermHit(NamedTuple):
    field: str
    start: int
    end: int
    role: Role
    words: int = 0  # Chinese word edges to check when it counts: LEFT_WORD | RIGHT_WORD


@dataclass(frozen=True, slots=True)
class KeywordUse:
    """One keyword condition: its terms by role and the fields it reads."""

    terms: dict[Role, tuple[str, ...]]
    fields: tuple[str, ...]


class KeywordIndex:
    def __init__(self, uses: Iterable[KeywordUse], segmenter: Segmenter | None = None) -> None:
        self._uses = list(uses)
        self.segmenter = segmenter
        self._matcher = TermMatcher(
            _shape(role, term)
            for use in self._uses
            for role, terms in use.terms.items()
            for term in terms
        )
        self._by_term: dict[int, list[tuple[int, Role, frozenset[str]]]] = {}
        for index, use in enumerate(self._uses):
            fields = frozenset(use.fields)
            for role, terms in use.terms.items():
                shapes = {_shape(role, term) for term in terms}
                for term_id in {self._matcher.term_id(shape) for shape in shapes if shape.text}:
                    self._by_term.setdefault(term_id, []).append((index, role, fields))
        self.fields = tuple(sorted({field for use in self._uses for field in use.fields}))
        # Word edges are checked lazily, only for hits a condition goes on to use (and never
        # for `except` terms, which cancel as plain substrings).
        self._worded = [
            (LEFT_WORD * shape.left_word + RIGHT_WORD * shape.right_word)
            if segmenter is not None
            else 0
            for shape in self._matcher.shapes
        ]

    def collect(self, text: Callable[[str], tuple[str, str]]) -> "Collected":
        """Hits per keyword condition (by index), from one pass over each field read."""
        hits: dict[int, list[TermHit]] = {}
        triggered: dict[int, set[str]] = {}
        for field in self.fields:
            folded = text(field)[1]
            if not folded:
                continue
            for hit in self._matcher.find(folded):
                for index, role, fields in self._by_term[hit.term]:
                    if field not in fields:
                        continue
                    if role is Role.TRIGGER:
                        triggered.setdefault(index, set()).add(field)
                    else:
                        words = self._worded[hit.term] if role is not Role.EXCEPT else 0
                        found = TermHit(field, hit.start, hit.end, role, words)
                        hits.setdefault(index, []).append(found)
        return Collected(hits, triggered)


@dataclass(frozen=True, slots=True)
class Collected:
    hits: dict[int, list[TermHit]]  # keyword condition -> its hits
    triggered: dict[int, set[str]]  # regex trigger -> fields where a needed literal occurs


def _shape(role: Role, term: str) -> TermShape:
    return TermShape.literal(term) if role is Role.TRIGGER else TermShape.parse(term)
