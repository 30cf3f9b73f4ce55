"""The receive and command use cases against in-memory adapters: ids, numbers, crash points."""

from datetime import UTC, datetime

import pytest

from complaint_events import Channel, ComplaintAssigned, ComplaintReceived, encode
from complaint_intake.domain.parsing import Incoming, parse_submission
from complaint_intake.domain.records import Receipt
from complaint_intake.domain.refusals import Reason, Refusal
from complaint_intake.service_layer import Intake, lifecycle_event, receive

from .fakes import (
    MemoryCommandKeys,
    MemoryNumbers,
    MemoryPublisher,
    MemoryStates,
    MemoryStore,
)
from .samples import raw, submission

pytestmark = pytest.mark.unit
NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def make_intake() -> Intake:
    return Intake(
        MemoryStore(),
        MemoryNumbers(),
        MemoryPublisher(),
        clock=lambda: NOW,
        states=MemoryStates(),
        command_keys=MemoryCommandKeys(),
    )


def incoming(**changes: object) -> Incoming:
    result = parse_submission(
        raw(submission(**changes)), default_channel=Channel.WEB, max_bytes=1 << 20
    )
    assert isinstance(result, Incoming)
    return result


def published(intake: Intake) -> MemoryPublisher:
    assert isinstance(intake.publisher, MemoryPublisher)
    return intake.publisher


def store(intake: Intake) -> MemoryStore:
    assert isinstance(intake.store, MemoryStore)
    return intake.store


async def only(intake: Intake, item: Incoming) -> Receipt:
    [result] = await receive(intake, [item])
    assert isinstance(result, Receipt), result
    return result


async def test_a_new_submission_is_numbered_and_published_once() -> None:
    intake = make_intake()
    result = await only(intake, incoming())
    assert not result.duplicate
    assert result.complaint_number == "TS-20240501-000001"
    [event] = published(intake).events
    assert isinstance(event.payload, ComplaintReceived)
    assert event.event_id == result.received_event_id
    assert event.complaint_id == result.complaint_id == event.payload.complaint_id
    assert event.payload.submission.received_at == NOW
    assert event.payload.language == "zh"


async def test_a_repeat_returns_the_original_and_publishes_nothing() -> None:
    intake = make_intake()
    first = await only(intake, incoming())
    again = await only(intake, incoming())
    assert again.duplicate
    assert (again.complaint_id, again.complaint_number) == (
        first.complaint_id,
        first.complaint_number,
    )
    assert len(published(intake).events) == 1


async def test_the_same_reference_with_other_content_is_a_conflict() -> None:
    intake = make_intake()
    await only(intake, incoming())
    [result] = await receive(intake, [incoming(description="something else")])
    assert isinstance(result, Refusal)
    assert result.reason == Reason.DUPLICATE_CONFLICT
    assert [error.field for error in result.field_errors] == ["external_reference"]


async def test_other_source_systems_may_reuse_a_reference() -> None:
    intake = make_intake()
    one = await only(intake, incoming(source_system="erp"))
    other = await only(intake, incoming(source_system="crm"))
    assert one.complaint_id != other.complaint_id
    assert [one.complaint_number, other.complaint_number] == [
        "TS-20240501-000001",
        "TS-20240501-000002",
    ]


async def test_repeats_inside_one_batch_become_one_complaint() -> None:
    intake = make_intake()
    results = await receive(
        intake,
        [incoming(), incoming(external_reference="B"), incoming(), incoming(description="x")],
    )
    first, second, repeat, conflict = results
    assert isinstance(first, Receipt) and isinstance(second, Receipt)
    assert isinstance(repeat, Receipt) and repeat.duplicate
    assert repeat.complaint_id == first.complaint_id
    assert isinstance(conflict, Refusal) and conflict.reason == Reason.DUPLICATE_CONFLICT
    assert len(published(intake).events) == 2


async def test_a_publish_that_failed_is_finished_by_the_retry_with_the_same_event() -> None:
    intake = make_intake()
    published(intake).down = True
    with pytest.raises(ConnectionError):
        await receive(intake, [incoming()])
    assert published(intake).events == []
    published(intake).down = False
    retry = await only(intake, incoming())
    [event] = published(intake).events
    reserved = store(intake).reservations["erp|A-1"]
    assert event.event_id == reserved.received_event_id == retry.received_event_id
    assert retry.complaint_number == reserved.complaint_number


async def test_a_crash_after_publishing_republishes_the_identical_event() -> None:
    intake = make_intake()
    store(intake).fail_mark_published = True  # published, but the process dies before noting it
    with pytest.raises(ConnectionError):
        await receive(intake, [incoming()])
    store(intake).fail_mark_published = False
    await receive(intake, [incoming()])
    first, second = published(intake).events
    assert encode(first) == encode(second)  # consumers drop the second by its event_id
    third = await only(intake, incoming())
    assert third.duplicate and len(published(intake).events) == 2


async def test_a_command_is_published_for_the_complaint() -> None:
    intake = make_intake()
    receipt = await only(intake, incoming())
    complaint = await intake.store.complaint(receipt.complaint_number)
    assert complaint is not None and complaint.complaint_id == receipt.complaint_id
    event = lifecycle_event(complaint, ComplaintAssigned(actor="qa-1", department="QA"))
    assert event.complaint_id == receipt.complaint_id


async def test_in_one_batch_a_changed_copy_conflicts_and_the_original_repeats() -> None:
    intake = make_intake()
    original = await only(intake, incoming())
    changed, repeat = await receive(intake, [incoming(description="changed"), incoming()])
    assert isinstance(changed, Refusal) and changed.reason == Reason.DUPLICATE_CONFLICT
    assert isinstance(repeat, Receipt) and repeat.duplicate
    assert repeat.complaint_id == original.complaint_id
