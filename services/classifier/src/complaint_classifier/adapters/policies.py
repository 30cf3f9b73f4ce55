"""The policies the settings name, read and checked once at start-up."""

from ..domain import load_policies
from ..settings import ClassifierSettings
from ..use_cases import ConfigurationError, PolicyBook


def load_book(settings: ClassifierSettings) -> PolicyBook:
    """`PolicyError` (file and field) for a bad policy file, `ConfigurationError` for a
    folder without policies or a setting naming a policy the folder does not hold."""
    policies = load_policies(settings.policies_dir)
    if not policies:
        raise ConfigurationError(
            f"POLICIES_DIR: no <policy-id>/classification.yaml in {settings.policies_dir}"
        )
    return PolicyBook.checked(policies, settings.policy_by_source, settings.default_policy)
