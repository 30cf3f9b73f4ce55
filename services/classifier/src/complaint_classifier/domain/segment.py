"""Chinese word boundaries: jieba's dictionary and its best path, plus a policy's own words.

A keyword written in Chinese counts only where its first and last characters are word edges
of the text as segmented here, so 颜色不一 does not fire inside 颜色不一样 (颜色/不/一样).
Only the run of Chinese characters around a hit is segmented, and only when a hit needs it.
"""

import logging
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import pairwise

import jieba  # type: ignore[import-untyped,unused-ignore]

_ABSENT = -1


def is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


@cache
def _base() -> tuple[Mapping[str, int], int]:
    """jieba's dictionary (word and every prefix -> frequency; 0 marks a mere prefix)."""
    jieba.setLogLevel(logging.WARNING)
    with jieba.get_dict_file() as file:
        frequencies, total = jieba.Tokenizer.gen_pfdict(file)
    return frequencies, total


class Segmenter:
    """jieba's dictionary with a policy's `words` added and its `split` words taken out."""

    def __init__(self, words: Iterable[str] = (), split: Iterable[str] = ()) -> None:
        self._base, total = _base()
        self._log_total = math.log(total)
        self._overlay: dict[str, int] = {}
        for word in split:
            self._overlay[word] = 0
        for word in words:
            self._add(word)

    def _add(self, word: str) -> None:
        # Frequent enough to win against the dictionary's own split of the same characters.
        for end in range(1, len(word)):
            prefix = word[:end]
            if self._frequency(prefix) == _ABSENT:
                self._overlay[prefix] = 0
        self._overlay[word] = max(self._frequency(word), self._suggested(word))

    def _suggested(self, word: str) -> int:
        """jieba's `suggest_freq`: as likely as the path through the word's own pieces."""
        cuts = sorted(self.cuts(word))
        log_p = sum(
            math.log(max(self._frequency(word[start:end]), 1)) - self._log_total
            for start, end in pairwise(cuts)
        )
        return int(math.exp(log_p + self._log_total)) + 1

    def _frequency(self, fragment: str) -> int:
        found = self._overlay.get(fragment)
        if found is not None:
            return found
        return self._base.get(fragment, _ABSENT)

    def cuts(self, run: str) -> frozenset[int]:
        """Offsets in `run` (a run of Chinese characters) where a word starts or ends."""
        size, log_total = len(run), self._log_total
        best: list[tuple[float, int]] = [(0.0, 0)] * (size + 1)
        for start in range(size - 1, -1, -1):
            choice = (-math.inf, start)
            for end, log_frequency in self._words_at(run, start):
                score = log_frequency - log_total + best[end][0]
                if score > choice[0]:
                    choice = (score, end)
            best[start] = choice
        cuts, position = {0, size}, 0
        while position < size:
            position = best[position][1]
            cuts.add(position)
        return frozenset(cuts)

    def information(self, run: str) -> float:
        """The words' rarity in the dictionary: -log(frequency / total), summed."""
        cuts = sorted(self.cuts(run))
        return sum(
            self._log_total - math.log(max(self._frequency(run[start:end]), 1))
            for start, end in pairwise(cuts)
        )

    def _words_at(self, run: str, start: int) -> list[tuple[int, float]]:
        """(end, log frequency) of each dictionary word starting there; one character else."""
        found, end, base, overlay = [], start + 1, self._base, self._overlay
        while end <= len(run):
            fragment = run[start:end]
            frequency = overlay.get(fragment) if overlay else None
            if frequency is None:
                frequency = base.get(fragment, _ABSENT)
            if frequency == _ABSENT:
                break
            if frequency > 0:
                found.append((end, math.log(frequency)))
            end += 1
        return found or [(start + 1, 0.0)]


class Boundaries:
    """Word edges of one text, segmented lazily, one run of Chinese characters at a time."""

    def __init__(self, segmenter: Segmenter, text: str) -> None:
        self._segmenter, self._text = segmenter, text
        self._runs: dict[int, tuple[int, tuple[int, ...]]] = {}

    def admits(self, start: int, end: int, *, left: bool, right: bool) -> bool:
        """Whether a hit is a word here (the edges asked for checked).

        A hit that cuts a word of the text in two is refused: 颜色不一 in 颜色/不/一样. A hit
        inside one longer word is a compound built on it (玻璃 in 玻璃渣, 门诊 in 门诊部) and
        counts; a one-character hit counts only where the word ends with it (厂 in 服装厂,
        not in 厂家): Chinese compounds put the head last.
        """
        if not all(is_han(char) for char in self._text[start:end]):
            return (not left or self.is_edge(start)) and (not right or self.is_edge(end))
        first, first_end = self._word(start)
        last, last_end = self._word(end - 1)
        if first == last:
            return (
                end - start >= 2
                or (first, first_end) == (start, end)
                or not right
                or (first_end == end)
            )
        return (not left or first == start) and (not right or last_end == end)

    def is_edge(self, position: int) -> bool:
        text = self._text
        if position <= 0 or position >= len(text):
            return True
        if not (is_han(text[position - 1]) and is_han(text[position])):
            return True
        return self._word(position)[0] == position

    def _word(self, position: int) -> tuple[int, int]:
        """The segmented word holding the character at `position` (absolute offsets)."""
        start, cuts = self._run(position)
        offset = position - start
        index = bisect_right(cuts, offset)
        return start + cuts[index - 1], start + cuts[index]

    def _run(self, position: int) -> tuple[int, tuple[int, ...]]:
        start = position
        while start > 0 and is_han(self._text[start - 1]):
            start -= 1
        known = self._runs.get(start)
        if known is None:
            end = position
            while end < len(self._text) and is_han(self._text[end]):
                end += 1
            cuts = tuple(sorted(self._segmenter.cuts(self._text[start:end])))
            known = self._runs[start] = (start, cuts)
        return known
