"""The notifier's records as MongoDB documents and back.

Times are kept as ISO 8601 text with microseconds: BSON dates keep milliseconds only, and the
deterministic notice ids are computed from these times, so a rounded time would give a
different id after a reload. Only the field queried by range (send_at) is a BSON date.
"""

from datetime import datetime, timedelta
from typing import Any

from complaint_events import NoticeKind

from ..domain import (
    Classification,
    ClockState,
    ClockStatus,
    ComplaintEvent,
    Duration,
    PlannedNotice,
    Unit,
)
from ..service_layer.complaint_record import ComplaintRecord, Override

Doc = dict[str, Any]


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def record_to_doc(record: ComplaintRecord) -> Doc:
    return {
        "_id": record.complaint_id,
        "complaint_number": record.complaint_number,
        "source_system": record.source_system,
        "title": record.title,
        "received": record.received,
        "confidential": record.confidential,
        "anonymous": record.anonymous,
        "respondent_department": record.respondent_department,
        "classified": _classification_doc(record.classified),
        "classified_order": _order_doc(record.classified_order),
        "overrides": [_override_doc(item) for item in record.overrides],
        "events": [_event_doc(event) for event in record.events],
        "clocks": [clock_to_doc(state) for state in record.clocks],
        "scheduled": _times_doc(record.scheduled),
        "published": sorted(record.published),
        "outbox": list(record.outbox),
        "adds": [notice_to_doc(notice) for notice in record.adds],
        "drops": _times_doc(record.drops),
    }


def record_from_doc(doc: Doc) -> ComplaintRecord:
    return ComplaintRecord(
        complaint_id=doc["_id"],
        complaint_number=doc.get("complaint_number"),
        source_system=doc.get("source_system"),
        title=doc.get("title"),
        received=doc.get("received", False),
        confidential=doc.get("confidential", False),
        anonymous=doc.get("anonymous", False),
        respondent_department=doc.get("respondent_department"),
        classified=_classification(doc.get("classified")),
        classified_order=_order(doc.get("classified_order")),
        overrides=[_override(item) for item in doc.get("overrides", [])],
        events=[_event(item) for item in doc.get("events", [])],
        clocks=[clock_from_doc(item) for item in doc.get("clocks", [])],
        scheduled=_times(doc.get("scheduled", [])),
        published=set(doc.get("published", [])),
        outbox=list(doc.get("outbox", [])),
        adds=[notice_from_doc(item) for item in doc.get("adds", [])],
        drops=_times(doc.get("drops", [])),
    )


def clock_to_doc(state: ClockState) -> Doc:
    return {
        "complaint_id": state.complaint_id,
        "policy_id": state.policy_id,
        "step": state.step,
        "calendar_id": state.calendar_id,
        "cycle": state.cycle,
        "round": state.round,
        "status": state.status.value,
        "started_at": iso(state.started_at),
        "started_by": state.started_by,
        "limit": [state.limit.amount, state.limit.unit.value] if state.limit else None,
        "due_at": iso(state.due_at),
        "window_us": _micros(state.window),
        "anchor": iso(state.anchor),
        "remaining_us": _micros(state.remaining) if state.remaining is not None else None,
        "ended_at": iso(state.ended_at),
        "ended_by": state.ended_by,
        "unextended_due": iso(state.unextended_due),
    }


def clock_from_doc(doc: Doc) -> ClockState:
    limit = doc["limit"]
    remaining = doc["remaining_us"]
    return ClockState(
        complaint_id=doc["complaint_id"],
        policy_id=doc["policy_id"],
        step=doc["step"],
        calendar_id=doc["calendar_id"],
        cycle=doc["cycle"],
        round=doc["round"],
        status=ClockStatus(doc["status"]),
        started_at=when(doc["started_at"]),
        started_by=doc["started_by"],
        limit=Duration(float(limit[0]), Unit(limit[1])) if limit else None,
        due_at=at(doc["due_at"]),
        window=timedelta(microseconds=doc["window_us"]),
        anchor=when(doc["anchor"]),
        remaining=timedelta(microseconds=remaining) if remaining is not None else None,
        ended_at=at(doc["ended_at"]),
        ended_by=doc["ended_by"],
        unextended_due=at(doc.get("unextended_due")),
    )


def notice_to_doc(notice: PlannedNotice) -> Doc:
    return {
        "notice_id": notice.notice_id,
        "complaint_id": notice.complaint_id,
        "policy_id": notice.policy_id,
        "step": notice.step,
        "kind": notice.kind.value,
        "level": notice.level,
        "round": notice.round,
        "cycle": notice.cycle,
        "send_at": iso(notice.send_at),
        "due_at": iso(notice.due_at),
        "roles": list(notice.roles),
        "department": notice.department,
        "deadline_id": notice.deadline_id,
        "falls_due_at": iso(notice.falls_due_at),
    }


def notice_from_doc(doc: Doc) -> PlannedNotice:
    return PlannedNotice(
        notice_id=doc["notice_id"],
        complaint_id=doc["complaint_id"],
        policy_id=doc["policy_id"],
        step=doc["step"],
        kind=NoticeKind(doc["kind"]),
        level=doc["level"],
        round=doc["round"],
        cycle=doc["cycle"],
        send_at=when(doc["send_at"]),
        due_at=at(doc["due_at"]),
        roles=tuple(doc["roles"]),
        department=doc["department"],
        deadline_id=doc["deadline_id"],
        falls_due_at=at(doc.get("falls_due_at")),
    )


def _times_doc(times: dict[str, datetime]) -> list[Doc]:
    # documents, not pairs: a field name says what each value is
    return [{"id": notice_id, "at": iso(moment)} for notice_id, moment in times.items()]


def _times(docs: list[Doc]) -> dict[str, datetime]:
    return {doc["id"]: when(doc["at"]) for doc in docs}


def _micros(span: timedelta) -> int:
    return span // timedelta(microseconds=1)


def _event_doc(event: ComplaintEvent) -> Doc:
    return {"type": event.event_type, "at": iso(event.at), "step": event.step, "id": event.event_id}


def _event(doc: Doc) -> ComplaintEvent:
    return ComplaintEvent(doc["type"], when(doc["at"]), step=doc["step"], event_id=doc["id"])


def _classification_doc(value: Classification | None) -> Doc | None:
    if value is None:
        return None
    return {
        "policy_id": value.policy_id,
        "severity": value.severity,
        "category": value.category,
        "flags": sorted(value.flags),
        "acceptance": value.acceptance,
        "department": value.department,
    }


def _classification(doc: Doc | None) -> Classification | None:
    if doc is None:
        return None
    return Classification(**{**doc, "flags": frozenset(doc["flags"])})


def _order_doc(order: tuple[datetime, str] | None) -> list[Any] | None:
    return [iso(order[0]), order[1]] if order is not None else None


def _order(doc: list[Any] | None) -> tuple[datetime, str] | None:
    return (when(doc[0]), doc[1]) if doc is not None else None


def _override_doc(item: Override) -> Doc:
    return {
        "order": _order_doc(item.order),
        "severity": item.severity,
        "category": item.category,
        "department": item.department,
        "flags": sorted(item.flags),
    }


def _override(doc: Doc) -> Override:
    order = _order(doc["order"])
    assert order is not None
    return Override(
        order, doc["severity"], doc["category"], doc["department"], frozenset(doc["flags"])
    )
