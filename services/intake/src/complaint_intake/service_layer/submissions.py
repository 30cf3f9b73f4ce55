"""Receiving submissions: each numbered, reserved, published once; a repeat answered with the
original."""

from collections.abc import Sequence

from complaint_events import FieldError

from ..domain.normalise import complete
from ..domain.parsing import Incoming
from ..domain.records import (
    Receipt,
    Reservation,
    fingerprint,
    new_reservation,
    receipt,
    received_event,
    submission_key,
)
from ..domain.refusals import Reason, Refusal
from .context import Intake


async def receive(intake: Intake, batch: Sequence[Incoming]) -> list[Receipt | Refusal]:
    """Number, record and publish each new submission; answer a repeat with the original.

    The reservation is stored before publishing and marked published after, so a crash in
    between is finished by the next delivery or retry of the same submission, with the same ids.
    """
    firsts: dict[str, Incoming] = {}
    for item in batch:
        firsts.setdefault(submission_key(item.submission), item)
    now = intake.clock()
    numbers = await intake.numbers.take(len(firsts), now)
    candidates = [
        new_reservation(item, number, now)
        for item, number in zip(firsts.values(), numbers, strict=True)
    ]
    inserted = await intake.store.reserve(candidates)
    standing: dict[str, Reservation] = {}  # the reservation each key stands for
    to_publish: list[tuple[Reservation, Incoming]] = []
    for candidate in candidates:
        item = firsts[candidate.key]
        if candidate.key in inserted:
            standing[candidate.key] = candidate
            to_publish.append((candidate, item))
        else:
            standing[candidate.key] = await _existing(intake, candidate, item, to_publish)
    await _publish(intake, to_publish)
    return [_answer(item, firsts, standing, inserted) for item in batch]


async def _existing(
    intake: Intake,
    candidate: Reservation,
    item: Incoming,
    to_publish: list[tuple[Reservation, Incoming]],
) -> Reservation:
    existing = await intake.store.reservation(candidate.key)
    if existing is None:  # the insert said it exists: only a purge in between explains this
        raise LookupError(f"reservation {candidate.key} vanished")
    same = existing.fingerprint == candidate.fingerprint
    if same and await intake.store.complaint(existing.complaint_id) is None:
        to_publish.append((existing, item))  # reserved earlier but never published: finish it
    return existing


async def _publish(intake: Intake, to_publish: list[tuple[Reservation, Incoming]]) -> None:
    if not to_publish:
        return
    events = [
        received_event(reservation, complete(item.submission, received_at=reservation.received_at))
        for reservation, item in to_publish
    ]
    await intake.publisher.publish(events)
    await intake.store.mark_published([reservation for reservation, _ in to_publish])


def _answer(
    item: Incoming,
    firsts: dict[str, Incoming],
    standing: dict[str, Reservation],
    inserted: set[str],
) -> Receipt | Refusal:
    """New for the one item that made the reservation; a repeat with the same content gets
    the original answer, one with other content a conflict."""
    key = submission_key(item.submission)
    reservation = standing[key]
    if fingerprint(item.submission) != reservation.fingerprint:
        return _conflict(key)
    new = key in inserted and firsts[key] is item
    return receipt(reservation, duplicate=not new)


def _conflict(key: str) -> Refusal:
    message = "already used for a submission with different content"
    error = FieldError(field="external_reference", message=message, type="duplicate_conflict")
    return Refusal(Reason.DUPLICATE_CONFLICT, f"{key} is {message}", (error,))
