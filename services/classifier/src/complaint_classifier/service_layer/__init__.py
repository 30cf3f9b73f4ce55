"""The classifier's use cases: classify received complaints, apply manual overrides."""

from .batch import Handled, handle, handle_batch
from .context import PRODUCER, Classifier, Counters, Publisher, Refused, Store
from .policies import ConfigurationError, PolicyBook
from .records import Current, Outcome, Override, Status, classification_from_payload

__all__ = [
    "PRODUCER",
    "Classifier",
    "ConfigurationError",
    "Counters",
    "Current",
    "Handled",
    "Outcome",
    "Override",
    "PolicyBook",
    "Publisher",
    "Refused",
    "Status",
    "Store",
    "classification_from_payload",
    "handle",
    "handle_batch",
]
