"""The policies and their routing, read and checked once at start-up."""

from ..domain import load_policies
from ..service_layer import ConfigurationError, PolicyBook
from ..settings import ClassifierSettings
from .routing import load_routing


def load_book(settings: ClassifierSettings) -> PolicyBook:
    """`PolicyError` (file and field) for a bad policy file, `ConfigurationError` for a
    folder without policies or a setting naming a policy the folder does not hold."""
    policies = load_policies(settings.policies_dir)
    if not policies:
        raise ConfigurationError(
            f"POLICIES_DIR: no <policy-id>/classification.yaml in {settings.policies_dir}"
        )
    routing = load_routing(settings.policies_dir)
    default = settings.default_policy or (routing.default if routing else None)
    if default is None:
        raise ConfigurationError(
            f"no policy for unrouted complaints: add {settings.policies_dir}/routing.yaml "
            "(default, sources) or set CLASSIFIER_DEFAULT_POLICY"
        )
    by_source = {**(routing.sources if routing else {}), **settings.policy_by_source}
    return PolicyBook.checked(policies, by_source, default)
