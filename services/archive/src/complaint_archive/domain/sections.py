"""The parts of a complaint document that events fill in, one handler per event type.

Handlers run over the complaint's entries in their total order (see `render`), so each one
may assume every earlier event has been seen. They never change an entry: entries are shared
with the document's timeline.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from complaint_events import (
    AttachmentStored,
    CapaVerified,
    ClockPaused,
    ClockResumed,
    ComplainantContacted,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClassified,
    ComplaintClosed,
    ComplaintReclassified,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintTransferred,
    ComplaintWithdrawn,
    DeadlineBreached,
    DeadlineCancelled,
    DeadlineMet,
    DeadlineRescheduled,
    DeadlineScheduled,
    LegalHoldReleased,
    LegalHoldSet,
    NoticeFailed,
    NoticeSent,
    ReplyAccepted,
    ReplyRejected,
    ReplySent,
    RetentionPurged,
    SubmissionRejected,
)

from .deadlines import DeadlineBook
from .entries import Entry
from .status import ENDED, next_status, proposed_status

Section = dict[str, Any]


@dataclass
class Sections:
    status: str | None = None
    status_at: datetime | None = None
    classification: Section | None = None
    classifications: list[Section] = field(default_factory=list)
    assignment: Section | None = None
    acknowledgement: Section | None = None
    contacts: list[Section] = field(default_factory=list)
    replies: list[Section] = field(default_factory=list)
    resolution: Section | None = None
    capa: list[Section] = field(default_factory=list)
    closure: Section | None = None
    reopenings: list[Section] = field(default_factory=list)
    transfer: Section | None = None
    withdrawal: Section | None = None
    legal_hold: Section = field(default_factory=lambda: {"active": False})
    clock: list[Section] = field(default_factory=list)
    deadlines: DeadlineBook = field(default_factory=DeadlineBook)
    notices: list[Section] = field(default_factory=list)
    attachments: list[Section] = field(default_factory=list)
    rejections: list[Section] = field(default_factory=list)
    purge_candidates: list[Section] = field(default_factory=list)
    purge_refused: list[Section] = field(default_factory=list)
    last_hold_key: str = ""

    def take(self, entry: Entry) -> None:
        wanted = proposed_status(entry["event_type"], entry["data"])
        status = next_status(self.status, wanted)
        if wanted is not None and status == wanted:
            self.status, self.status_at = status, entry["at"]
        handler = HANDLERS.get(entry["event_type"])
        if handler is not None:
            handler(self, entry)


def stamped(entry: Entry, *fields: str) -> Section:
    """The named payload fields with who did it, the note and when."""
    data = entry["data"]
    section = {name: data.get(name) for name in fields}
    section.update(actor=data.get("actor"), note=data.get("note"), at=entry["at"])
    return section


def _classified(book: Sections, entry: Entry) -> None:
    data = entry["data"]
    book.classification = {**data, "at": entry["at"], "event_id": entry["event_id"]}
    book.classifications.append(_classification_summary(book.classification))
    acceptance = data["acceptance"]
    if acceptance["decision"] == "transfer":
        book.transfer = {
            "to_body": acceptance.get("transfer_to"),
            "reason": acceptance.get("ground"),
            "actor": data.get("decided_by"),
            "note": None,
            "at": entry["at"],
        }


def _reclassified(book: Sections, entry: Entry) -> None:
    """A manual override replaces the classification as a whole; the policy stays."""
    data = entry["data"]
    policy = book.classification.get("policy_id") if book.classification else None
    book.classification = {
        "policy_id": policy,
        "severity": data["severity"],
        "severity_rank": data.get("severity_rank"),
        "category": data.get("category"),
        "department": data.get("department"),
        "flags": data.get("flags", []),
        "manual": True,
        "decided_by": data.get("actor"),
        "reason": data.get("reason"),
        "at": entry["at"],
        "event_id": entry["event_id"],
    }
    book.classifications.append(_classification_summary(book.classification))


def _classification_summary(classification: Section) -> Section:
    names = ("policy_id", "severity", "category", "department", "manual", "at", "event_id")
    return {name: classification.get(name) for name in names}


def _assigned(book: Sections, entry: Entry) -> None:
    book.assignment = stamped(entry, "department", "handler")


def _acknowledged(book: Sections, entry: Entry) -> None:
    book.acknowledgement = stamped(entry)


def _contacted(book: Sections, entry: Entry) -> None:
    book.contacts.append(stamped(entry, "method", "site_visit"))


def _reply_sent(book: Sections, entry: Entry) -> None:
    book.replies.append({**stamped(entry, "content", "approved_by"), "verdict": None})


def _reply_verdict(book: Sections, entry: Entry) -> None:
    """The complainant's answer to the latest reply (recorded even if no reply is archived)."""
    accepted = entry["event_type"] == "ReplyAccepted"
    verdict = {**stamped(entry, "satisfaction", "reason"), "accepted": accepted}
    if not book.replies:
        book.replies.append({"at": None, "content": None, "verdict": None})
    book.replies[-1] = {**book.replies[-1], "verdict": verdict}


def _resolved(book: Sections, entry: Entry) -> None:
    book.resolution = stamped(entry, "responsibility", "disposition", "cause", "actions")


def _capa(book: Sections, entry: Entry) -> None:
    book.capa.append(stamped(entry, "round", "effective", "verified_at"))


def _closed(book: Sections, entry: Entry) -> None:
    book.closure = stamped(entry, "outcome")


def _reopened(book: Sections, entry: Entry) -> None:
    book.reopenings.append(stamped(entry, "reason"))


def _transferred(book: Sections, entry: Entry) -> None:
    book.transfer = stamped(entry, "to_body", "reason")


def _withdrawn(book: Sections, entry: Entry) -> None:
    book.withdrawal = stamped(entry, "reason")


def _clock(book: Sections, entry: Entry) -> None:
    paused = entry["event_type"] == "ClockPaused"
    book.clock.append({**stamped(entry, "step", "reason"), "paused": paused})


def _legal_hold(book: Sections, entry: Entry) -> None:
    held = entry["event_type"] == "LegalHoldSet"
    book.legal_hold = {**stamped(entry, "reason"), "active": held}
    if held:
        book.last_hold_key = entry["key"]


def _notice(book: Sections, entry: Entry) -> None:
    sent = entry["event_type"] == "NoticeSent"
    book.notices.append({**entry["data"], "sent": sent, "at": entry["at"]})


def _attachment(book: Sections, entry: Entry) -> None:
    book.attachments = [
        stored
        for stored in book.attachments
        if stored["attachment_id"] != entry["data"]["attachment_id"]
    ]
    book.attachments.append({**entry["data"], "at": entry["at"]})


def _rejected(book: Sections, entry: Entry) -> None:
    book.rejections.append({**entry["data"], "at": entry["at"]})


def _purged(book: Sections, entry: Entry) -> None:
    """A purge decided while the complaint was held or open is refused (see `settled_purge`)."""
    purge = {**entry["data"], "at": entry["at"], "event_id": entry["event_id"]}
    if book.legal_hold["active"]:
        book.purge_refused.append({**purge, "refused": "legal_hold"})
    elif book.status is not None and book.status not in ENDED:
        # (No status at all: the history is gone, as when a purged complaint is rebuilt.)
        book.purge_refused.append({**purge, "refused": "not_ended"})
    else:
        book.purge_candidates.append({**purge, "key": entry["key"]})


def settled_purge(book: Sections) -> Section | None:
    """The purge that takes effect: the first one decided with no legal hold set after it (a
    hold set between the decision and its execution stops it); the others are refused."""
    effective = None
    for candidate in book.purge_candidates:
        if effective is None and candidate["key"] > book.last_hold_key:
            effective = candidate
        elif effective is None:
            refused = {name: value for name, value in candidate.items() if name != "key"}
            book.purge_refused.append({**refused, "refused": "legal_hold_after"})
    return effective


def _deadline(book: Sections, entry: Entry) -> None:
    book.deadlines.take(entry)


HANDLERS: dict[str, Callable[[Sections, Entry], None]] = {
    ComplaintClassified.event_type: _classified,
    ComplaintReclassified.event_type: _reclassified,
    ComplaintAssigned.event_type: _assigned,
    ComplaintAcknowledged.event_type: _acknowledged,
    ComplainantContacted.event_type: _contacted,
    ReplySent.event_type: _reply_sent,
    ReplyAccepted.event_type: _reply_verdict,
    ReplyRejected.event_type: _reply_verdict,
    ComplaintResolved.event_type: _resolved,
    CapaVerified.event_type: _capa,
    ComplaintClosed.event_type: _closed,
    ComplaintReopened.event_type: _reopened,
    ComplaintTransferred.event_type: _transferred,
    ComplaintWithdrawn.event_type: _withdrawn,
    ClockPaused.event_type: _clock,
    ClockResumed.event_type: _clock,
    LegalHoldSet.event_type: _legal_hold,
    LegalHoldReleased.event_type: _legal_hold,
    DeadlineScheduled.event_type: _deadline,
    DeadlineMet.event_type: _deadline,
    DeadlineBreached.event_type: _deadline,
    DeadlineRescheduled.event_type: _deadline,
    DeadlineCancelled.event_type: _deadline,
    NoticeSent.event_type: _notice,
    NoticeFailed.event_type: _notice,
    AttachmentStored.event_type: _attachment,
    SubmissionRejected.event_type: _rejected,
    RetentionPurged.event_type: _purged,
}
