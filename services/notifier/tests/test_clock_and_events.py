"""The injectable clock and the event adapter."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaint_events import (
    CapaVerified,
    ClockPaused,
    Complainant,
    ComplaintReceived,
    ComplaintSubmitted,
    ReplySent,
    new_event,
)
from complaint_notifier.domain import (
    Clock,
    ComplaintEvent,
    SettableClock,
    SystemClock,
    from_envelope,
)

pytestmark = pytest.mark.unit

NOON = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def test_settable_clock_travels_in_time() -> None:
    clock: Clock = SettableClock(NOON.astimezone(ZoneInfo("Asia/Shanghai")))
    assert clock.now() == NOON and clock.now().tzinfo is UTC
    assert isinstance(clock, SettableClock)
    assert clock.advance(timedelta(hours=2)) == NOON + timedelta(hours=2)
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))


def test_system_clock_is_aware_and_current() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is not None and before <= now <= datetime.now(UTC)


def test_events_need_aware_times() -> None:
    with pytest.raises(ValueError):
        ComplaintEvent("ReplySent", datetime(2025, 3, 3, 12, 0))


def test_a_receipt_counts_from_when_the_complaint_was_received() -> None:
    received_at = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    submission = ComplaintSubmitted(
        source_system="web",
        external_reference="r-1",
        channel="letter",
        received_at=received_at,
        description="包装破损",
        complainant=Complainant(name="王芳"),
    )
    payload = ComplaintReceived(
        complaint_id="c-1", complaint_number="TS-20250301-000001", submission=submission
    )
    envelope = new_event(payload, producer="intake", occurred_at=NOON)
    seen = from_envelope(envelope)
    assert (seen.event_type, seen.at, seen.event_id) == (
        "ComplaintReceived",
        received_at,
        envelope.event_id,
    )


def test_pauses_carry_their_step_and_capa_its_verification_time() -> None:
    paused = new_event(
        ClockPaused(actor="qa", reason="sample at the lab", step="mediation"),
        producer="intake",
        complaint_id="c-1",
        occurred_at=NOON,
    )
    assert from_envelope(paused) == ComplaintEvent(
        "ClockPaused", NOON, step="mediation", event_id=paused.event_id
    )
    verified_at = NOON - timedelta(days=1)
    capa = new_event(
        CapaVerified(actor="qa", round=1, effective=True, verified_at=verified_at),
        producer="intake",
        complaint_id="c-1",
        occurred_at=NOON,
    )
    assert from_envelope(capa).at == verified_at
    reply = new_event(
        ReplySent(actor="qa", content="已处理"),
        producer="intake",
        complaint_id="c-1",
        occurred_at=NOON,
    )
    assert from_envelope(reply).at == NOON and from_envelope(reply).step is None
