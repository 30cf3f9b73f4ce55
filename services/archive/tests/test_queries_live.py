"""Searches and report counts on the real MongoDB-protocol server."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from complaint_archive.adapters.queries import period
from complaint_archive.domain import Position, SearchFilters, on_time_by_step, pareto

from .builders import START, Story, classified, full_story
from .support import archive_on, ingest

pytestmark = pytest.mark.integration


def stories(batch: str) -> list[Story]:
    """Six complaints a day apart; the odd ones are open and overdue, the even ones closed."""
    made = []
    for day in range(6):
        start = START + timedelta(days=day)
        if day % 2 == 0:
            story = full_story(start, batch=batch)
        else:
            story = Story(start=start)
            story.received(batch=batch, received_at=start, product="布洛芬缓释胶囊")
            story.at(1, classified("A", category="packaging"), producer="classifier")
            story.deadline(1, "reply", 60)
        made.append(story)
    return made


async def test_filters_text_overdue_and_cursor_pages(mongo_client, database_name):
    batch = f"B-{uuid.uuid4().hex[:8]}"
    async with archive_on(mongo_client, database_name("archive_search")) as (archive, _, clock):
        made = stories(batch)
        await ingest(archive, [event for story in made for event in story.events])
        clock.now = datetime(2030, 1, 1, tzinfo=UTC)

        async def ids(**filters):
            hits = await archive.queries.search(
                SearchFilters(batch=batch, **filters), now=clock.now, after=None, limit=50
            )
            return [hit["_id"] for hit in hits]

        newest_first = [story.complaint_id for story in reversed(made)]
        assert await ids() == newest_first
        assert await ids(status=("closed",)) == newest_first[1::2]
        assert await ids(severity=("A",), overdue=True) == newest_first[::2]
        assert await ids(overdue=False) == newest_first[1::2]
        assert await ids(text="布洛芬") == newest_first[::2]
        assert await ids(text="外盒破损") == newest_first  # in every description
        assert await ids(product="布洛芬缓释胶囊", category=("packaging",)) == newest_first[::2]
        window = {
            "received_from": START + timedelta(days=1),
            "received_to": START + timedelta(days=3),
        }
        assert await ids(**window) == newest_first[3:5]

        paged, after = [], None
        while True:
            page = await archive.queries.search(
                SearchFilters(batch=batch), now=clock.now, after=after, limit=4
            )
            paged += [hit["_id"] for hit in page]
            if len(page) < 4:
                break
            after = Position(page[-1]["sort_at"], page[-1]["_id"])
        assert paged == newest_first


async def test_report_counts(mongo_client, database_name):
    batch = f"B-{uuid.uuid4().hex[:8]}"
    async with archive_on(mongo_client, database_name("archive_reports")) as (archive, _, _):
        made = stories(batch)
        await ingest(archive, [event for story in made for event in story.events])
        match = period(("2024-05", "2024-05"), "pharma-quality")

        keys = {"month": "$received_month", "status": "$status"}
        by_status = {
            row["key"]["status"]: row["n"] for row in await archive.queries.counts(match, keys)
        }
        assert by_status == {"closed": 3, "accepted": 3}

        deadline_keys = {
            "step": "$deadlines.step",
            "outcome": "$deadlines.outcome",
            "on_time": "$deadlines.on_time",
        }
        counts = await archive.queries.counts(match, deadline_keys, unwind="deadlines")
        assert on_time_by_step(counts) == [
            {"step": "reply", "finished": 3, "on_time": 3, "late": 0, "on_time_rate": 1.0}
        ]
        causes = await archive.queries.counts(
            period(None, None, {"cause": {"$ne": None}}), {"cause": "$cause"}
        )
        assert pareto(causes)[0]["cause"] == "运输包装破损"
