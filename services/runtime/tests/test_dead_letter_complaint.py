"""A dead letter of a complaint's event carries the complaint id, so the refusal shows on the
complaint (issue 14, reproduction 3: a reclassification the classifier refused had none)."""

from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry

from complaint_events import DecodeError, ReasonCode, decode
from complaint_runtime import DeadLetters, ServiceSettings

pytestmark = pytest.mark.unit
COMPLAINT = "01934f6e-8a2b-7c3d-9e4f-0123456789ab"


async def dead_letter_of(key: bytes | None) -> Any:
    sent: list[bytes] = []

    class Broker:
        async def publish(self, value: bytes, *, topic: str, key: bytes, headers: object) -> None:
            sent.append(value)

    record = ConsumerRecord("t", 0, 7, 0, 0, key, b"{}", None, len(key or b""), 2, [])
    broker: Any = Broker()
    dead = DeadLetters(broker, ServiceSettings(), service="probe", registry=CollectorRegistry())
    await dead.send(record, DecodeError(ReasonCode.VALIDATION_FAILED, "severity unknown"))
    return decode(sent[0])


async def test_the_dead_letter_of_a_complaints_event_names_the_complaint() -> None:
    letter = await dead_letter_of(COMPLAINT.encode())
    assert letter.complaint_id == COMPLAINT


@pytest.mark.parametrize("key", [None, b"erp/A-1", b"\xff\xfe", b"not-a-uuid"])
async def test_a_key_that_is_no_complaint_id_leaves_it_empty(key: bytes | None) -> None:
    letter = await dead_letter_of(key)
    assert letter.complaint_id is None
