"""What intake checks a command against: the terms a complaint's policy knows (severity
levels, categories, departments, flags, bodies to transfer to) and its lifecycle steps."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from complaint_events import (
    ComplaintAssigned,
    ComplaintReclassified,
    ComplaintTransferred,
    FieldError,
    LifecycleEvent,
)

from .lifecycle import Steps


@dataclass(frozen=True)
class PolicyTerms:
    policy_id: str
    severities: tuple[str, ...]  # least severe first: the index is the rank
    categories: frozenset[str]
    departments: frozenset[str]
    flags: frozenset[str]
    transfer_bodies: frozenset[str]
    steps: Steps = field(default_factory=Steps)


@dataclass(frozen=True)
class Policies:
    """Every policy intake knows, by id."""

    by_id: Mapping[str, PolicyTerms] = field(default_factory=dict)

    def get(self, policy_id: str | None) -> PolicyTerms | None:
        return self.by_id.get(policy_id) if policy_id else None


def unknown_terms(terms: PolicyTerms, payload: LifecycleEvent) -> list[FieldError]:
    """The fields of a command that name something its complaint's policy does not know."""
    if isinstance(payload, ComplaintReclassified):
        return _reclassification(terms, payload)
    if isinstance(payload, ComplaintAssigned):
        return _one_of(terms, "department", payload.department, terms.departments)
    if isinstance(payload, ComplaintTransferred):
        return _one_of(terms, "to_body", payload.to_body, terms.transfer_bodies)
    return []


def _reclassification(terms: PolicyTerms, payload: ComplaintReclassified) -> list[FieldError]:
    errors = _one_of(terms, "severity", payload.severity, frozenset(terms.severities))
    if not errors and payload.severity_rank is not None:
        rank = terms.severities.index(payload.severity)
        if payload.severity_rank != rank:
            errors.append(_error(terms, "severity_rank", f"is {rank} for {payload.severity}"))
    if payload.category is not None:
        errors += _one_of(terms, "category", payload.category, terms.categories)
    if payload.department is not None:
        errors += _one_of(terms, "department", payload.department, terms.departments)
    for index, flag in enumerate(payload.flags):
        errors += _one_of(terms, f"flags.{index}", flag, terms.flags)
    return errors


def _one_of(terms: PolicyTerms, name: str, value: str, known: frozenset[str]) -> list[FieldError]:
    if value in known:
        return []
    listed = ", ".join(sorted(known)) or "none"
    return [_error(terms, name, f"{value!r} is not in policy {terms.policy_id} (known: {listed})")]


def _error(terms: PolicyTerms, name: str, message: str) -> FieldError:
    return FieldError(field=name, message=message[:2_000], type="not_in_policy")
