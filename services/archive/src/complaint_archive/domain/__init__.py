"""The archive's pure rules: the projection, retention, masking, reports and search terms."""

from .entries import Document, Entry, at_millis, entry_for, event_key, record_of
from .masking import MASK, PERSONAL_FIELDS, masked, visible
from .projection import NotAComplaintEvent, apply, apply_all, fold
from .reports import (
    DIMENSIONS,
    MonthlyRow,
    annual_row,
    monthly_counts,
    on_time_by_step,
    pareto,
    rate,
    share_by_month,
)
from .retention import (
    RetentionFile,
    RetentionPolicies,
    RetentionRule,
    purgeable,
    retain_until,
    retention_of,
)
from .search import (
    SUMMARY_COLUMNS,
    SUMMARY_READS,
    InvalidCursor,
    Position,
    SearchFilters,
    decode_cursor,
    encode_cursor,
    summary,
)
from .status import ENDED, PENDING, PURGED, STATUSES
from .tables import csv_text

__all__ = [
    "DIMENSIONS",
    "ENDED",
    "MASK",
    "PENDING",
    "PERSONAL_FIELDS",
    "PURGED",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "SUMMARY_READS",
    "Document",
    "Entry",
    "InvalidCursor",
    "MonthlyRow",
    "NotAComplaintEvent",
    "Position",
    "RetentionFile",
    "RetentionPolicies",
    "RetentionRule",
    "SearchFilters",
    "annual_row",
    "apply",
    "apply_all",
    "at_millis",
    "csv_text",
    "decode_cursor",
    "encode_cursor",
    "entry_for",
    "event_key",
    "fold",
    "masked",
    "monthly_counts",
    "on_time_by_step",
    "pareto",
    "purgeable",
    "rate",
    "record_of",
    "retain_until",
    "retention_of",
    "share_by_month",
    "summary",
    "visible",
]
