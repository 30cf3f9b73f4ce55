"""The subscriber records a batch's complaints together, and takes a failing batch apart down
to the event that fails: that one is dead-lettered, the others are recorded. In-memory parts
(the live tests run the same path on Kafka and MongoDB)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from complaint_events import RECEIVED, DecodeError, encode, topic_name
from complaint_notifier.bootstrap import SERVICE
from complaint_notifier.domain import SettableClock
from complaint_notifier.entrypoints.deps import Wiring
from complaint_notifier.entrypoints.subscriber import consume_events
from complaint_notifier.metrics import NotifierMetrics
from complaint_notifier.service_layer import Notifier
from complaint_notifier.service_layer.complaint_record import ComplaintRecord
from complaint_runtime import Input, Pipeline, read_events

from .live import complaint_id, received
from .test_service_units import rules  # noqa: F401  (the module's fixture)

pytestmark = pytest.mark.unit
T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@dataclass
class Record:
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    key: bytes | None = None
    topic: str = topic_name(RECEIVED, "")
    partition: int = 0
    offset: int = 0


class Store:
    """Complaint records in a dict; a complaint named `poisoned` cannot be saved."""

    def __init__(self, poisoned: str) -> None:
        self.poisoned, self.saved, self.writes = poisoned, {}, 0

    async def load(self, complaint_id: str) -> ComplaintRecord | None:
        return self.saved.get(complaint_id)

    async def load_many(self, complaint_ids: Iterable[str]) -> dict[str, ComplaintRecord]:
        return {cid: self.saved[cid] for cid in complaint_ids if cid in self.saved}

    async def save(self, record: ComplaintRecord) -> None:
        await self.save_many([record])

    async def save_many(self, records: Sequence[ComplaintRecord]) -> None:
        if any(record.complaint_id == self.poisoned for record in records):
            raise ValueError("this complaint cannot be stored")
        self.writes += 1
        self.saved |= {record.complaint_id: record for record in records}


class Schedule:
    async def add(self, notices: Sequence[Any], now: datetime) -> None: ...

    async def drop(self, notices: Mapping[str, datetime]) -> None: ...


class DeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, DecodeError]] = []

    async def send(self, record: Record, error: DecodeError) -> None:
        self.sent.append((record.value, error))


def wiring(policy_rules: Any, store: Store) -> Wiring:
    settings: Any = None
    metrics = NotifierMetrics(CollectorRegistry())
    ctx: Any = Notifier(
        rules=policy_rules,
        complaints=store,
        schedule=Schedule(),  # type: ignore[arg-type]
        claims=None,  # type: ignore[arg-type]
        deliveries=None,  # type: ignore[arg-type]
        breaches=None,  # type: ignore[arg-type]
        publisher=None,  # type: ignore[arg-type]
        senders={},
        clock=SettableClock(T0),
        metrics=metrics,
    )
    return Wiring(settings, metrics, current=ctx)


class Service:
    """The runtime's Service without a broker: the pipelines the subscriber declares."""

    def __init__(self, dead: DeadLetters) -> None:
        self.dead = dead
        self.pipelines: list[Pipeline[Any]] = []

    def consume(self, *inputs: Input, handle: Any, doing: str, **options: Any) -> Pipeline[Any]:
        decoder = read_events(inputs, prefix="")
        pipeline = Pipeline(SERVICE, decoder, handle, self.dead, doing=doing, **options)
        self.pipelines.append(pipeline)
        return pipeline


async def consume(records: Sequence[Record], wiring: Wiring, dead: DeadLetters) -> None:
    """One batch through the subscriber's pipeline."""
    service = Service(dead)
    consume_events(service, wiring)  # type: ignore[arg-type]
    (pipeline,) = service.pipelines
    await pipeline(records)


async def test_a_batch_is_saved_in_one_write_for_all_its_complaints(rules: Any) -> None:  # noqa: F811
    store, dead = Store(poisoned="none"), DeadLetters()
    ids = [complaint_id() for _ in range(5)]
    await consume([Record(encode(received(cid, T0))) for cid in ids], wiring(rules, store), dead)
    assert sorted(store.saved) == sorted(ids)
    assert store.writes == 1
    assert dead.sent == []


async def test_the_event_that_fails_is_dead_lettered_and_the_others_recorded(rules: Any) -> None:  # noqa: F811
    ids = [complaint_id() for _ in range(4)]
    store, dead = Store(poisoned=ids[2]), DeadLetters()
    records = [Record(encode(received(cid, T0))) for cid in ids]
    await consume(records, wiring(rules, store), dead)
    assert sorted(store.saved) == sorted(ids[:2] + ids[3:])
    ((value, error),) = dead.sent
    assert value == records[2].value
    assert "ComplaintReceived" in error.detail and "ValueError" in error.detail
