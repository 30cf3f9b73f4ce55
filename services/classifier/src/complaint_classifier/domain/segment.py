"""Chinese word boundaries: jieba's dictionary and its best path, plus a policy's own words.

A keyword written in Chinese counts only where its first and last characters are word edges
of the text as segmented here, so 颜色不一 does not fire inside 颜色不一样 (颜色/不/一样).
Segmenting costs: a hit is checked only when a condition uses it, only where a dictionary word
of up to four characters runs across one of its edges, and then only the few characters around
it are segmented (jieba's most probable path, without its guesses at unknown words).
"""

import logging
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from itertools import pairwise

import jieba  # type: ignore[import-untyped,unused-ignore]

_PREFIX = -1.0  # in the log-frequency tables: a prefix of some word, not a word itself


def is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"  # as in _HAN_RUN


@cache
def _base() -> tuple[Mapping[str, float], float]:
    """jieba's dictionary: word (and every prefix) -> log frequency, and the log total."""
    jieba.setLogLevel(logging.WARNING)
    with jieba.get_dict_file() as file:
        frequencies, total = jieba.Tokenizer.gen_pfdict(file)
    logs = {word: math.log(count) if count else _PREFIX for word, count in frequencies.items()}
    return logs, math.log(total)


Edges = list[list[tuple[int, float]]]  # per start offset: (end offset, log frequency) of words


class Segmenter:
    """jieba's dictionary with a policy's `words` added and its `split` words taken out."""

    def __init__(self, words: Iterable[str] = (), split: Iterable[str] = ()) -> None:
        self._base, self._log_total = _base()
        self._overlay: dict[str, float] = {}
        self._lookup: Callable[[str], float | None] = self._base.get
        for word in split:
            self._overlay[word] = _PREFIX
        for word in words:
            self._add(word)
        if self._overlay:
            self._lookup = self._layered
        # The log frequency of a word, `_PREFIX` for a mere prefix, None when neither.
        self.lookup = self._lookup

    def edges(self, run: str) -> Edges:
        """The dictionary words in `run`, by start offset (policy words in, split words out)."""
        found: Edges = []
        size, lookup = len(run), self._lookup
        for start in range(size):
            here: list[tuple[int, float]] = []
            end = start + 1
            while end <= size:
                log = lookup(run[start:end])
                if log is None:
                    break
                if log >= 0:
                    here.append((end, log))
                end += 1
            found.append(here)
        return found

    def _layered(self, fragment: str) -> float | None:
        found = self._overlay.get(fragment)
        return self._base.get(fragment) if found is None else found

    def _add(self, word: str) -> None:
        # As likely as the path through the word's own pieces (jieba's `suggest_freq`), so
        # the word is kept whole wherever it occurs.
        for end in range(1, len(word)):
            if self._layered(word[:end]) is None:
                self._overlay[word[:end]] = _PREFIX
        cuts = sorted(self.cuts(word, self._edges_by_layered(word)))
        pieces = sum(
            max(self._layered(word[start:end]) or 0.0, 0.0) - self._log_total
            for start, end in pairwise(cuts)
        )
        suggested = math.log(math.exp(pieces + self._log_total) + 1)
        self._overlay[word] = max(self._layered(word) or 0.0, suggested)

    def cuts(self, run: str, edges: Edges | None = None) -> frozenset[int]:
        """Offsets in `run` (a run of Chinese characters) where a word starts or ends: jieba's
        most probable path through its dictionary (without its guesses at unknown words)."""
        if edges is None:
            edges = self.edges(run)
        size, log_total = len(run), self._log_total
        score = [0.0] * (size + 1)
        step = [0] * (size + 1)
        for start in range(size - 1, -1, -1):
            best, best_end = score[start + 1] - log_total, start + 1
            for end, log in edges[start]:
                candidate = log - log_total + score[end]
                if candidate > best or end == start + 1:
                    best, best_end = candidate, end
            score[start], step[start] = best, best_end
        cuts, position = {0, size}, 0
        while position < size:
            position = step[position]
            cuts.add(position)
        return frozenset(cuts)

    def _edges_by_layered(self, run: str) -> Edges:
        """The same edges read word by word (used while the policy's own words are added)."""
        found: Edges = [[] for _ in run]
        for start in range(len(run)):
            end = start + 1
            while end <= len(run):
                log = self._layered(run[start:end])
                if log is None:
                    break
                if log >= 0:
                    found[start].append((end, log))
                end += 1
        return found

    def information(self, run: str) -> float:
        """The words' rarity in the dictionary: -log(frequency / total), summed."""
        cuts = sorted(self.cuts(run))
        return sum(
            self._log_total - max(self._lookup(run[start:end]) or 0.0, 0.0)
            for start, end in pairwise(cuts)
        )


_SHORT = 4  # words this long or shorter across a hit's edge are looked for before segmenting
_CONTEXT = 4  # characters segmented on either side of a hit (words rarely run longer)
_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]+")


class Boundaries:
    """Word edges of one text, segmented lazily, one run of Chinese characters at a time."""

    def __init__(self, segmenter: Segmenter, text: str) -> None:
        self._segmenter, self._text = segmenter, text
        self._starts: list[int] | None = None
        self._ends: list[int] = []
        self._cuts: dict[tuple[int, int], tuple[int, ...]] = {}

    def admits(self, start: int, end: int, *, left: bool, right: bool) -> bool:
        """Whether a hit is a word here (the edges asked for checked).

        A hit that cuts a word of the text in two is refused: 颜色不一 in 颜色/不/一样. A hit
        inside one longer word is a compound built on it (玻璃 in 玻璃渣, 门诊 in 门诊部) and
        counts; a one-character hit counts only where the word ends with it (厂 in 服装厂,
        not in 厂家): Chinese compounds put the head last.
        """
        run = self._run_of(start)
        if run is None or end > self._ends[run]:
            return (not left or self.is_edge(start)) and (not right or self.is_edge(end))
        if (not left or self._loose(run, start)) and (not right or self._loose(run, end)):
            return True  # no two characters across an edge form a word: nothing to segment
        cuts = self._window(run, start, end)
        first, first_end = _word(cuts, start)
        last, last_end = _word(cuts, end - 1)
        if first == last:
            return (
                end - start >= 2
                or (first, first_end) == (start, end)
                or not right
                or (first_end == end)
            )
        return (not left or first == start) and (not right or last_end == end)

    def is_edge(self, position: int) -> bool:
        run = self._run_of(position)
        if run is None or position == self._run_start(run):
            return True
        return _word(self._window(run, position, position), position)[0] == position

    def _loose(self, run: int, position: int) -> bool:
        """Whether no dictionary word of up to `_SHORT` characters runs across `position` (a
        cheap test before segmenting; a longer word across an edge is left to chance)."""
        start, end = self._run_start(run), self._ends[run]
        if position <= start or position >= end:
            return True
        text, lookup = self._text, self._segmenter.lookup
        for first in range(max(start, position - _SHORT + 1), position):
            last = position + 1
            while last <= min(end, first + _SHORT):
                log = lookup(text[first:last])
                if log is None:
                    break
                if log >= 0:
                    return False
                last += 1
        return True

    def _run_of(self, position: int) -> int | None:
        """The run of Chinese characters holding the character at `position`, if any."""
        if self._starts is None:
            found = [match.span() for match in _HAN_RUN.finditer(self._text)]
            self._starts = [span[0] for span in found]
            self._ends = [span[1] for span in found]
        index = bisect_right(self._starts, position) - 1
        return index if index >= 0 and position < self._ends[index] else None

    def _run_start(self, run: int) -> int:
        assert self._starts is not None
        return self._starts[run]

    def _window(self, run: int, start: int, end: int) -> tuple[int, ...]:
        """Cuts (absolute offsets) of the text around [start, end): `_CONTEXT` characters either
        side, within the run, segmented once per window."""
        low = max(self._run_start(run), start - _CONTEXT)
        high = min(self._ends[run], end + _CONTEXT)
        cuts = self._cuts.get((low, high))
        if cuts is None:
            found = self._segmenter.cuts(self._text[low:high])
            cuts = self._cuts[(low, high)] = tuple(sorted(low + cut for cut in found))
        return cuts


def _word(cuts: tuple[int, ...], position: int) -> tuple[int, int]:
    """The segmented word holding the character at `position`."""
    index = bisect_right(cuts, position)
    return cuts[index - 1], cuts[index]
