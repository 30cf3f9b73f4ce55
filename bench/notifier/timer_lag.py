"""Timer lag under load: the real scheduler and adapters against MongoDB, Kafka and aiosmtpd.

Complaints are planned in memory and stored directly (the consumer is not what is measured);
their reminders fall due one after another over the measured window; the scheduler loop of
the service sends them. Lag = taken up (claimed) − due, and accepted by the SMTP server − due.
"""

import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from complaint_events import (
    Acceptance,
    Complainant,
    ComplaintClassified,
    ComplaintReceived,
    ComplaintSubmitted,
    NoticeChannel,
    new_event,
)
from complaint_notifier.adapters.complaints import MongoComplaints
from complaint_notifier.adapters.documents import record_to_doc
from complaint_notifier.adapters.kafka import KafkaPublisher
from complaint_notifier.adapters.outcomes_and_breaches import MongoBreaches, MongoDeliveryLog
from complaint_notifier.adapters.schedule import MongoClaims, MongoSchedule
from complaint_notifier.adapters.smtp import SmtpSender
from complaint_notifier.domain import SystemClock
from complaint_notifier.metrics import NotifierMetrics
from complaint_notifier.service_layer import Dispatcher, Notifier, Rules, SendOptions
from complaint_notifier.service_layer.complaint_record import ComplaintRecord
from complaint_notifier.service_layer.replanning import adopt, replan
from complaint_notifier.settings import NotifierSettings
from complaint_runtime import DATA_DIR, make_broker
from deploy.local.topics import delete_topics, ensure_topics

POLICY = """
policy_id: bench
defaults: {calendar: always, reminder_at: 0.5, notify: [desk]}
clocks:
  - {step: reply, limit: 2, unit: hours, starts_on: [ComplaintReceived], stops_on: [ReplySent]}
"""
DIRECTORY = """
people: {desk: {name: Desk, email: desk@bench.example}}
roles: {desk: {people: [desk]}}
"""
SETUP_MARGIN = timedelta(seconds=20)
POLL = 0.5


class Sink:
    """smtp_sink.py in its own process; arrivals read back from its output file."""

    def __init__(self, folder: Path) -> None:
        self.output = folder / "arrivals.txt"
        self.port = _free_port()
        sink = Path(__file__).with_name("smtp_sink.py")
        self.process = subprocess.Popen(
            [sys.executable, str(sink), str(self.port), str(self.output)], stdout=subprocess.PIPE
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "ready"

    @property
    def arrivals(self) -> dict[str, float]:
        if not self.output.exists():
            return {}
        found: dict[str, float] = {}
        for line in self.output.read_text().splitlines():
            notice_id, at = line.split()
            found.setdefault(notice_id, float(at))
        return found

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rules(folder: Path) -> Rules:
    (folder / "policies" / "bench").mkdir(parents=True)
    (folder / "policies" / "bench" / "deadlines.yaml").write_text(POLICY)
    (folder / "directory.yaml").write_text(DIRECTORY)
    return Rules.load(
        policies_dir=folder / "policies",
        calendars_dir=DATA_DIR / "calendars",
        directory_file=folder / "directory.yaml",
    )


def planned(rules: Rules, received_at: datetime) -> ComplaintRecord:
    cid = f"b-{uuid.uuid4().hex[:16]}"
    submission = ComplaintSubmitted(
        source_system="bench",
        external_reference=cid,
        channel="web",
        received_at=received_at,
        description="bench",
        complainant=Complainant(anonymous=True),
    )
    receipt = ComplaintReceived(
        complaint_id=cid, complaint_number="TS-20250101-000001", submission=submission
    )
    decision = ComplaintClassified(
        policy_id="bench",
        policy_version="bench",
        severity="B",
        severity_rank=1,
        acceptance=Acceptance(decision="accept"),
    )
    record = ComplaintRecord(cid)
    record.absorb(new_event(receipt, producer="bench", occurred_at=received_at))
    record.absorb(new_event(decision, producer="bench", complaint_id=cid, occurred_at=received_at))
    plan = replan(rules, record, received_at)
    assert plan is not None
    adopt(record, plan)
    record.adds = [n for n in record.adds if n.kind.value == "reminder"]
    record.scheduled = {n.notice_id: n.send_at for n in record.adds}
    return record


async def measure_timer_lag(
    client: AsyncMongoClient[Any], kafka: str, count: int, window: float
) -> dict[str, list[float]]:
    prefix = f"bench-{uuid.uuid4().hex[:6]}."
    database = client[f"bench_lag_{uuid.uuid4().hex[:6]}"]
    await ensure_topics(kafka, prefix)
    folder = Path(tempfile.mkdtemp(prefix="notifier-bench-"))
    sink = Sink(folder)
    settings = NotifierSettings(  # type: ignore[call-arg]
        kafka_bootstrap_servers=kafka, topic_prefix=prefix, webhook_secret="b" * 40
    )
    broker = make_broker(settings, service="notifier-bench", registry=CollectorRegistry())
    await broker.start()
    try:
        ctx = notifier(database, broker, settings, rules(folder), sink.port)
        due = await _schedule(ctx, database, count, window)
        await _run_until_sent(ctx, sink, len(due), window + SETUP_MARGIN.total_seconds() + 120)
        claims = await database.schedule.find({"claimed_at": {"$exists": True}}).to_list()
        arrivals = sink.arrivals
    finally:
        await broker.stop()
        sink.stop()
        shutil.rmtree(folder, ignore_errors=True)
        await client.drop_database(database.name)
        await delete_topics(kafka, prefix)
    return {
        "due -> taken up (claimed)": [
            (c["claimed_at"] - due[c["_id"]]).total_seconds() for c in claims
        ],
        "due -> accepted by SMTP server": [
            at - due[notice_id].timestamp() for notice_id, at in arrivals.items()
        ],
    }


async def _schedule(ctx: Notifier, database: Any, count: int, window: float) -> dict[str, Any]:
    """`count` complaints whose reminders fall due evenly over `window` seconds from a moment
    far enough ahead for this set-up to finish first."""
    start = datetime.now(UTC) + SETUP_MARGIN
    step = timedelta(seconds=window / count)
    records = [planned(ctx.rules, start - timedelta(hours=1) + step * n) for n in range(count)]
    await database.complaints.insert_many([record_to_doc(r) for r in records])
    await ctx.schedule.add([n for r in records for n in r.adds], datetime.now(UTC))
    return {n.notice_id: n.send_at for r in records for n in r.adds}


def notifier(
    database: Any, broker: Any, settings: NotifierSettings, rules: Rules, port: int
) -> Notifier:
    email = SmtpSender(host="127.0.0.1", port=port, sender="n@bench.example", tls="none")
    lease = timedelta(seconds=120)
    return Notifier(
        rules=rules,
        complaints=MongoComplaints(database),
        schedule=MongoSchedule(database, retention=timedelta(days=1)),
        claims=MongoClaims(database, owner="bench", lease=lease),
        deliveries=MongoDeliveryLog(database),
        breaches=MongoBreaches(database),
        publisher=KafkaPublisher(broker, settings, timeout=10),
        senders={NoticeChannel.EMAIL: email},
        clock=SystemClock(),
        metrics=NotifierMetrics(CollectorRegistry()),
        options=SendOptions(lease=lease, batch_size=200, concurrency=16),
    )


async def _run_until_sent(ctx: Notifier, sink: Sink, count: int, limit: float) -> None:
    """The service's scheduler (its rounds and workers) until every reminder went out."""
    stopping = asyncio.Event()
    rounds = asyncio.create_task(Dispatcher(ctx).run(stopping, POLL))
    deadline = time.monotonic() + limit
    while len(sink.arrivals) < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.5)
    stopping.set()
    await rounds
