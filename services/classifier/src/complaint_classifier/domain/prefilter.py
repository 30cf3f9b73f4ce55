"""Literals a regex cannot match without, so most regexes are skipped on most texts.

`needed_literals(pattern)` returns a set of strings of which at least one occurs in every text
the pattern matches, or None when no such set is found (the regex then always runs). It reads
the parsed pattern: a mandatory literal run, or a mandatory group of literal alternatives.
"""

import importlib
import re
from typing import Any

# The standard library's own regex parser (re._parser since 3.11; sre_parse is deprecated).
parser: Any = importlib.import_module("re._parser")
constants: Any = importlib.import_module("re._constants")

_MAX_ALTERNATIVES = 400
_ZERO_WIDTH = {constants.AT, constants.ASSERT, constants.ASSERT_NOT}


def needed_literals(pattern: str) -> frozenset[str] | None:
    try:
        parsed = parser.parse(pattern)
    except re.error:
        return None
    found = _sequence(list(parsed))
    return frozenset(found) if found else None


def _sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The first mandatory element with literal alternatives, searched left to right."""
    index = 0
    while index < len(items):
        op, value = items[index]
        if op is constants.LITERAL:
            run = ""
            while index < len(items) and items[index][0] is constants.LITERAL:
                run += chr(items[index][1])
                index += 1
            return {run.lower()}
        found = _element(op, value)
        if found:
            return found
        index += 1
    return None


def _element(op: Any, value: Any) -> set[str] | None:
    if op in _ZERO_WIDTH:
        return None
    if op is constants.SUBPATTERN:
        return _sequence(list(value[-1]))
    if op is constants.BRANCH:
        union: set[str] = set()
        for branch in value[1]:
            found = _sequence(list(branch))
            if not found:
                return None
            union |= found
        return union if len(union) <= _MAX_ALTERNATIVES else None
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and value[0] >= 1:
        return _sequence(list(value[2]))
    if op is constants.IN:
        chars = [chr(v) for kind, v in value if kind is constants.LITERAL]
        if len(chars) == len(value) and chars:
            return {char.lower() for char in chars}
    return None
