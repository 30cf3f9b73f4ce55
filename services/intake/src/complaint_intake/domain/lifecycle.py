"""The complaint's lifecycle as one state machine (DOMAIN §5): its states, the commands each
state allows and the state each command leads to. Policies add steps a command needs first.

received → (classified) accepted | transferred | refused → assigned → acknowledged → contacted
→ replied → reply accepted (or rejected → handled anew) → resolved → CAPA verified → closed;
withdrawn, transferred and closed end it until it is reopened. A main-path step never goes
back (an acknowledgement after the reply is refused); nothing ended is ended again.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"
    REFUSED = "refused"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    CONTACTED = "contacted"
    REPLIED = "replied"
    REPLY_REJECTED = "reply_rejected"
    REPLY_ACCEPTED = "reply_accepted"
    RESOLVED = "resolved"
    CAPA_VERIFIED = "capa_verified"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    REOPENED = "reopened"


ENDED = frozenset({State.CLOSED, State.TRANSFERRED, State.REFUSED, State.WITHDRAWN})

LEADS_TO: Mapping[str, State] = {
    "assign": State.ASSIGNED,
    "acknowledge": State.ACKNOWLEDGED,
    "contact": State.CONTACTED,
    "reply": State.REPLIED,
    "accept_reply": State.REPLY_ACCEPTED,
    "reject_reply": State.REPLY_REJECTED,
    "resolve": State.RESOLVED,
    "verify_capa": State.CAPA_VERIFIED,
    "close": State.CLOSED,
    "reopen": State.REOPENED,
    "transfer": State.TRANSFERRED,
    "withdraw": State.WITHDRAWN,
}
"""The commands that move a complaint; the others leave its state as it is."""

ON_OPEN = frozenset({"reclassify", "pause_clock", "resume_clock"})
"""Allowed in every state of a classified complaint that has not ended."""
ALWAYS = frozenset({"set_legal_hold", "release_legal_hold"})
"""Allowed in every state: a hold outlives the complaint's handling."""

_HANDLING = frozenset(
    {"assign", "acknowledge", "contact", "reply", "resolve", "close", "transfer", "withdraw"}
)
_AFTER_ACKNOWLEDGED = _HANDLING - {"acknowledge"}
MOVES: Mapping[State, frozenset[str]] = {
    State.RECEIVED: frozenset({"withdraw"}),
    State.ACCEPTED: _HANDLING,
    State.REOPENED: _HANDLING,
    State.ASSIGNED: _HANDLING,
    State.ACKNOWLEDGED: _AFTER_ACKNOWLEDGED,
    State.CONTACTED: _AFTER_ACKNOWLEDGED,
    State.REPLIED: frozenset({"reply", "accept_reply", "reject_reply", "resolve", "close"}),
    State.REPLY_REJECTED: _AFTER_ACKNOWLEDGED - {"close"},
    State.REPLY_ACCEPTED: frozenset({"resolve", "close"}),
    State.RESOLVED: frozenset({"verify_capa", "close"}),
    State.CAPA_VERIFIED: frozenset({"verify_capa", "close"}),
    State.CLOSED: frozenset({"reopen"}),
    State.TRANSFERRED: frozenset({"reopen"}),
    State.REFUSED: frozenset({"reopen"}),
    State.WITHDRAWN: frozenset({"reopen"}),
}
"""The one definition of the order: the commands each state allows."""

ACCEPTANCE: Mapping[str, State] = {
    "accept": State.ACCEPTED,
    "transfer": State.TRANSFERRED,
    "refuse": State.REFUSED,
}
"""The state the classifier's acceptance decision puts a received complaint in."""

APPROVAL = "approval"
"""The step a reply needs when the policy or the classification asks for approval; a reply
shows it by naming who approved it (`approved_by`)."""


@dataclass(frozen=True)
class Steps:
    """A policy's additions to the order: each command → the commands it needs first (since
    the complaint was accepted or last reopened), and whether every reply needs approval."""

    requires: Mapping[str, frozenset[str]] = field(default_factory=dict)
    reply_needs_approval: bool = False


@dataclass(frozen=True)
class Position:
    """Where a complaint stands: its state, the commands done since it was (re)opened, and
    whether its classification asks for approval before the reply."""

    state: State = State.RECEIVED
    done: frozenset[str] = frozenset()
    needs_approval: bool = False


@dataclass(frozen=True)
class NotAllowed:
    """A command the lifecycle does not allow now."""

    command: str
    state: State
    allowed: tuple[str, ...]
    missing: tuple[str, ...] = ()

    @property
    def detail(self) -> str:
        allowed = ", ".join(self.allowed) or "none"
        needs = f" (it needs {', '.join(self.missing)} first)" if self.missing else ""
        return (
            f"{self.command} is not allowed while the complaint is {self.state}{needs};"
            f" allowed now: {allowed}"
        )


def allowed(position: Position, steps: Steps) -> tuple[str, ...]:
    """Every command the complaint takes now, in a stable order."""
    ended = position.state in ENDED or position.state is State.RECEIVED
    side = ALWAYS if ended else ALWAYS | ON_OPEN
    return tuple(
        sorted(
            command
            for command in MOVES[position.state] | side
            if not _missing(command, position, steps)
        )
    )


def check(
    position: Position, command: str, steps: Steps, *, approved: bool = False
) -> NotAllowed | None:
    """None when `command` may be recorded now; why not otherwise. `approved`: the command
    names who approved it (a reply's `approved_by`)."""
    now = allowed(position, steps)
    if command == "reply" and command in now and not approved and _needs_approval(position, steps):
        return NotAllowed(command, position.state, now, (APPROVAL,))
    if command in now:
        return None
    in_order = command in MOVES[position.state] | ALWAYS | ON_OPEN
    missing = _missing(command, position, steps) if in_order else ()
    return NotAllowed(command, position.state, now, missing)


def _needs_approval(position: Position, steps: Steps) -> bool:
    return steps.reply_needs_approval or position.needs_approval


def after(position: Position, command: str) -> Position:
    """The position once `command` is recorded (it must have passed `check`)."""
    state = LEADS_TO.get(command, position.state)
    if command == "reopen":
        return Position(state, frozenset(), position.needs_approval)
    done = position.done | {command}
    if command == "reject_reply":
        done = done - {"reply"}
    return Position(state, done, position.needs_approval)


def classified(position: Position, decision: str, *, needs_review: bool) -> Position:
    """A (re)classification: a complaint still received takes the acceptance decision; one
    further on keeps its state. A leader's review always asks for approval of the reply."""
    state = ACCEPTANCE[decision] if position.state is State.RECEIVED else position.state
    return Position(state, position.done, needs_review)


def _missing(command: str, position: Position, steps: Steps) -> tuple[str, ...]:
    needed = steps.requires.get(command, frozenset())
    return tuple(sorted(needed - position.done))
