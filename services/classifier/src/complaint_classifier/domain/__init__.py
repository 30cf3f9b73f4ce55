"""The classifier's pure domain: policies as data, the rule engine, clusters, manual overrides.

No I/O here except reading policy files in `loader`.
"""

from .clusters import ClusterKey, Sighting, apply_counts, cluster_keys, count_within, sighting
from .engine import classify
from .loader import PolicyError, load_policies, load_policy, policy_from_bytes
from .manual import ReclassificationError, may_replace, reclassify
from .policy import Policy
from .result import Acceptance, Classification, Decided, Evidence, MatchedRule

__all__ = [
    "Acceptance",
    "Classification",
    "ClusterKey",
    "Decided",
    "Evidence",
    "MatchedRule",
    "Policy",
    "PolicyError",
    "ReclassificationError",
    "Sighting",
    "apply_counts",
    "classify",
    "cluster_keys",
    "count_within",
    "load_policies",
    "load_policy",
    "may_replace",
    "policy_from_bytes",
    "reclassify",
    "sighting",
]
