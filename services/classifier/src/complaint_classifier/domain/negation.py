"""Is a keyword hit negated ("没有过敏", "no injury") or merely hypothetical ("以防过敏")?

A cue counts when it lies within the window before (or after) the hit, in the same clause:
scope breakers (punctuation, "但是", "but", "导致") end a cue's reach. Pseudo cues ("不久",
"无法", "not only") look like negations but are not; they are masked out first.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .spec import NegationSettings
from .text import normalise

_LOOK = 80  # characters examined on either side; windows are far smaller


def alternation(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for many literal terms; English words only on word boundaries."""
    folded = sorted({normalise(term) for term in terms}, key=len, reverse=True)
    if not folded:
        return None
    parts = []
    for term in folded:
        # ASCII boundaries: a Chinese character next to an English word is a boundary.
        left = r"(?<![a-z0-9_])" if term[0].isascii() and term[0].isalnum() else ""
        right = r"(?![a-z0-9_])" if term[-1].isascii() and term[-1].isalnum() else ""
        parts.append(f"{left}{re.escape(term)}{right}")
    return re.compile("|".join(parts))


@dataclass(frozen=True, slots=True)
class _CueSet:
    before: bool
    window: int
    in_words: bool
    cues: re.Pattern[str]
    joiners: re.Pattern[str] | None

    def found(self, clause: str) -> bool:
        # "no rash or itching": the joiner does not use up the window.
        if self.joiners is not None:
            clause = self.joiners.sub("", clause)
        if self.in_words:
            words = clause.split()
            clause = " ".join(words[-self.window :] if self.before else words[: self.window])
        else:
            clause = clause[-self.window :] if self.before else clause[: self.window]
        return self.cues.search(clause) is not None


class NegationDetector:
    def __init__(self, settings: NegationSettings) -> None:
        self._breakers = alternation(settings.scope_breakers)
        self._pseudo = alternation(
            term for language in settings.languages.values() for term in language.pseudo
        )
        self._cue_sets: list[_CueSet] = []
        for language in settings.languages.values():
            joiners = alternation(language.joiners)
            for cue_set in language.cue_sets:
                cues = alternation(cue_set.cues)
                assert cues is not None  # the spec requires at least one cue
                before = cue_set.position == "before"
                in_words = language.unit == "words"
                self._cue_sets.append(_CueSet(before, cue_set.window, in_words, cues, joiners))

    def negated(self, folded: str, start: int, end: int) -> bool:
        before = self._clause(folded[max(0, start - _LOOK) : start], keep_tail=True)
        after = self._clause(folded[end : end + _LOOK], keep_tail=False)
        return any(cue_set.found(before if cue_set.before else after) for cue_set in self._cue_sets)

    def _clause(self, span: str, *, keep_tail: bool) -> str:
        if self._pseudo is not None:
            span = self._pseudo.sub(lambda match: "\x00" * len(match.group()), span)
        if self._breakers is None:
            return span
        if keep_tail:
            last_end = 0
            for match in self._breakers.finditer(span):
                last_end = match.end()
            return span[last_end:]
        first = self._breakers.search(span)
        return span if first is None else span[: first.start()]
