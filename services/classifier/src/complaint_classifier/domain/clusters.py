"""Repeats and clusters as pure functions; the service keeps the counters.

The service calls `cluster_keys` after `classify`, counts each key atomically (an upsert that
increments `count`, or adds `member` to a set when the cluster counts complainants), then hands
the counts, this complaint included, to `apply_counts`.

Windows are fixed buckets of `window_days` counted from 1970-01-01 UTC, so a counter is one
document per key and an atomic upsert is enough; a burst that straddles two buckets is counted
in both halves separately (a documented simplification of "within 30 days").
"""

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from . import paths
from .engine import settle_flags
from .policy import Policy
from .result import Classification, Evidence, MatchedRule
from .spec import Cluster, ClusterKind

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ClusterKey:
    cluster_id: str
    kind: str  # repeat | group | incident
    key: str  # the counter's id: policy, cluster, window and a digest of the parts
    window_start: datetime
    window_end: datetime  # the counter may expire after this
    threshold: int
    member: str | None  # an opaque digest of the complainant when complainants are counted
    parts: tuple[tuple[str, str], ...]  # (path, value) the key was built from; no personal data


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
        parts = _parts(cluster, submission, result)
        if parts is not None:
            keys.append(_key(policy, cluster, parts, submission, complaint_id, at))
    return keys


def _parts(
    cluster: Cluster, submission: Mapping[str, Any], result: Classification
) -> tuple[tuple[str, str], ...] | None:
    parts = []
    for path in cluster.key:
        if path in paths.RESULT_PATHS:
            value: Any = getattr(result, path)
        else:
            value = paths.resolve(submission, paths.split(path))
        if not paths.is_present(value):
            return None
        parts.append((path, _canonical(value)))
    return tuple(parts)


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
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    start = _EPOCH + ((moment - _EPOCH) // window) * window
    digest = _digest(policy.id, cluster.id, start.isoformat(), *(value for _, value in parts))
    counts_people = cluster.count == "complainants"
    return ClusterKey(
        cluster_id=cluster.id,
        kind=cluster.kind.value,
        key=f"{policy.id}:{cluster.id}:{start:%Y%m%d}:{digest}",
        window_start=start,
        window_end=start + window,
        threshold=cluster.threshold,
        member=_member(policy, submission, complaint_id) if counts_people else None,
        parts=parts,
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
