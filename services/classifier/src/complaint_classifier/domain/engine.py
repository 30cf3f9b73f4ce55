"""`classify`: run a policy's rules over one submission and settle what they say."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .choice import Choice, Fired, choose
from .evaluate import Context, Outcome
from .policy import Policy
from .references import NEEDS_LEADER_REVIEW, NO_RULE_MATCHED
from .result import Acceptance, Classification, Decided, MatchedRule
from .spec import Rule

MAX_RULE_EVIDENCE = 50


def classify(policy: Policy, submission: Mapping[str, Any]) -> Classification:
    context = Context(submission, policy.keywords, policy.negation)
    present = context.keyword_hits.keys() | context.triggered.keys()
    fired: list[Fired] = []
    for rule in policy.rules:
        if rule.gate is not None and rule.gate.isdisjoint(present):
            continue  # none of the words or literals it needs occurs
        outcome = rule.evaluate(context)
        if outcome is not None and not (rule.unless is not None and rule.unless(context)):
            fired.append(Fired(rule.spec, _matched(rule.spec, outcome)))
            context.flags.update(rule.spec.then.flags)
    return _decide(policy, fired, context.flags)


def _matched(rule: Rule, outcome: Outcome) -> MatchedRule:
    return MatchedRule(
        rule_id=rule.id,
        description=rule.description,
        confidence=round(float(rule.confidence) * outcome.factor, 3),
        evidence=outcome.evidence[:MAX_RULE_EVIDENCE],
    )


def _decide(policy: Policy, fired: Sequence[Fired], flags: set[str]) -> Classification:
    defaults = policy.spec.defaults
    rank = _severity_rank(policy, fired)
    choices = {effect: choose(fired, effect) for effect in _CHOSEN}
    category_rule = _rule(choices["category"])
    category = category_rule.then.category if category_rule else None
    category = category or defaults.category
    department_rule = _rule(choices["department"])
    department = (
        (department_rule.then.department if department_rule else None)
        or policy.routing.get(category)
        or defaults.department
    )
    unmatched = all(item.rule.context for item in fired)
    flags = set(flags)
    if unmatched:
        flags.add(NO_RULE_MATCHED)
    several = policy.spec.multiple_departments
    if several is not None and _departments_involved(policy, fired) >= several.at_least:
        flags.add(several.flag)
    review = any(item.rule.then.needs_leader_review for item in fired)
    settled, review = settle_flags(policy, flags, rank=rank, category=category, review=review)
    return Classification(
        policy_id=policy.id,
        policy_version=policy.version,
        severity=policy.levels[rank],
        severity_rank=rank,
        category=category,
        department=department,
        flags=settled,
        acceptance=_acceptance(policy, _rule(choices["acceptance"]), review),
        matched_rules=tuple(item.matched for item in fired),
        decisions=_explained(choices),
        unmatched=unmatched,
    )


def _severity_rank(policy: Policy, fired: Sequence[Fired]) -> int:
    """The worst severity named, except that a pin holds against lower-priority rules."""
    setting = [item.rule for item in fired if item.rule.then.severity is not None]
    setting.sort(key=lambda rule: -rule.priority)  # stable: file order within a priority
    rank: int | None = None
    for rule in setting:
        level = policy.rank(rule.then.severity or "")
        rank = level if rank is None else max(rank, level)
        if rule.then.pin_severity:
            break
    return policy.rank(policy.spec.defaults.severity) if rank is None else rank


_CHOSEN = ("category", "department", "acceptance")


def _rule(choice: Choice | None) -> Rule | None:
    return choice.winner.rule if choice is not None else None


def _explained(choices: Mapping[str, Choice | None]) -> tuple[Decided, ...]:
    """Which rule decided each effect that several rules named, and why."""
    return tuple(
        Decided(effect, choice.winner.rule.id, choice.why()[:2000])
        for effect, choice in choices.items()
        if choice and choice.contested
    )


def _departments_involved(policy: Policy, fired: Iterable[Fired]) -> int:
    categories = {item.rule.then.category for item in fired if item.rule.then.category}
    return len({policy.routing.get(category) for category in categories} - {None})


def _acceptance(policy: Policy, rule: Rule | None, review: bool) -> Acceptance:
    effect = rule.then.acceptance if rule else None
    if effect is None:
        return Acceptance(decision=policy.spec.acceptance.default.value, needs_leader_review=review)
    return Acceptance(
        decision=effect.decision.value,
        ground=effect.ground,
        transfer_to=effect.transfer_to,
        needs_leader_review=review,
    )


def settle_flags(
    policy: Policy, flags: set[str], *, rank: int, category: str, review: bool
) -> tuple[tuple[str, ...], bool]:
    """Leader review and derived flags, recomputed from the flags rules and clusters set."""
    leader_flags = set(policy.spec.acceptance.leader_review_flags)
    state = Context.of_result(set(flags) - policy.derived_flag_ids, rank, category)
    for flag, condition in policy.derived:
        if condition(state) is not None:
            state.flags.add(flag)
    review = review or bool(state.flags & leader_flags)
    if review:
        state.flags.add(NEEDS_LEADER_REVIEW)
    return tuple(sorted(state.flags)), review
