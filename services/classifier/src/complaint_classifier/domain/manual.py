"""Manual override: a person's reclassification replaces the rules' decision and sticks.

The service must never overwrite a manual classification with a later automatic pass
(a replay, a retry, a policy reload): `may_replace` is that guard.
"""

from collections.abc import Sequence
from dataclasses import replace

from .policy import Policy
from .references import ENGINE_FLAGS
from .result import Classification


class ReclassificationError(ValueError):
    """The override names something the policy does not declare."""


def reclassify(
    policy: Policy,
    result: Classification,
    *,
    severity: str,
    decided_by: str,
    reason: str,
    category: str | None = None,
    department: str | None = None,
    flags: Sequence[str] | None = None,
) -> Classification:
    """Apply a person's decision; a field left as None keeps the automatic value, except that
    a new category without a department is routed as the policy routes that category.

    The rule evidence stays, so the record shows what the rules said and who overrode it.
    """
    _check(policy, severity=severity, category=category, department=department, flags=flags)
    if not decided_by.strip() or not reason.strip():
        raise ReclassificationError("a manual classification needs who decided and why")
    rank = policy.rank(severity)
    if department is None and category is not None and category != result.category:
        department = policy.routing.get(category)
    return replace(
        result,
        severity=severity,
        severity_rank=rank,
        category=category or result.category,
        department=department or result.department,
        flags=tuple(sorted(set(flags))) if flags is not None else result.flags,
        upgraded_from=None if rank != result.severity_rank else result.upgraded_from,
        manual=True,
        decided_by=decided_by,
        reason=reason,
    )


def _check(
    policy: Policy,
    *,
    severity: str,
    category: str | None,
    department: str | None,
    flags: Sequence[str] | None,
) -> None:
    spec = policy.spec
    declared = {
        "severity": (severity, set(policy.levels)),
        "category": (category, {item.id for item in spec.categories}),
        "department": (department, {item.id for item in spec.departments}),
    }
    for name, (value, known) in declared.items():
        if value is not None and value not in known:
            raise ReclassificationError(f"unknown {name} {value!r} in policy {policy.id}")
    known_flags = {flag.id for flag in spec.flags} | ENGINE_FLAGS
    unknown = sorted(set(flags or ()) - known_flags)
    if unknown:
        raise ReclassificationError(f"unknown flags {unknown} in policy {policy.id}")


def may_replace(current: Classification | None, candidate: Classification) -> bool:
    """Whether `candidate` may be stored over `current`: never automatic over manual."""
    return current is None or candidate.manual or not current.manual
