"""Deadlines of one complaint and their outcome, from the notifier's deadline events."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .entries import Entry

Deadline = dict[str, Any]
SCHEDULE_FIELDS = (
    "step",
    "policy_id",
    "clock",
    "severity",
    "started_at",
    "due_at",
    "limit",
    "unit",
    "calendar_id",
)
OPEN_OUTCOMES = frozenset({"open", "breached"})


@dataclass
class DeadlineBook:
    by_id: dict[str, Deadline] = field(default_factory=dict)

    def take(self, entry: Entry) -> None:
        data, kind = entry["data"], entry["event_type"]
        if kind == "DeadlineScheduled":  # a new cycle of the clock starts afresh
            self.by_id[data["deadline_id"]] = {
                "deadline_id": data["deadline_id"],
                **{name: data.get(name) for name in SCHEDULE_FIELDS},
            }
            return
        deadline = self.by_id.setdefault(
            data["deadline_id"], {"deadline_id": data["deadline_id"], "step": data["step"]}
        )
        if kind == "DeadlineMet":
            deadline.update(met_at=data["met_at"], met_due_at=data["due_at"])
            deadline["stopped_by"] = data["stopped_by"]
        elif kind == "DeadlineBreached":
            deadline.update(breached_at=data["breached_at"], breached_due_at=data["due_at"])
        elif kind == "DeadlineRescheduled":
            deadline.update(due_at=data.get("due_at"), rescheduled=data["reason"])
        elif kind == "DeadlineCancelled":
            deadline.update(cancelled_at=entry["at"], cancelled=data["reason"])

    def listed(self) -> list[Deadline]:
        """Every deadline with its outcome, in the order the clocks started."""
        return sorted(
            (with_outcome(deadline) for deadline in self.by_id.values()),
            key=lambda deadline: (_sortable(deadline.get("started_at")), deadline["deadline_id"]),
        )


def with_outcome(deadline: Deadline) -> Deadline:
    """`outcome`: met, cancelled, breached, paused (no due time) or open; `on_time` when known."""
    due = deadline.get("met_due_at") or deadline.get("due_at")
    if deadline.get("met_at") is not None:
        outcome, on_time = "met", due is None or deadline["met_at"] <= due
    elif deadline.get("cancelled_at") is not None:
        outcome, on_time = "cancelled", None
    elif deadline.get("breached_at") is not None:
        outcome, on_time = "breached", False
    elif deadline.get("due_at") is None:
        outcome, on_time = "paused", None
    else:
        outcome, on_time = "open", None
    return {**deadline, "outcome": outcome, "on_time": on_time}


def earliest_open_due(deadlines: list[Deadline]) -> datetime | None:
    """When the complaint is (or becomes) overdue: the first due time of an unmet deadline."""
    dues = [
        deadline.get("due_at") or deadline.get("breached_due_at")
        for deadline in deadlines
        if deadline["outcome"] in OPEN_OUTCOMES
    ]
    known = [due for due in dues if due is not None]
    return min(known) if known else None


def _sortable(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""
