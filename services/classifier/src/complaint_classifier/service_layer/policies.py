"""Which policy applies to a complaint: the one its submission names, else by its source
system, else the default."""

from collections.abc import Mapping
from dataclasses import dataclass

from ..domain import Policy


class ConfigurationError(ValueError):
    """The settings name a policy the policies folder does not hold."""


@dataclass(frozen=True)
class PolicyBook:
    policies: Mapping[str, Policy]
    by_source: Mapping[str, str]
    default: str

    @classmethod
    def checked(
        cls, policies: Mapping[str, Policy], by_source: Mapping[str, str], default: str
    ) -> "PolicyBook":
        """A book whose every configured policy id exists; `ConfigurationError` otherwise."""
        problems = [
            f"routing: source {source!r} maps to unknown policy {policy!r}"
            for source, policy in sorted(by_source.items())
            if policy not in policies
        ]
        if default not in policies:
            problems.append(f"routing: unknown default policy {default!r}")
        if problems:
            known = ", ".join(sorted(policies)) or "none"
            raise ConfigurationError("; ".join(problems) + f" (policies found: {known})")
        return cls(policies, by_source, default)

    def for_source(self, source_system: str) -> Policy:
        return self.policies[self.by_source.get(source_system, self.default)]

    def for_submission(self, source_system: str, policy_id: str | None) -> Policy:
        """The named policy (intake refused unknown names), else routed by source system."""
        return self.policies.get(policy_id or "") or self.for_source(source_system)

    def get(self, policy_id: str | None) -> Policy | None:
        return self.policies.get(policy_id) if policy_id else None
