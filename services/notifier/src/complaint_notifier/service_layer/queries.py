"""Use case: what the notifier holds of one complaint's deadlines and notices (REST)."""

from typing import Any

from ..domain import ClockState
from .context import Notifier

NUMBER_PREFIX = "TS-"


async def deadlines_of(ctx: Notifier, reference: str) -> dict[str, Any] | None:
    """By complaint id or `TS-` number; None when the notifier has not seen it."""
    complaint_id: str | None = reference
    if reference.startswith(NUMBER_PREFIX):
        complaint_id = await ctx.numbers.complaint_id(reference) if ctx.numbers else None
    record = await ctx.complaints.load(complaint_id) if complaint_id else None
    if record is None or complaint_id is None:
        return None
    notices = []
    for notice_id, send_at in sorted(record.scheduled.items(), key=lambda item: item[1]):
        entry = await ctx.schedule.find(notice_id, send_at)
        notices.append(
            {
                "notice_id": notice_id,
                "send_at": send_at,
                "kind": entry.notice.kind.value if entry else None,
                "step": entry.notice.step if entry else None,
                "level": entry.notice.level if entry else None,
                "status": entry.status.value if entry else "unknown",
            }
        )
    classification = record.classification()
    return {
        "complaint_id": complaint_id,
        "source_system": record.source_system,
        "policy_id": classification.policy_id if classification else None,
        "severity": classification.severity if classification else None,
        "clocks": [_clock(state) for state in record.clocks],
        "notices": notices,
    }


def _clock(state: ClockState) -> dict[str, Any]:
    return {
        "deadline_id": state.deadline_id,
        "step": state.step,
        "status": state.status.value,
        "cycle": state.cycle,
        "round": state.round,
        "started_at": state.started_at,
        "due_at": state.due_at,
        "ended_at": state.ended_at,
        "ended_by": state.ended_by,
        "limit": str(state.limit) if state.limit else None,
    }
