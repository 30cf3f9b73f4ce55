"""Two intake processes on one database and one consumer group: still one complaint per
(source system, external reference), and never one number twice."""

import asyncio
import json
from collections import Counter
from pathlib import Path

import httpx
import pytest

from complaint_events import RECEIVED, SUBMITTED, topic_name
from complaint_intake.settings import IntakeSettings

from .live import WRITER, free_port, produce, read_events, service_process, source
from .samples import raw, submission

pytestmark = pytest.mark.integration
HEADERS = {"X-API-Key": WRITER, "content-type": "application/json"}


async def test_two_replicas_agree_on_every_complaint(
    live_settings: IntakeSettings, tmp_path: Path
) -> None:
    base = live_settings.model_copy(update={"consume_submissions": True, "number_block_size": 5})
    first, second = (base.model_copy(update={"http_port": free_port()}) for _ in range(2))
    system = source()
    rest = [raw(submission(source_system=system, external_reference=f"H-{n}")) for n in range(40)]
    kafka = [raw(submission(source_system=system, external_reference=f"Q-{n}")) for n in range(60)]
    with (
        service_process(first, tmp_path / "first.log") as one,
        service_process(second, tmp_path / "second.log") as two,
    ):
        async with httpx.AsyncClient(headers=HEADERS, timeout=60) as client:
            # every submission goes to both replicas at the same moment
            answers = await asyncio.gather(
                *(
                    client.post(f"{url}/v1/complaints", content=body)
                    for body in rest
                    for url in (one, two)
                )
            )
        await produce(
            base.kafka_bootstrap_servers,
            topic_name(SUBMITTED, base.topic_prefix),
            kafka + kafka[:20],
        )
        events = await read_events(
            base.kafka_bootstrap_servers,
            RECEIVED,
            base.topic_prefix,
            lambda event: event.payload.submission.source_system == system,
            count=100,
            settle=3,
        )
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {202: 40, 200: 40}
    pairs = [answers[i : i + 2] for i in range(0, len(answers), 2)]
    assert all(a.json()["complaint_id"] == b.json()["complaint_id"] for a, b in pairs)
    references = Counter(event.payload.submission.external_reference for event in events)
    assert set(references) == {json.loads(body)["external_reference"] for body in rest + kafka}
    complaints = {event.complaint_id: event.payload.complaint_number for event in events}
    assert len(complaints) == 100  # one complaint per reference, whichever replica took it
    assert len(set(complaints.values())) == 100  # and no number twice
