"""The complaint's status, moved by lifecycle events (DOMAIN §5).

Along the main path a status never moves backwards (a late acknowledgement after the reply
does not undo the reply); an ended complaint (closed, withdrawn, transferred, refused) stays
ended until it is reopened or formally closed.
"""

from typing import Any

PENDING = "pending"  # events arrived, but none that sets a status yet
PURGED = "purged"
ENDED = frozenset({"closed", "withdrawn", "transferred", "refused"})
STATUSES = (
    PENDING,
    "received",
    "accepted",
    "reopened",
    "assigned",
    "acknowledged",
    "contacted",
    "reply_sent",
    "reply_rejected",
    "reply_accepted",
    "resolved",
    "capa_verified",
    *sorted(ENDED),
    PURGED,
)

STEP = {
    "received": 0,
    "accepted": 1,
    "reopened": 1,
    "assigned": 2,
    "acknowledged": 3,
    "contacted": 4,
    "reply_sent": 5,
    "reply_rejected": 5,  # the same step again: the complaint is handled anew
    "reply_accepted": 6,
    "resolved": 7,
    "capa_verified": 8,
}

STATUS_OF_EVENT = {
    "ComplaintReceived": "received",
    "ComplaintAssigned": "assigned",
    "ComplaintAcknowledged": "acknowledged",
    "ComplainantContacted": "contacted",
    "ReplySent": "reply_sent",
    "ReplyAccepted": "reply_accepted",
    "ReplyRejected": "reply_rejected",
    "ComplaintResolved": "resolved",
    "CapaVerified": "capa_verified",
    "ComplaintClosed": "closed",
    "ComplaintReopened": "reopened",
    "ComplaintTransferred": "transferred",
    "ComplaintWithdrawn": "withdrawn",
}
ACCEPTANCE_STATUS = {"accept": "accepted", "transfer": "transferred", "refuse": "refused"}


def proposed_status(event_type: str, data: dict[str, Any]) -> str | None:
    """The status an event asks for, or None when it does not move the lifecycle."""
    if event_type == "ComplaintClassified":
        return ACCEPTANCE_STATUS[data["acceptance"]["decision"]]
    return STATUS_OF_EVENT.get(event_type)


def next_status(current: str | None, proposed: str | None) -> str | None:
    if proposed is None or current is None:
        return proposed or current
    if current in ENDED:
        return proposed if proposed in {"closed", "reopened"} else current
    if proposed in ENDED or proposed == "reopened":
        return proposed
    return proposed if STEP[proposed] >= STEP[current] else current
