"""Recording a staff command: checked against the lifecycle and the complaint's policy,
claimed in the complaint's state, then published; ports as Protocols (see `ports`)."""

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from complaint_events import (
    ComplaintAssigned,
    ComplaintReclassified,
    ComplaintTransferred,
    Envelope,
    FieldError,
    LifecycleEvent,
    new_event,
)

from ..domain.lifecycle import NotAllowed, Steps, after, check
from ..domain.policy_terms import Policies, unknown_terms
from ..domain.records import PRODUCER
from .context import Intake
from .ports import Answer, Classification, ComplaintRecord, Pending, Standing

ATTEMPTS = 5
NEEDS_POLICY = {
    ComplaintReclassified: "severity",
    ComplaintAssigned: "department",
    ComplaintTransferred: "to_body",
}


@dataclass(frozen=True)
class PolicyRefusal:
    """The command names what the complaint's policy does not know (422)."""

    policy_id: str | None
    field_errors: tuple[FieldError, ...]


class Contended(ConnectionError):
    """The complaint's state kept changing under the command; try again."""


Outcome = Envelope[Any] | NotAllowed | PolicyRefusal


def fingerprint(complaint_id: str, payload: LifecycleEvent) -> str:
    text = f"{complaint_id}|{payload.command}|{payload.model_dump_json()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def record(
    intake: Intake, policies: Policies, complaint: ComplaintRecord, payload: LifecycleEvent
) -> Outcome:
    """The event recorded for the command, or why it was refused. A command that repeats one
    whose event Kafka did not confirm gets that event (published now) rather than a second; a
    command allowed after a pending one publishes that one first (consumers drop a repeat of
    an event by its id), a refused one publishes nothing."""
    mark = fingerprint(complaint.complaint_id, payload)
    for _ in range(ATTEMPTS):
        standing = await intake.states.standing(complaint.complaint_id)
        refused = None if _repeats(standing, mark) else _refusal(policies, standing, payload)
        if refused is not None:  # judged on the stored state, a pending command's included
            return refused
        if standing.pending is not None:  # Kafka may not have it yet: it goes first
            await _finish(intake, complaint.complaint_id, standing.pending)
            if standing.pending.fingerprint == mark:
                return standing.pending.event
            continue
        event = lifecycle_event(complaint, payload)
        moved = after(standing.position, payload.command)
        pending = Pending(event, mark)
        if await intake.states.move(complaint.complaint_id, standing.revision, moved, pending):
            await _finish(intake, complaint.complaint_id, pending)
            return event
    raise Contended(f"{complaint.complaint_id} changed {ATTEMPTS} times during one command")


def lifecycle_event(complaint: ComplaintRecord, command: LifecycleEvent) -> Envelope[Any]:
    """The event a staff command records; built once, so a retried publish reuses its id."""
    return new_event(command, producer=PRODUCER, complaint_id=complaint.complaint_id)


def _repeats(standing: Standing, mark: str) -> bool:
    return standing.pending is not None and standing.pending.fingerprint == mark


def _refusal(
    policies: Policies, standing: Standing, payload: LifecycleEvent
) -> NotAllowed | PolicyRefusal | None:
    terms = policies.get(standing.policy_id)
    steps = terms.steps if terms else Steps()
    approved = getattr(payload, "approved_by", None) is not None
    not_allowed = check(standing.position, payload.command, steps, approved=approved)
    if not_allowed is not None:
        return not_allowed
    if terms is not None:
        errors = unknown_terms(terms, payload)
        return PolicyRefusal(terms.policy_id, tuple(errors)) if errors else None
    field = NEEDS_POLICY.get(type(payload))
    if field is None:
        return None
    message = f"policy {standing.policy_id or '(not classified yet)'} is unknown to intake"
    return PolicyRefusal(
        standing.policy_id, (FieldError(field=field, message=message, type="unknown_policy"),)
    )


async def _finish(intake: Intake, complaint_id: str, pending: Pending) -> None:
    await intake.publisher.publish([pending.event])
    await intake.states.published(complaint_id, pending.event.event_id)


async def take_classifications(intake: Intake, classified: Sequence[Envelope[Any]]) -> None:
    """Follow the classifier's decisions: they set a received complaint's first state."""
    await intake.states.classified_all(
        [
            Classification(
                event.complaint_id or "",
                event.event_id,
                event.payload.policy_id,
                event.payload.acceptance.decision.value,
                event.payload.acceptance.needs_leader_review,
            )
            for event in classified
        ]
    )


@dataclass(frozen=True)
class KeyReused:
    """The idempotency key was used for another request, or its first use is still running."""

    in_progress: bool


async def answered_once(
    intake: Intake, key: str, mark: str, answer: Callable[[], Awaitable[Answer]]
) -> Answer | KeyReused:
    """The answer of the first request with this key and fingerprint, computed once: a repeat
    with the same fingerprint gets it again, one with another fingerprint `KeyReused`. A
    request that fails (503) leaves the key free for its retry."""
    kept = await intake.command_keys.claim(key, mark)
    if kept is not None:
        if kept.fingerprint != mark or kept.answer is None:
            return KeyReused(in_progress=kept.fingerprint == mark)
        return kept.answer
    try:
        result = await answer()
    except BaseException:
        await intake.command_keys.release(key)
        raise
    await intake.command_keys.keep(key, result)
    return result
