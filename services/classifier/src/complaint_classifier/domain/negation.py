"""Is a keyword hit negated ("没有过敏", "no injury") or merely hypothetical ("以防过敏")?

A cue counts when it lies within the window before (or after) the hit, in the same clause:
scope breakers (punctuation, "但是", "but", "导致") end a cue's reach. Pseudo cues ("不久",
"无法", "not only") look like negations but are not; they are masked out first. A text is
prepared once (masking, clause boundaries); each hit then costs a few short searches.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from .spec import NegationSettings
from .text import TermMatcher, normalise

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
    cues: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Language:
    in_words: bool
    joiners: re.Pattern[str] | None
    cue_sets: tuple[_CueSet, ...]
    first_chars: frozenset[str]  # no cue can be present if none of these is

    def negates(self, before: str, after: str) -> bool:
        if self.first_chars.isdisjoint(before) and self.first_chars.isdisjoint(after):
            return False
        # "no rash or itching": a joiner does not use up the window.
        if self.joiners is not None:
            before, after = self.joiners.sub("", before), self.joiners.sub("", after)
        if self.in_words:
            before_words, after_words = before.split(), after.split()
        for cue_set in self.cue_sets:
            if self.in_words:
                words = (
                    before_words[-cue_set.window :]
                    if cue_set.before
                    else after_words[: cue_set.window]
                )
                clause = " ".join(words)
            else:
                clause = before[-cue_set.window :] if cue_set.before else after[: cue_set.window]
            if cue_set.cues.search(clause):
                return True
        return False


class PreparedText:
    """One folded field with pseudo cues masked and clause boundaries found."""

    def __init__(
        self, masked: str, breaks: list[tuple[int, int]], languages: tuple[_Language, ...]
    ):
        self._masked = masked
        self._ends = sorted(end for _, end in breaks)
        self._starts = sorted(start for start, _ in breaks)
        self._languages = languages

    def negated(self, start: int, end: int) -> bool:
        before_from = max(0, start - _LOOK)
        index = bisect_right(self._ends, start) - 1
        if index >= 0:
            before_from = max(before_from, self._ends[index])
        after_to = min(len(self._masked), end + _LOOK)
        index = bisect_left(self._starts, end)
        if index < len(self._starts):
            after_to = min(after_to, self._starts[index])
        before, after = self._masked[before_from:start], self._masked[end:after_to]
        return any(language.negates(before, after) for language in self._languages)


class NegationDetector:
    def __init__(self, settings: NegationSettings) -> None:
        self._breakers = TermMatcher.of_terms(settings.scope_breakers)
        self._pseudo = TermMatcher.of_terms(
            term for language in settings.languages.values() for term in language.pseudo
        )
        languages = []
        for language in settings.languages.values():
            cue_sets = []
            for cue_set in language.cue_sets:
                cues = alternation(cue_set.cues)
                assert cues is not None  # the spec requires at least one cue
                cue_sets.append(_CueSet(cue_set.position == "before", cue_set.window, cues))
            in_words = language.unit == "words"
            joiners = alternation(language.joiners)
            first = frozenset(
                normalise(cue)[0] for cue_set in language.cue_sets for cue in cue_set.cues
            )
            languages.append(_Language(in_words, joiners, tuple(cue_sets), first))
        self._languages = tuple(languages)

    def prepare(self, folded: str) -> PreparedText:
        masked = list(folded)
        for hit in self._pseudo.find(folded):
            masked[hit.start : hit.end] = "\x00" * (hit.end - hit.start)
        text = "".join(masked)
        breaks = [(hit.start, hit.end) for hit in self._breakers.find(text)]
        return PreparedText(text, breaks, self._languages)

    def negated(self, folded: str, start: int, end: int) -> bool:
        return self.prepare(folded).negated(start, end)
