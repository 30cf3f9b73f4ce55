"""Archiving, rebuilding and purging on the real MongoDB-protocol server."""

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import HTTPException

from complaint_archive.adapters.store import ArchiveStore
from complaint_archive.domain import fold
from complaint_archive.entrypoints.http_common import find_complaint
from complaint_archive.service_layer import rebuild, request_purges
from complaint_events import ComplaintAcknowledged, new_event
from complaint_events.examples import example_submission
from complaint_runtime import Caller

from .builders import SIDE_EVENTS, Story, full_story
from .support import archive_on, ingest

pytestmark = pytest.mark.integration
FAR_FUTURE = datetime(2040, 1, 1, tzinfo=UTC)
EVERY_SOURCE = Caller(key_id="test", scopes=frozenset({"read"}), source_systems=frozenset({"*"}))


async def test_each_event_is_logged_once_and_folded_into_its_document(mongo_client, database_name):
    async with archive_on(mongo_client, database_name("archive_ingest")) as (archive, _, _):
        story = full_story()
        first = await ingest(archive, story.events[:6])
        again = await ingest(archive, story.events)  # redelivery of the first six
        assert (first.new, first.duplicates) == (6, 0)
        assert (again.new, again.duplicates) == (len(story.events) - 6, 6)
        assert await archive.store.count_events(story.complaint_id) == len(story.events)
        stored = await archive.queries.by_id(story.complaint_id)
        expected = fold(story.events)
        assert {
            k: v
            for k, v in stored.items()
            if k not in ("retain_until", "retention_basis", "revision")
        } == (expected)
        assert stored["retain_until"] == datetime(2027, 5, 1, tzinfo=UTC)
        assert (await archive.queries.by_number(story.number))["_id"] == story.complaint_id


async def test_out_of_order_batches_give_the_sorted_document(mongo_client, database_name):
    async with archive_on(mongo_client, database_name("archive_order")) as (archive, _, _):
        story = full_story()
        shuffled = story.events[:]
        random.Random(3).shuffle(shuffled)
        for start in range(0, len(shuffled), 3):
            await ingest(archive, shuffled[start : start + 3])
        stored = await archive.queries.by_id(story.complaint_id)
        assert stored["timeline"] == fold(story.events)["timeline"]
        assert stored["status"] == "closed"


async def test_a_crash_between_log_and_document_is_repaired_by_redelivery(
    mongo_client, database_name
):
    async with archive_on(mongo_client, database_name("archive_crash")) as (archive, _, _):
        story = full_story()
        await ingest(archive, story.events[:-1])
        # The log took the last event, the document write never happened.
        from complaint_archive.service_layer import Delivered, log_entry

        await archive.store.append([log_entry(Delivered(story.events[-1]), archive.clock())])
        assert (await archive.queries.by_id(story.complaint_id))["status"] != "closed"
        result = await ingest(archive, story.events[-1:])
        assert (result.new, result.duplicates) == (0, 1)
        assert (await archive.queries.by_id(story.complaint_id))["status"] == "closed"


async def test_rebuilt_documents_equal_the_live_ones(mongo_client, database_name):
    async with archive_on(mongo_client, database_name("archive_rebuild")) as (archive, _, _):
        stories = [full_story() for _ in range(5)]
        stories[1].at(2000, SIDE_EVENTS["reopen"])
        stories[2].at(50, SIDE_EVENTS["reclassify"])
        stories[3].at(2000, SIDE_EVENTS["hold"])
        every = [event for story in stories for event in story.events]
        random.Random(11).shuffle(every)
        for start in range(0, len(every), 7):
            await ingest(archive, every[start : start + 7])

        checked = await rebuild(archive, write=False)
        assert (checked.documents, checked.different, checked.without_events) == (5, [], [])

        damaged = stories[0].complaint_id
        await archive.store.complaints.update_one({"_id": damaged}, {"$set": {"status": "x"}})
        assert (await rebuild(archive, write=False)).different == [damaged]
        repaired = await rebuild(archive, write=True)
        assert repaired.different == [damaged]
        assert (await rebuild(archive, write=False)).different == []
        assert (await archive.queries.by_id(damaged))["status"] == "closed"


async def _expired_pair(archive):
    """Two closed complaints past retention, the second under legal hold, each with a file."""
    kept, held = full_story(), full_story()
    held.at(2000, SIDE_EVENTS["hold"])
    await ingest(archive, [*kept.events, *held.events])
    from complaint_archive.service_layer import StoredFile

    for story in (kept, held):
        file = StoredFile(
            f"file-{story.complaint_id}", story.complaint_id, "a.txt", "text/plain", 2, "0" * 64
        )
        await archive.files.store(file, b"hi")
    return kept, held


async def test_purge_records_the_event_first_and_spares_a_held_complaint(
    mongo_client, database_name
):
    async with archive_on(mongo_client, database_name("archive_purge")) as (
        archive,
        published,
        clock,
    ):
        purged, held = await _expired_pair(archive)
        clock.now = FAR_FUTURE
        assert await request_purges(archive, limit=100) == 1
        [event] = published.published
        assert (event.complaint_id, event.event_type) == (purged.complaint_id, "RetentionPurged")
        assert event.payload.events_removed == len(purged.events)
        # Nothing is removed until the recorded purge is consumed.
        assert await archive.store.count_events(purged.complaint_id) == len(purged.events)

        result = await ingest(archive, [event])
        assert result.purged == [purged.complaint_id]
        tombstone = await archive.queries.by_id(purged.complaint_id)
        assert tombstone["status"] == "purged"
        assert "record" not in tombstone
        with pytest.raises(HTTPException) as gone:
            await find_complaint(archive, purged.number, EVERY_SOURCE)
        assert gone.value.status_code == 410
        remaining = archive.store.events.find({"complaint_id": purged.complaint_id})
        entries = [entry async for entry in remaining]
        # Marked for the TTL index (which deletes them once the purge's time has passed).
        assert {e["_id"] for e in entries if "expire_at" not in e} == {event.event_id}
        assert all(e["expire_at"] == FAR_FUTURE for e in entries if "expire_at" in e)
        assert len(entries) == len(purged.events) + 1
        assert await archive.files.find(purged.complaint_id, f"file-{purged.complaint_id}") is None

        # The held complaint keeps everything, even when a purge of it is consumed anyway.
        forced = new_event(
            event.payload.model_copy(update={"complaint_number": held.number}),
            producer="archive",
            complaint_id=held.complaint_id,
        )
        await ingest(archive, [forced])
        still = await archive.queries.by_id(held.complaint_id)
        assert still["status"] == "closed"
        assert still["purge_refused"]
        assert await archive.store.count_events(held.complaint_id) == len(held.events) + 1
        assert await archive.files.find(held.complaint_id, f"file-{held.complaint_id}")

        # Later events of the purged complaint bring nothing back.
        late = new_event(
            ComplaintAcknowledged(actor="x"), producer="intake", complaint_id=purged.complaint_id
        )
        await ingest(archive, [late, *purged.events])
        assert (await archive.queries.by_id(purged.complaint_id))["status"] == "purged"
        rebuilt = await rebuild(archive, write=False)
        assert rebuilt.different == []


async def test_nothing_is_purged_before_its_date(mongo_client, database_name):
    async with archive_on(mongo_client, database_name("archive_keep")) as (
        archive,
        published,
        clock,
    ):
        story = full_story()
        await ingest(archive, story.events)
        clock.now = datetime(2027, 4, 30, 23, 59, tzinfo=UTC)  # pharma: expiry 2026-04-30 + 1 y
        assert await request_purges(archive, limit=100) == 0
        clock.now += timedelta(minutes=1)
        assert await request_purges(archive, limit=100) == 1
        open_story = Story()
        open_story.received()
        await ingest(archive, open_story.events)
        clock.now = FAR_FUTURE
        published.published.clear()
        await request_purges(archive, limit=100)
        assert {e.complaint_id for e in published.published} == {story.complaint_id}


async def test_events_of_no_complaint_are_marked_to_expire_after_their_period(
    mongo_client, database_name
):
    period = timedelta(days=30)
    name = database_name("archive_unlinked")
    async with archive_on(mongo_client, name, unlinked_retention=period) as (archive, _, _):
        story = full_story()
        submitted = new_event(example_submission(), producer="crm")
        await ingest(archive, [submitted, *story.events])
        entry = await archive.store.events.find_one({"_id": submitted.event_id})
        assert entry["expire_at"] - entry["archived_at"] == period
        marked = {"complaint_id": story.complaint_id, "expire_at": {"$ne": None}}
        assert await archive.store.events.count_documents(marked) == 0


@asynccontextmanager
async def ttl_monitor_every_second(client) -> AsyncIterator[None]:
    """The server's TTL monitor runs every second instead of every minute meanwhile."""
    await client.admin.command({"setParameter": 1, "ttlMonitorSleepSecs": 1})
    try:
        yield
    finally:
        await client.admin.command({"setParameter": 1, "ttlMonitorSleepSecs": 60})


async def until(check: Callable[[], Awaitable[bool]], *, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, f"not true within {within} s"
        await asyncio.sleep(0.2)


async def test_the_ttl_index_deletes_a_log_entry_once_it_expired(mongo_client, database_name):
    """The server itself deletes a raw submission whose period is over; nothing in the
    archive deletes it. The complaint's own events, never marked, stay."""
    period = timedelta(days=30)
    name = database_name("archive_ttl")
    async with archive_on(mongo_client, name, unlinked_retention=period) as (archive, _, clock):
        clock.now -= period + timedelta(days=1)  # archived 31 days ago
        story = full_story()
        submitted = new_event(example_submission(), producer="crm")
        await ingest(archive, [submitted, *story.events])
        events = archive.store.events
        assert await events.count_documents({"_id": submitted.event_id}) == 1

        async def deleted() -> bool:
            return await events.count_documents({"_id": submitted.event_id}) == 0

        async with ttl_monitor_every_second(mongo_client):
            await until(deleted, within=120)
        assert await archive.store.count_events(story.complaint_id) == len(story.events)


class StaleOnce(ArchiveStore):
    """Hands out a snapshot taken earlier, as a consumer that lost its partition would."""

    def __init__(self, store: ArchiveStore, stale: dict) -> None:
        super().__init__(store.events.database)
        self.stale = stale

    async def documents(self, complaint_ids, projection=None):
        if self.stale:
            stale, self.stale = self.stale, {}
            return stale
        return await super().documents(complaint_ids, projection)


async def test_a_document_written_meanwhile_is_folded_again_not_overwritten(
    mongo_client, database_name
):
    async with archive_on(mongo_client, database_name("archive_conflict")) as (archive, _, _):
        story = full_story()
        await ingest(archive, story.events[:5])
        stale = await archive.store.documents([story.complaint_id])
        await ingest(archive, story.events[5:9])  # the other consumer, meanwhile
        late = dataclasses.replace(archive, store=StaleOnce(archive.store, stale))
        await ingest(late, story.events[9:])
        stored = await archive.queries.by_id(story.complaint_id)
        assert stored["timeline"] == fold(story.events)["timeline"]
        assert stored["revision"] != stale[story.complaint_id]["revision"]


@pytest.mark.parametrize("existing", [True, False], ids=["replace", "insert"])
async def test_of_racing_revision_checked_writes_exactly_one_wins(
    mongo_client, database_name, existing
):
    """Writers that read the same revisions save at once: for each document one write wins
    and every other writer gets its id back (to read it again and fold its events into it)."""
    writers, ids = 8, [f"race-{n}" for n in range(20)]
    name = database_name(f"archive_race_{'replace' if existing else 'insert'}")
    async with archive_on(mongo_client, name) as (archive, _, _):
        store = archive.store
        if existing:
            await store.save([{"_id": cid, "writer": None} for cid in ids], read={})
        read = await store.documents(ids)
        lost = await asyncio.gather(
            *(store.save([{"_id": cid, "writer": w} for cid in ids], read) for w in range(writers))
        )
        stored = await store.documents(ids)
    for cid in ids:
        winners = [w for w in range(writers) if cid not in lost[w]]
        assert winners == [stored[cid]["writer"]]


async def test_a_dead_letter_with_headers_is_logged_and_read_back(mongo_client, database_name):
    """Found by the consumer fuzz: a dead letter of a message with headers (`[name, value]`
    pairs) that could not be stored was dead-lettered again, and that dead letter too, forever.
    Entries that hold the headers as `{name, value}` objects are read back as pairs too."""
    from complaint_archive.service_layer import envelope_of
    from complaint_events import DecodeError, ReasonCode
    from complaint_events.dead_letters import rejection_for

    headers = [("event_type", b"ComplaintClosed"), ("x-trace", b"\xff\x00")]
    error = DecodeError(ReasonCode.NOT_UTF8, "value is not UTF-8")
    payload = rejection_for(error, rejected_by="classifier", value=b"\xff", headers=headers)
    letter = new_event(payload, producer="classifier")
    async with archive_on(mongo_client, database_name("archive_dead_letter")) as (archive, _, _):
        archived = await ingest(archive, [letter])
        entry = await archive.store.events.find_one({"_id": letter.event_id})
    assert archived.new == 1
    assert envelope_of(entry) == letter
    stored = entry["envelope"]["payload"]["original_headers"]
    objects = [{"name": name, "value": value} for name, value in stored]
    older = {
        **entry["envelope"],
        "payload": {**entry["envelope"]["payload"], "original_headers": objects},
    }
    assert envelope_of({**entry, "envelope": older}) == letter


async def test_the_document_count_is_the_number_of_complaints_archived(mongo_client, database_name):
    async with archive_on(mongo_client, database_name("archive_count")) as (archive, _, _):
        assert await archive.store.document_count() == 0
        stories = [full_story() for _ in range(3)]
        for story in stories:
            await ingest(archive, story.events[:4])
        await ingest(archive, stories[0].events[4:])  # more events, no more documents
        assert await archive.store.document_count() == 3
