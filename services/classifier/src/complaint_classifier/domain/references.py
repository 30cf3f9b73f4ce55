"""Is a parsed policy consistent? Every name it uses is declared, every regex compiles."""

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from . import paths
from .rule_conditions import (
    AllCondition,
    AnyCondition,
    CategoryCondition,
    Condition,
    FieldCondition,
    FlagsCondition,
    KeywordsCondition,
    MeasureCondition,
    NotCondition,
    RegexCondition,
    SeverityCondition,
)
from .spec import Decision, Effects, PolicySpec

NO_RULE_MATCHED = "no_rule_matched"
NEEDS_LEADER_REVIEW = "needs_leader_review"
ENGINE_FLAGS = frozenset({NO_RULE_MATCHED, NEEDS_LEADER_REVIEW})


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


def check(spec: PolicySpec) -> list[Problem]:
    names = _Names(spec)
    return [
        *_unique_ids(spec),
        *_declarations(spec, names),
        *_rules(spec, names),
        *_derived(spec, names),
        *_clusters(spec, names),
    ]


def _unique_ids(spec: PolicySpec) -> Iterator[Problem]:
    groups: dict[str, Sequence[str]] = {
        "severity.levels": [level.id for level in spec.severity.levels],
        "categories": [category.id for category in spec.categories],
        "departments": [department.id for department in spec.departments],
        "flags": [flag.id for flag in spec.flags],
        "acceptance.refusal_grounds": [ground.id for ground in spec.acceptance.refusal_grounds],
        "acceptance.transfer_bodies": [body.id for body in spec.acceptance.transfer_bodies],
        "rules": [rule.id for rule in spec.rules],
        "clusters": [cluster.id for cluster in spec.clusters],
    }
    for field, ids in groups.items():
        seen: set[str] = set()
        for index, item in enumerate(ids):
            if item in seen:
                yield Problem(f"{field}[{index}].id", f"duplicate id {item!r}")
            seen.add(item)


class _Names:
    """The declared names, each kind with a check that yields a problem for an unknown one."""

    def __init__(self, spec: PolicySpec) -> None:
        acceptance = spec.acceptance
        self._known: dict[str, Collection[str]] = {
            "severity": [level.id for level in spec.severity.levels],
            "category": {category.id for category in spec.categories},
            "department": {department.id for department in spec.departments},
            "flag": {flag.id for flag in spec.flags} | ENGINE_FLAGS,
            "refusal ground": {ground.id for ground in acceptance.refusal_grounds},
            "transfer body": {body.id for body in acceptance.transfer_bodies},
        }

    def check(self, field: str, kind: str, name: str | None) -> Iterator[Problem]:
        known = self._known[kind]
        if name is not None and name not in known:
            declared = ", ".join(sorted(known)) or "none"
            yield Problem(field, f"unknown {kind} {name!r} (declared: {declared})")

    def check_all(self, field: str, kind: str, names: Sequence[str] | None) -> Iterator[Problem]:
        for index, name in enumerate(names or ()):
            yield from self.check(f"{field}[{index}]", kind, name)


def _declarations(spec: PolicySpec, names: _Names) -> Iterator[Problem]:
    yield from names.check("defaults.severity", "severity", spec.defaults.severity)
    yield from names.check("defaults.category", "category", spec.defaults.category)
    yield from names.check("defaults.department", "department", spec.defaults.department)
    for index, category in enumerate(spec.categories):
        yield from names.check(f"categories[{index}].department", "department", category.department)
    flags = spec.acceptance.leader_review_flags
    yield from names.check_all("acceptance.leader_review_flags", "flag", flags)
    if spec.multiple_departments is not None:
        flag = spec.multiple_departments.flag
        yield from names.check("multiple_departments.flag", "flag", flag)
    yield from _known_paths("acceptance.never_refuse_on", spec.acceptance.never_refuse_on)
    yield from _known_paths("text_fields", spec.text_fields)


def _known_paths(field: str, fields: Sequence[str] | None) -> Iterator[Problem]:
    for index, path in enumerate(fields or ()):
        if path not in paths.SUBMISSION_PATHS:
            yield Problem(f"{field}[{index}]", f"unknown submission field {path!r}")


def _rules(spec: PolicySpec, names: _Names) -> Iterator[Problem]:
    for index, rule in enumerate(spec.rules):
        field = f"rules[{index}]"
        yield from _effects(names, f"{field}.then", rule.then)
        yield from _condition(names, f"{field}.when", rule.when, in_rule=True)
        if rule.unless is not None:
            yield from _condition(names, f"{field}.unless", rule.unless, in_rule=True)
        acceptance = rule.then.acceptance
        if acceptance is not None and acceptance.decision is Decision.REFUSE:
            yield from _refusal_paths(spec, f"{field}.then.acceptance", rule.when)


def _effects(names: _Names, field: str, effects: Effects) -> Iterator[Problem]:
    yield from names.check(f"{field}.severity", "severity", effects.severity)
    yield from names.check(f"{field}.category", "category", effects.category)
    yield from names.check(f"{field}.department", "department", effects.department)
    yield from names.check_all(f"{field}.flags", "flag", effects.flags)
    if effects.acceptance is not None:
        ground, body = effects.acceptance.ground, effects.acceptance.transfer_to
        yield from names.check(f"{field}.acceptance.ground", "refusal ground", ground)
        yield from names.check(f"{field}.acceptance.transfer_to", "transfer body", body)


def _derived(spec: PolicySpec, names: _Names) -> Iterator[Problem]:
    set_elsewhere = {flag for rule in spec.rules for flag in rule.then.flags}
    set_elsewhere |= {flag for cluster in spec.clusters for flag in cluster.then.flags}
    for index, derived in enumerate(spec.derived_flags):
        field = f"derived_flags[{index}]"
        yield from names.check(f"{field}.flag", "flag", derived.flag)
        if derived.flag in set_elsewhere:
            yield Problem(f"{field}.flag", f"{derived.flag!r} is also set by a rule or cluster")
        yield from _condition(names, f"{field}.when", derived.when, in_rule=False)


def _condition(
    names: _Names, field: str, condition: Condition, *, in_rule: bool
) -> Iterator[Problem]:
    match condition:
        case AllCondition(all=children) | AnyCondition(any=children):
            key = "all" if isinstance(condition, AllCondition) else "any"
            for index, child in enumerate(children):
                yield from _condition(names, f"{field}.{key}[{index}]", child, in_rule=in_rule)
        case NotCondition(not_=child):
            yield from _condition(names, f"{field}.not", child, in_rule=in_rule)
        case FlagsCondition(flags=spec):
            for test in ("any", "all", "none"):
                yield from names.check_all(f"{field}.flags.{test}", "flag", getattr(spec, test))
        case SeverityCondition() | CategoryCondition() if in_rule:
            yield Problem(field, "severity and category conditions belong in derived_flags only")
        case SeverityCondition(severity=spec):
            yield from names.check(f"{field}.severity.at_least", "severity", spec.at_least)
            yield from names.check(f"{field}.severity.at_most", "severity", spec.at_most)
        case CategoryCondition(category=categories):
            yield from names.check_all(f"{field}.category", "category", categories)
        case _ if not in_rule:
            yield Problem(field, "derived_flags may test only flags, severity and category")
        case _:
            yield from _text_condition(field, condition)


def _text_condition(field: str, condition: Condition) -> Iterator[Problem]:
    match condition:
        case KeywordsCondition(keywords=spec):
            yield from _known_paths(f"{field}.keywords.fields", spec.fields)
        case RegexCondition(regex=spec):
            yield from _known_paths(f"{field}.regex.fields", spec.fields)
            yield from _compiles(f"{field}.regex.pattern", spec.pattern, group=None)
        case MeasureCondition(measure=spec):
            yield from _known_paths(f"{field}.measure.fields", spec.fields)
            yield from _compiles(f"{field}.measure.pattern", spec.pattern, group="value")
        case FieldCondition(field=spec):
            if spec.path not in paths.SUBMISSION_PATHS:
                yield Problem(f"{field}.field.path", f"unknown submission field {spec.path!r}")
            if spec.matches is not None:
                yield from _compiles(f"{field}.field.matches", spec.matches, group=None)


def _compiles(field: str, pattern: str, *, group: str | None) -> Iterator[Problem]:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        yield Problem(field, f"invalid regular expression: {error}")
        return
    if group is not None and group not in compiled.groupindex:
        yield Problem(field, f"the pattern needs a named group (?P<{group}>...)")


def condition_paths(condition: Condition) -> Iterator[str]:
    """Every submission field a condition reads (a text condition: only fields it names)."""
    match condition:
        case AllCondition(all=children) | AnyCondition(any=children):
            for child in children:
                yield from condition_paths(child)
        case NotCondition(not_=child):
            yield from condition_paths(child)
        case FieldCondition(field=spec):
            yield spec.path
        case KeywordsCondition(keywords=spec) if spec.fields:
            yield from spec.fields
        case RegexCondition(regex=spec) if spec.fields:
            yield from spec.fields
        case MeasureCondition(measure=spec) if spec.fields:
            yield from spec.fields


def _refusal_paths(spec: PolicySpec, field: str, condition: Condition) -> Iterator[Problem]:
    """Anonymity (say) is never a ground for refusal: a refusing rule may not read it."""
    protected = spec.acceptance.never_refuse_on
    for path in condition_paths(condition):
        if any(
            path == p or path.startswith(f"{p}.") or p.startswith(f"{path}.") for p in protected
        ):
            yield Problem(
                field, f"a refusal may not depend on {path!r} (acceptance.never_refuse_on)"
            )


def _clusters(spec: PolicySpec, names: _Names) -> Iterator[Problem]:
    for index, cluster in enumerate(spec.clusters):
        field = f"clusters[{index}]"
        for position, path in enumerate(cluster.key):
            if path in paths.PERSONAL_PATHS:
                message = f"{path!r} is personal data and may not be part of a cluster key"
                yield Problem(f"{field}.key[{position}]", message)
            elif path not in paths.SUBMISSION_PATHS | paths.RESULT_PATHS:
                yield Problem(f"{field}.key[{position}]", f"unknown field {path!r}")
        yield from _from_text(f"{field}.from_text", cluster.key, cluster.from_text)
        yield from names.check_all(f"{field}.categories", "category", cluster.categories)
        yield from names.check(f"{field}.then.severity", "severity", cluster.then.severity)
        yield from names.check_all(f"{field}.then.flags", "flag", cluster.then.flags)


def _from_text(field: str, key: list[str], patterns: dict[str, list[str]]) -> Iterator[Problem]:
    for path, listed in patterns.items():
        if path not in key:
            yield Problem(f"{field}.{path}", f"{path!r} is not part of the cluster's key")
        for position, pattern in enumerate(listed):
            try:
                groups = re.compile(pattern).groupindex
            except re.error as error:
                yield Problem(f"{field}.{path}[{position}]", f"not a regex: {error}")
                continue
            if "value" not in groups:
                yield Problem(f"{field}.{path}[{position}]", "needs a group named value")
