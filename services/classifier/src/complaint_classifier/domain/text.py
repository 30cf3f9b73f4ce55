"""Text normalisation and the one keyword automaton per policy (all terms of all rules)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick  # type: ignore[import-not-found,import-untyped,unused-ignore]

from .segment import is_han

# Full-width ASCII and the ideographic space fold to ASCII; curly quotes to straight ones.
# Every replacement is one character for one, so offsets in the folded text are offsets in
# the original.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {
    0x3000: 0x20,
    0x2018: 0x27,
    0x2019: 0x27,
    0x201C: 0x22,
    0x201D: 0x22,
}


def normalise(text: str) -> str:
    """Fold width and case without changing the length of the text."""
    folded = text.translate(_FOLD)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(char.lower() if len(char.lower()) == 1 else char for char in folded)


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


@dataclass(frozen=True, slots=True)
class TermShape:
    """How a term matches: English words need word boundaries; `injur*` matches a prefix.

    A Chinese term needs Chinese word edges (see `segment`); `严重过敏*` may run on into a
    longer word and `*过敏` may start inside one.
    """

    text: str
    left_boundary: bool
    right_boundary: bool
    left_word: bool = False  # a Chinese first character must start a word
    right_word: bool = False  # a Chinese last character must end a word

    @classmethod
    def literal(cls, text: str) -> "TermShape":
        """A plain substring, no word boundaries (the literals a regex needs)."""
        return cls(text=normalise(text), left_boundary=False, right_boundary=False)

    @classmethod
    def parse(cls, term: str) -> "TermShape":
        prefix = term.endswith("*") and len(term) > 1
        suffix = term.startswith("*") and len(term) > 1 + prefix
        text = normalise(term[int(suffix) : len(term) - int(prefix)])
        return cls(
            text=text,
            left_boundary=_is_word_char(text[0]),
            right_boundary=_is_word_char(text[-1]) and not prefix,
            left_word=is_han(text[0]) and not suffix,
            right_word=is_han(text[-1]) and not prefix,
        )

    def word_end(self, text: str, end: int) -> int:
        """A prefix term's hit runs to the end of the word, so evidence shows the whole word."""
        if self.right_boundary or not _is_word_char(self.text[-1]):
            return end
        while end < len(text) and _is_word_char(text[end]):
            end += 1
        return end

    def fits(self, text: str, start: int, end: int) -> bool:
        """English word boundaries (Chinese word edges are checked later, see `segment`)."""
        if self.left_boundary and start > 0 and _is_word_char(text[start - 1]):
            return False
        return not (self.right_boundary and end < len(text) and _is_word_char(text[end]))


class Hit(NamedTuple):  # a tuple: made for every match, so cheap to build
    term: int
    start: int
    end: int


class TermMatcher:
    """Finds every occurrence of every term in one pass, overlapping ones included."""

    def __init__(self, shapes: Iterable[TermShape]) -> None:
        self.shapes: list[TermShape] = []
        self._ids: dict[TermShape, int] = {}
        by_text: dict[str, list[int]] = {}
        for shape in shapes:
            if shape.text and shape not in self._ids:
                self._ids[shape] = len(self.shapes)
                self.shapes.append(shape)
                by_text.setdefault(shape.text, []).append(self._ids[shape])
        self._automaton = ahocorasick.Automaton()
        for text, ids in by_text.items():
            self._automaton.add_word(text, (len(text), tuple(ids)))
        if by_text:
            self._automaton.make_automaton()
        self._empty = not by_text
        self._bounded = [shape.left_boundary or shape.right_boundary for shape in self.shapes]

    @classmethod
    def of_terms(cls, terms: Iterable[str]) -> "TermMatcher":
        return cls(TermShape.parse(term) for term in terms)

    def term_id(self, shape: TermShape) -> int:
        return self._ids[shape]

    def find(self, folded: str) -> list[Hit]:
        if self._empty or not folded:
            return []
        hits = []
        shapes = self.shapes
        checked = self._bounded
        for last, (length, ids) in self._automaton.iter(folded):
            start, end = last - length + 1, last + 1
            for term in ids:
                if not checked[term]:
                    hits.append(Hit(term, start, end))  # most terms: no boundary to check
                elif (shape := shapes[term]).fits(folded, start, end):
                    hits.append(Hit(term, start, shape.word_end(folded, end)))
        return hits
