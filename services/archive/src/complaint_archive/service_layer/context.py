"""What every use case works with, built once at start-up (in `bootstrap.py`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..domain import RetentionPolicies
from ..metrics import ArchiveMetrics
from .ports import Files, Publisher, Queries, Store

PRODUCER = "archive"


@dataclass
class Archive:
    store: Store
    queries: Queries
    files: Files
    publisher: Publisher
    policies: RetentionPolicies
    metrics: ArchiveMetrics
    clock: Callable[[], datetime]
