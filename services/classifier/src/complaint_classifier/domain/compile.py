"""Turn the conditions of a parsed policy into evaluators (regexes compiled once, here)."""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from . import paths
from .evaluate import (
    AllEvaluator,
    AnyEvaluator,
    Bounds,
    CategoryEvaluator,
    Evaluator,
    FieldEvaluator,
    FlagsEvaluator,
    KeywordsEvaluator,
    MeasureEvaluator,
    NotEvaluator,
    RegexEvaluator,
    SeverityEvaluator,
)
from .keywords import KeywordUse, Role
from .prefilter import needed_literals
from .rule_conditions import (
    AllCondition,
    AnyCondition,
    CategoryCondition,
    Comparisons,
    Condition,
    FieldCondition,
    FieldSpec,
    FlagsCondition,
    KeywordsCondition,
    MeasureCondition,
    NotCondition,
    RegexCondition,
    SeverityCondition,
)
from .text import normalise


class Compiler:
    """Compiles conditions; collects the keyword conditions for the shared automaton."""

    def __init__(
        self, *, text_fields: Sequence[str], levels: Sequence[str], weak_factor: float
    ) -> None:
        self.keyword_uses: list[KeywordUse] = []
        self._text_fields = tuple(text_fields)
        self._rank = {level: rank for rank, level in enumerate(levels)}
        self._weak_factor = float(weak_factor)

    def compile(self, condition: Condition) -> Evaluator:
        match condition:
            case KeywordsCondition(keywords=spec):
                terms = {Role.STRONG: tuple(spec.terms), Role.WEAK: tuple(spec.weak)}
                terms[Role.EXCEPT] = tuple(spec.except_)
                self.keyword_uses.append(KeywordUse(terms, self._fields(spec.fields)))
                index = len(self.keyword_uses) - 1
                return KeywordsEvaluator(index, spec.negation, spec.min_hits, self._weak_factor)
            case RegexCondition(regex=spec):
                flags = re.IGNORECASE if spec.ignore_case else 0
                pattern = re.compile(spec.pattern, flags)
                fields = self._fields(spec.fields)
                # Literals are checked in the folded text: still necessary for a case-exact regex.
                trigger = self._trigger(spec.pattern, fields)
                return RegexEvaluator(pattern, fields, spec.ignore_case, spec.negation, trigger)
            case MeasureCondition(measure=spec):
                units = {normalise(unit).strip(): float(n) for unit, n in spec.units.items()}
                pattern = re.compile(spec.pattern, re.IGNORECASE)
                fields = self._fields(spec.fields)
                trigger = self._trigger(spec.pattern, fields)
                return MeasureEvaluator(pattern, units, fields, _bounds(spec), trigger)
            case FieldCondition(field=spec):
                return FieldEvaluator(spec.path, paths.split(spec.path), field_test(spec))
            case FlagsCondition(flags=spec):
                return FlagsEvaluator(_set(spec.any), _set(spec.all), _set(spec.none))
            case SeverityCondition(severity=spec):
                return SeverityEvaluator(self._level(spec.at_least), self._level(spec.at_most))
            case CategoryCondition(category=categories):
                return CategoryEvaluator(frozenset(categories))
            case AllCondition(all=children):
                return AllEvaluator(tuple(self.compile(child) for child in children))
            case AnyCondition(any=children):
                return AnyEvaluator(tuple(self.compile(child) for child in children))
            case NotCondition(not_=child):
                return NotEvaluator(self.compile(child))
        raise TypeError(f"not a condition: {condition!r}")  # unreachable after validation

    def _trigger(self, pattern: str, fields: tuple[str, ...]) -> int | None:
        """Register the literals a regex needs with the shared automaton; None: always run."""
        needed = needed_literals(pattern)
        if needed is None:
            return None
        self.keyword_uses.append(KeywordUse({Role.TRIGGER: tuple(sorted(needed))}, fields))
        return len(self.keyword_uses) - 1

    def _fields(self, fields: Sequence[str] | None) -> tuple[str, ...]:
        return tuple(fields) if fields else self._text_fields

    def _level(self, level: str | None) -> int | None:
        return None if level is None else self._rank[level]


def _set(items: Sequence[str] | None) -> frozenset[str] | None:
    return None if items is None else frozenset(items)


def _bounds(spec: Comparisons) -> Bounds:
    def number(bound: float | None) -> float | None:
        return None if bound is None else float(bound)

    return Bounds(number(spec.gt), number(spec.gte), number(spec.lt), number(spec.lte))


@dataclass(frozen=True, slots=True)
class _FieldTest:
    """Operators of a field condition; on a list value, a test holds if any item passes."""

    checks: tuple[Callable[[Any], bool], ...]
    exists: bool | None

    def __call__(self, value: Any) -> bool:
        if self.exists is not None and paths.is_present(value) != self.exists:
            return False
        if not self.checks:
            return True
        if not paths.is_present(value) and value is not False and value != 0:
            return False
        return all(check(value) for check in self.checks)


Check = Callable[[Any], bool]


def field_test(spec: FieldSpec) -> _FieldTest:
    checks: list[Check] = []
    if spec.eq is not None:
        checks.append(_any_item(_one_of([spec.eq])))
    if spec.ne is not None:
        checks.append(_negate(_any_item(_one_of([spec.ne]))))
    if spec.in_ is not None:
        checks.append(_any_item(_one_of(spec.in_)))
    if spec.not_in is not None:
        checks.append(_negate(_any_item(_one_of(spec.not_in))))
    if spec.contains is not None:
        part = spec.contains
        checks.append(lambda value: _contains(value, part))
    if spec.matches is not None:
        pattern = re.compile(spec.matches, re.IGNORECASE)
        checks.append(_any_item(lambda item: pattern.search(str(item)) is not None))
    if spec.has_comparison():
        bounds = _bounds(spec)
        checks.append(_any_item(lambda item: (n := _numeric(item)) is not None and bounds.hold(n)))
    return _FieldTest(tuple(checks), spec.exists)


def _any_item(test: Check) -> Check:
    def check(value: Any) -> bool:
        items = value if isinstance(value, list | tuple) else [value]
        return any(test(item) for item in items)

    return check


def _negate(test: Check) -> Check:
    return lambda value: not test(value)


def _one_of(options: Sequence[Any]) -> Check:
    return lambda item: any(_equal(item, option) for option in options)


def _equal(item: Any, wanted: Any) -> bool:
    if isinstance(item, bool) or isinstance(wanted, bool):
        return item is wanted
    if isinstance(wanted, str):
        return str(item).casefold() == wanted.casefold()
    return _numeric(item) == float(wanted)


def _contains(value: Any, part: Any) -> bool:
    if isinstance(value, list | tuple | set):
        return any(_equal(item, part) for item in value)
    if isinstance(value, Mapping):
        return part in value
    return str(part).casefold() in str(value).casefold()


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None
