"""The notifier's use cases, one function each; they see the outside world through ports."""

from .context import Notifier, SendOptions
from .incoming_events import record_batch
from .queries import deadlines_of
from .rules import Rules
from .scheduler import Dispatcher, send_due

__all__ = [
    "Dispatcher",
    "Notifier",
    "Rules",
    "SendOptions",
    "deadlines_of",
    "record_batch",
    "send_due",
]
