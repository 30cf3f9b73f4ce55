"""Intake's use cases, one function each; they see storage and Kafka only through the ports."""

from .commands import (
    Contended,
    KeyReused,
    Outcome,
    PolicyRefusal,
    answered_once,
    lifecycle_event,
    take_classifications,
)
from .context import Intake
from .ports import (
    Answer,
    Classification,
    CommandKeys,
    ComplaintRecord,
    KeptAnswer,
    Numbers,
    Pending,
    Publisher,
    Standing,
    States,
    Store,
)
from .submissions import receive

__all__ = [
    "Answer",
    "Classification",
    "CommandKeys",
    "ComplaintRecord",
    "Contended",
    "Intake",
    "KeptAnswer",
    "KeyReused",
    "Numbers",
    "Outcome",
    "Pending",
    "PolicyRefusal",
    "Publisher",
    "Standing",
    "States",
    "Store",
    "answered_once",
    "lifecycle_event",
    "receive",
    "take_classifications",
]
