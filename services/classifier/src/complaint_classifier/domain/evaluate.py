"""Conditions compiled into evaluators, and the per-complaint context they run against."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from . import paths
from .keywords import LEFT_WORD, RIGHT_WORD, KeywordIndex, Role, TermHit
from .negation import NegationDetector, PreparedText
from .result import Evidence
from .segment import Boundaries
from .text import normalise

MAX_EVIDENCE = 3  # per condition: enough to explain; each one may cost a negation check


class Outcome(NamedTuple):
    factor: float
    evidence: tuple[Evidence, ...]


class Context:
    """One submission while a policy's rules run over it."""

    def __init__(
        self,
        submission: Mapping[str, Any],
        keywords: KeywordIndex | None = None,
        negation: NegationDetector | None = None,
    ) -> None:
        self.submission = submission
        self.flags: set[str] = set()
        self.severity_rank: int | None = None
        self.category: str | None = None
        self._negation = negation
        self._texts: dict[str, tuple[str, str]] = {}
        self._prepared: dict[str, PreparedText] = {}
        self._negated: dict[tuple[str, int, int], bool] = {}
        self._segmenter = keywords.segmenter if keywords is not None else None
        self._words: dict[str, Boundaries] = {}
        self._whole: dict[tuple[str, int, int, int], bool] = {}
        collected = keywords.collect(self.text) if keywords is not None else None
        self.keyword_hits = collected.hits if collected is not None else {}
        self.triggered = collected.triggered if collected is not None else {}

    @classmethod
    def of_result(cls, flags: set[str], severity_rank: int, category: str) -> "Context":
        """A context for conditions on the classification itself (`derived_flags`)."""
        context = cls({})
        context.flags, context.severity_rank, context.category = flags, severity_rank, category
        return context

    def text(self, field: str) -> tuple[str, str]:
        """The field's text as written and folded for matching (same length)."""
        cached = self._texts.get(field)
        if cached is None:
            original = _as_text(paths.resolve(self.submission, paths.split(field)))
            cached = (original, normalise(original))
            self._texts[field] = cached
        return cached

    def whole_word(self, hit: TermHit) -> bool:
        """Whether a Chinese hit is a word of its own here (see `segment`); others always are."""
        edges = hit.words
        if not edges or self._segmenter is None:
            return True
        key = (hit.field, hit.start, hit.end, edges)
        known = self._whole.get(key)
        if known is None:
            words = self._words.get(hit.field)
            if words is None:
                words = self._words[hit.field] = Boundaries(
                    self._segmenter, self.text(hit.field)[1]
                )
            left, right = bool(edges & LEFT_WORD), bool(edges & RIGHT_WORD)
            known = words.admits(hit.start, hit.end, left=left, right=right)
            self._whole[key] = known
        return known

    def negated(self, field: str, start: int, end: int) -> bool:
        if self._negation is None:
            return False
        key = (field, start, end)
        known = self._negated.get(key)
        if known is None:
            prepared = self._prepared.get(field)
            if prepared is None:
                prepared = self._prepared[field] = self._negation.prepare(self.text(field)[1])
            known = self._negated[key] = prepared.negated(start, end)
        return known


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    return str(value)


class Evaluator(Protocol):
    def __call__(self, context: Context) -> Outcome | None: ...


@dataclass(frozen=True, slots=True)
class KeywordsEvaluator:
    index: int
    negation: bool
    min_hits: int
    weak_factor: float

    def __call__(self, context: Context) -> Outcome | None:
        hits = context.keyword_hits.get(self.index)
        if not hits:
            return None
        exceptions = [hit for hit in hits if hit.role is Role.EXCEPT]
        found: list[TermHit] = []
        positions: set[tuple[str, int]] = set()
        strong = False
        for hit in hits:
            if hit.role is Role.EXCEPT or any(_within(hit, other) for other in exceptions):
                continue
            if not context.whole_word(hit):
                continue
            if self.negation and context.negated(hit.field, hit.start, hit.end):
                continue
            if (hit.field, hit.start) not in positions:
                positions.add((hit.field, hit.start))
                found.append(hit)
            strong = strong or hit.role is Role.STRONG
            if strong and len(found) >= max(self.min_hits, MAX_EVIDENCE):
                break  # enough to decide and to explain
        if len(found) < self.min_hits:
            return None
        evidence = tuple(_span(context, hit.field, hit.start, hit.end) for hit in found)
        return Outcome(1.0 if strong else self.weak_factor, evidence[:MAX_EVIDENCE])


def _within(hit: TermHit, exception: TermHit) -> bool:
    return (
        hit.field == exception.field and exception.start <= hit.start and hit.end <= exception.end
    )


def _span(context: Context, field: str, start: int, end: int) -> Evidence:
    return Evidence(field=field, value=context.text(field)[0][start:end], start=start, end=end)


@dataclass(frozen=True, slots=True)
class RegexEvaluator:
    pattern: re.Pattern[str]
    fields: tuple[str, ...]
    folded: bool
    negation: bool
    trigger: int | None  # keyword use of the literals the pattern needs (see prefilter)

    def __call__(self, context: Context) -> Outcome | None:
        if self.trigger is not None and self.trigger not in context.triggered:
            return None  # a literal the pattern needs is absent: it cannot match
        evidence: list[Evidence] = []
        for field in _fields_to_read(context, self.fields, self.trigger):
            original, folded = context.text(field)
            text = folded if self.folded else original
            for match in self.pattern.finditer(text):
                start, end = match.span()
                if end > start and not (self.negation and context.negated(field, start, end)):
                    evidence.append(_span(context, field, start, end))
        return Outcome(1.0, tuple(evidence[:MAX_EVIDENCE])) if evidence else None


@dataclass(frozen=True, slots=True)
class Bounds:
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None

    def hold(self, number: float) -> bool:
        return (
            (self.gt is None or number > self.gt)
            and (self.gte is None or number >= self.gte)
            and (self.lt is None or number < self.lt)
            and (self.lte is None or number <= self.lte)
        )


@dataclass(frozen=True, slots=True)
class MeasureEvaluator:
    pattern: re.Pattern[str]
    units: Mapping[str, float]
    fields: tuple[str, ...]
    bounds: Bounds
    trigger: int | None

    def __call__(self, context: Context) -> Outcome | None:
        if self.trigger is not None and self.trigger not in context.triggered:
            return None
        for field in _fields_to_read(context, self.fields, self.trigger):
            for match in self.pattern.finditer(context.text(field)[1]):
                number = _number(match.group("value"))
                unit = (match.groupdict().get("unit") or "").strip()
                if number is not None and self.bounds.hold(number * self.units.get(unit, 1.0)):
                    return Outcome(1.0, (_span(context, field, *match.span()),))
        return None


def _fields_to_read(
    context: Context, fields: tuple[str, ...], trigger: int | None
) -> tuple[str, ...]:
    """Only the fields where a literal the regex needs occurs (all fields without a trigger)."""
    if trigger is None:
        return fields
    present = context.triggered.get(trigger)
    if not present:
        return ()
    return tuple(field for field in fields if field in present)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class FieldEvaluator:
    path: str
    parts: tuple[str, ...]
    test: "FieldTest"

    def __call__(self, context: Context) -> Outcome | None:
        value = paths.resolve(context.submission, self.parts)
        if not self.test(value):
            return None
        if not paths.is_present(value):
            return Outcome(1.0, ())
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        return Outcome(1.0, (Evidence(field=self.path, value=shown[:200]),))


class FieldTest(Protocol):
    def __call__(self, value: Any) -> bool: ...


@dataclass(frozen=True, slots=True)
class FlagsEvaluator:
    any: frozenset[str] | None
    all: frozenset[str] | None
    none: frozenset[str] | None

    def __call__(self, context: Context) -> Outcome | None:
        flags = context.flags
        if self.any is not None and not (self.any & flags):
            return None
        if self.all is not None and not (self.all <= flags):
            return None
        if self.none is not None and self.none & flags:
            return None
        shown = sorted(flags & ((self.any or frozenset()) | (self.all or frozenset())))
        return Outcome(1.0, (Evidence("flags", ", ".join(shown)),) if shown else ())


@dataclass(frozen=True, slots=True)
class SeverityEvaluator:
    at_least: int | None
    at_most: int | None

    def __call__(self, context: Context) -> Outcome | None:
        rank = context.severity_rank
        if rank is None:
            return None
        if (self.at_least is not None and rank < self.at_least) or (
            self.at_most is not None and rank > self.at_most
        ):
            return None
        return Outcome(1.0, ())


@dataclass(frozen=True, slots=True)
class CategoryEvaluator:
    categories: frozenset[str]

    def __call__(self, context: Context) -> Outcome | None:
        return Outcome(1.0, ()) if context.category in self.categories else None


@dataclass(frozen=True, slots=True)
class AllEvaluator:
    children: Sequence[Evaluator]

    def __call__(self, context: Context) -> Outcome | None:
        outcomes = []
        for child in self.children:
            outcome = child(context)
            if outcome is None:
                return None
            outcomes.append(outcome)
        evidence = tuple(item for outcome in outcomes for item in outcome.evidence)
        return Outcome(min(outcome.factor for outcome in outcomes), evidence)


@dataclass(frozen=True, slots=True)
class AnyEvaluator:
    children: Sequence[Evaluator]

    def __call__(self, context: Context) -> Outcome | None:
        outcomes = [outcome for child in self.children if (outcome := child(context))]
        if not outcomes:
            return None
        evidence = tuple(item for outcome in outcomes for item in outcome.evidence)
        return Outcome(max(outcome.factor for outcome in outcomes), evidence)


@dataclass(frozen=True, slots=True)
class NotEvaluator:
    child: Evaluator

    def __call__(self, context: Context) -> Outcome | None:
        return Outcome(1.0, ()) if self.child(context) is None else None


def gate(evaluator: Evaluator) -> frozenset[int] | None:
    """Keyword uses of which one must have hits for the condition to hold (None: unknown).

    A rule whose gate has no hits is skipped without evaluating it.
    """
    match evaluator:
        case KeywordsEvaluator(index=index):
            return frozenset({index})
        case RegexEvaluator(trigger=trigger) | MeasureEvaluator(trigger=trigger):
            return None if trigger is None else frozenset({trigger})
        case AllEvaluator(children=children):
            gates = [found for child in children if (found := gate(child)) is not None]
            return min(gates, key=len) if gates else None
        case AnyEvaluator(children=children):
            union: set[int] = set()
            for child in children:
                found = gate(child)
                if found is None:
                    return None
                union |= found
            return frozenset(union)
    return None
