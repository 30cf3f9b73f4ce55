"""What the subscriber does with an event the archive cannot store (no server needed)."""

from typing import Any

import pytest

from complaint_archive.entrypoints import subscriber
from complaint_events import DecodeError, Envelope, ReasonCode, new_event
from complaint_events.dead_letters import rejection_for
from complaint_events.examples import example_payloads
from complaint_runtime import Pipeline, by_complaint

pytestmark = pytest.mark.unit


class Letters:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, record: Any, error: DecodeError) -> None:
        self.sent.append(record)


async def refuse(archive: Any, items: Any) -> Any:
    raise ValueError("the server refused the document")


class Record(str):
    """A consumed record that names itself (its `partition` hides str.partition)."""

    topic, partition, offset, key, value, headers = "complaints.any", 0, 0, None, None, ()


def letter(rejected_by: str) -> tuple[Record, Envelope[Any]]:
    error = DecodeError(ReasonCode.NOT_JSON, "value is not JSON")
    payload = rejection_for(error, rejected_by=rejected_by, value=b"{")
    return Record(f"record of {rejected_by}"), new_event(payload, producer=rejected_by)


async def test_an_unstorable_event_is_dead_lettered_but_not_the_archives_own_dead_letter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the consumer fuzz: a dead letter the archive could not store was dead-lettered,
    and that one failed the same way, forever. Its own dead letters end the chain."""
    monkeypatch.setattr(subscriber, "archive_events", refuse)
    closed = new_event(example_payloads()["ComplaintClosed"], producer="intake", complaint_id="c-1")
    items = dict([(Record("record of closed"), closed), letter("classifier"), letter("archive")])
    dead = Letters()
    handle = subscriber.handler(lambda: Any)  # type: ignore[arg-type,return-value]
    pipeline = Pipeline("archive", items.get, handle, dead, doing="store", group=by_complaint)

    await pipeline(list(items))

    assert dead.sent == ["record of closed", "record of classifier"]
