"""The classifier's use cases: classify a received complaint, apply a manual override."""

from .classify import handle_received
from .context import PRODUCER, Classifier, Counters, Publisher, Refused, Store
from .override import handle_reclassified
from .policies import ConfigurationError, PolicyBook
from .records import Current, Outcome, Override, Status, classification_from_payload

__all__ = [
    "PRODUCER",
    "Classifier",
    "ConfigurationError",
    "Counters",
    "Current",
    "Outcome",
    "Override",
    "PolicyBook",
    "Publisher",
    "Refused",
    "Status",
    "Store",
    "classification_from_payload",
    "handle_received",
    "handle_reclassified",
]
