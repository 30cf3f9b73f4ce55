"""Repeats and clusters as pure functions; the service keeps the sightings.

The service calls `cluster_keys` after `classify`. Each key names a problem (`problem`: policy,
cluster and the key's values, no time in it) and a rolling window ending at this complaint's
receipt: [`since`, `until`], both ends included. The service stores one `Sighting` per
(problem, complaint), inserted once whoever races or redelivers, reads the sightings of the
problem received within the window and hands `count_within` of them to `apply_counts`. The
count depends only on what is stored and on receipt times, never on the order of arrival, so
replays, redelivery and several replicas give the same answer.
"""

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from . import paths
from .engine import settle_flags
from .policy import Policy
from .result import Classification, Evidence, MatchedRule
from .spec import Cluster, ClusterKind


@dataclass(frozen=True, slots=True)
class ClusterKey:
    cluster_id: str
    kind: str  # repeat | group | incident
    threshold: int
    member: str | None  # an opaque digest of the complainant when complainants are counted
    parts: tuple[tuple[str, str], ...]  # (path, value) the key was built from; no personal data
    problem: str  # the problem counted, without any time: policy, cluster, digest
    since: datetime  # the rolling window: received at or after this
    until: datetime  # ... and at or before this (this complaint's receipt)
    counted: str  # what one sighting counts: the complaint, or the complainant's digest

    def within(self, received_at: datetime) -> bool:
        return self.since <= _aware(received_at) <= self.until

    @property
    def expires_at(self) -> datetime:
        """After this, no later complaint's window reaches this complaint's sighting."""
        return self.until + (self.until - self.since)


@dataclass(frozen=True, slots=True)
class Sighting:
    """One complaint counted under a problem, as the service stores it."""

    problem: str
    complaint_id: str
    counted: str  # the complaint id, or the complainant's digest
    received_at: datetime


def sighting(key: ClusterKey, complaint_id: str) -> Sighting:
    """What to store for this complaint under `key` (unique per problem and complaint)."""
    return Sighting(key.problem, complaint_id, key.counted, key.until)


def count_within(key: ClusterKey, sightings: Iterable[Sighting]) -> int:
    """Distinct complaints (or complainants) of the problem received within the window,
    this complaint included whether or not its own sighting is among them."""
    counted = {
        item.counted
        for item in sightings
        if item.problem == key.problem and key.within(item.received_at)
    }
    counted.add(key.counted)
    return len(counted)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def cluster_keys(
    policy: Policy,
    submission: Mapping[str, Any],
    result: Classification,
    *,
    complaint_id: str,
    at: datetime,
) -> list[ClusterKey]:
    """The counters this complaint adds to (none for a cluster whose key fields are missing)."""
    keys = []
    for cluster in policy.clusters:
        if cluster.categories is not None and result.category not in cluster.categories:
            continue
        parts = _parts(cluster, submission, result, policy.spec.text_fields)
        if parts is not None:
            keys.append(_key(policy, cluster, parts, submission, complaint_id, at))
    return keys


def _parts(
    cluster: Cluster,
    submission: Mapping[str, Any],
    result: Classification,
    text_fields: Iterable[str],
) -> tuple[tuple[str, str], ...] | None:
    parts = []
    for path in cluster.key:
        if path in paths.RESULT_PATHS:
            value: Any = getattr(result, path)
        else:
            value = paths.resolve(submission, paths.split(path))
        if not paths.is_present(value):
            value = from_text(cluster.from_text.get(path, ()), submission, text_fields)
        if not paths.is_present(value):
            return None
        parts.append((path, _canonical(value)))
    return tuple(parts)


def from_text(
    patterns: Iterable[str], submission: Mapping[str, Any], text_fields: Iterable[str]
) -> str | None:
    """A key value the text names (a product, a batch): the `value` group of the first
    pattern that matches, in the order the patterns and the text fields are listed."""
    texts = [paths.resolve(submission, paths.split(field)) for field in text_fields]
    for pattern in patterns:
        for text in texts:
            found = _compiled(pattern).search(str(text)) if text else None
            if found is not None and found.groupdict().get("value"):
                return found.group("value")
    return None


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern, re.IGNORECASE)
    return compiled


def _canonical(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "|".join(sorted(_canonical(item) for item in value))
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.casefold().split())


def _key(
    policy: Policy,
    cluster: Cluster,
    parts: tuple[tuple[str, str], ...],
    submission: Mapping[str, Any],
    complaint_id: str,
    at: datetime,
) -> ClusterKey:
    window = timedelta(days=cluster.window_days)
    moment = _aware(at)
    problem = _digest(policy.id, cluster.id, *(value for _, value in parts))
    counts_people = cluster.count == "complainants"
    member = _member(policy, submission, complaint_id) if counts_people else None
    return ClusterKey(
        cluster_id=cluster.id,
        kind=cluster.kind.value,
        threshold=cluster.threshold,
        member=member,
        parts=parts,
        problem=f"{policy.id}:{cluster.id}:{problem}",
        since=moment - window,
        until=moment,
        counted=member or complaint_id,
    )


def _member(policy: Policy, submission: Mapping[str, Any], complaint_id: str) -> str:
    """Who complains, as a digest: the same person twice counts once; never readable."""
    complainant = submission.get("complainant") or {}
    for field in ("phone", "email"):
        if complainant.get(field):
            return _digest(policy.id, field, _canonical(complainant[field]))
    if complainant.get("name") and complainant.get("address"):
        return _digest(policy.id, "name", _canonical(complainant["name"]), complainant["address"])
    return _digest(policy.id, "complaint", complaint_id)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def apply_counts(
    policy: Policy, result: Classification, counts: Mapping[ClusterKey, int]
) -> Classification:
    """Upgrades and flags from the observed counts (this complaint included); a manual
    classification is returned unchanged."""
    if result.manual:
        return result
    clusters = {cluster.id: cluster for cluster in policy.clusters}
    base = rank = result.severity_rank
    flags = set(result.flags)
    repeat_count, group_size = result.repeat_count, result.group_size
    fired: list[MatchedRule] = []
    for key, count in counts.items():
        cluster = clusters[key.cluster_id]
        if cluster.kind is ClusterKind.REPEAT:
            repeat_count = max(repeat_count, count - 1)
        elif cluster.kind is ClusterKind.GROUP and count > 0:
            group_size = max(group_size or 0, count)
        if count >= cluster.threshold:
            rank = max(rank, _raised(policy, cluster, base))
            flags.update(cluster.then.flags)
            fired.append(_explain(cluster, key, count))
    settled, review = settle_flags(
        policy,
        flags,
        rank=rank,
        category=result.category,
        review=result.acceptance.needs_leader_review,
    )
    return replace(
        result,
        severity=policy.levels[rank],
        severity_rank=rank,
        flags=settled,
        acceptance=replace(result.acceptance, needs_leader_review=review),
        matched_rules=result.matched_rules + tuple(fired),
        repeat_count=repeat_count,
        group_size=group_size,
        upgraded_from=result.severity if rank != base else result.upgraded_from,
    )


def _raised(policy: Policy, cluster: Cluster, base: int) -> int:
    worst = len(policy.levels) - 1
    raised = min(worst, base + cluster.then.upgrade_levels)
    if cluster.then.severity is not None:
        raised = max(raised, policy.rank(cluster.then.severity))
    return raised


def _explain(cluster: Cluster, key: ClusterKey, count: int) -> MatchedRule:
    evidence = tuple(Evidence(field=path, value=value[:200]) for path, value in key.parts)
    unit = "complainants" if key.member is not None else "complaints"
    return MatchedRule(
        rule_id=f"cluster:{cluster.id}",
        description=f"{count} {unit} within {cluster.window_days} days "
        f"(threshold {cluster.threshold})",
        confidence=1.0,
        evidence=(*evidence, Evidence(field="count", value=str(count))),
    )
