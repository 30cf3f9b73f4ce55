"""Every keyword condition of a policy shares one automaton; hits are sorted to conditions."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from .text import TermMatcher


class Role(Enum):
    STRONG = "strong"
    WEAK = "weak"
    EXCEPT = "except"


@dataclass(frozen=True, slots=True)
class TermHit:
    field: str
    start: int
    end: int
    role: Role


@dataclass(frozen=True, slots=True)
class KeywordUse:
    """One keyword condition: its terms by role and the fields it reads."""

    terms: dict[Role, tuple[str, ...]]
    fields: tuple[str, ...]


class KeywordIndex:
    def __init__(self, uses: Iterable[KeywordUse]) -> None:
        self._uses = list(uses)
        self._matcher = TermMatcher(
            term for use in self._uses for terms in use.terms.values() for term in terms
        )
        self._by_term: dict[int, list[tuple[int, Role, frozenset[str]]]] = {}
        for index, use in enumerate(self._uses):
            fields = frozenset(use.fields)
            for role, terms in use.terms.items():
                for term_id in {self._matcher.term_id(term) for term in terms}:
                    self._by_term.setdefault(term_id, []).append((index, role, fields))
        self.fields = tuple(sorted({field for use in self._uses for field in use.fields}))

    def collect(self, text: Callable[[str], tuple[str, str]]) -> dict[int, list[TermHit]]:
        """Hits per keyword condition (by index), from one pass over each field read."""
        hits: dict[int, list[TermHit]] = {}
        for field in self.fields:
            folded = text(field)[1]
            for hit in self._matcher.find(folded):
                for index, role, fields in self._by_term[hit.term]:
                    if field in fields:
                        hits.setdefault(index, []).append(TermHit(field, hit.start, hit.end, role))
        return hits
