"""The service's pure parts: the complaint record, re-planning, documents, signatures,
e-mail headers and settings. No I/O."""

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from complaint_events import (
    ClockPaused,
    ComplaintReclassified,
    DeadlineBreached,
    DeadlineCancelled,
    DeadlineMet,
    DeadlineRescheduled,
    DeadlineScheduled,
    NoticeChannel,
    NoticeKind,
    ReplySent,
)
from complaint_notifier.adapters.documents import record_from_doc, record_to_doc
from complaint_notifier.adapters.smtp import message
from complaint_notifier.adapters.webhook import signature, verify
from complaint_notifier.domain import Recipient
from complaint_notifier.service_layer import Rules
from complaint_notifier.service_layer.complaint_record import ComplaintRecord
from complaint_notifier.service_layer.composing import compose, still_wanted
from complaint_notifier.service_layer.ports import Delivery
from complaint_notifier.service_layer.replanning import adopt, replan
from complaint_notifier.settings import NotifierSettings
from complaint_runtime import DATA_DIR

from .live import DATA, NAME, PHONE, SECRET, classified, complaint_id, event, received

pytestmark = pytest.mark.unit

T0 = datetime(2025, 3, 3, 8, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Rules:
    people = {
        "desk": {"name": "Desk", "email": "desk@x.example", "webhook": "http://h/desk"},
        "head": {"name": "Head", "email": "head@x.example", "language": "en"},
        "manager": {"name": "Manager", "email": "m@x.example"},
    }
    roles = {
        "desk": {"sees_complainant": True, "people": ["desk"]},
        "respondent_head": {"respondent_side": True, "people": ["head"]},
        "manager": {"people": ["manager"]},
    }
    path = tmp_path_factory.mktemp("directory") / "directory.yaml"
    path.write_text(yaml.safe_dump({"people": people, "roles": roles}))
    return Rules.load(
        policies_dir=DATA / "policies",
        calendars_dir=DATA_DIR / "calendars",
        directory_file=path,
        default_language="zh",
    )


def planned(rules: Rules, record: ComplaintRecord, now: datetime = T0) -> list[object]:
    """The deadline events a re-plan adds, remembered as published like the use case does."""
    plan = replan(rules, record, now)
    assert plan is not None
    facts = adopt(record, plan)
    record.published |= {fact.key for fact in facts}
    return [fact.payload for fact in facts]


# ---- the complaint record ---------------------------------------------------------------------


def test_the_record_keeps_flags_and_a_scrubbed_title_never_the_complainant() -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    assert record.privacy().withheld_from_respondent  # not received yet: withheld to be safe
    assert record.absorb(received(cid, T0, confidential=True, department="sales"))
    assert record.confidential and not record.anonymous and record.received
    assert record.title is not None and NAME not in record.title and PHONE not in record.title
    assert NAME not in str(record_to_doc(record)) and PHONE not in str(record_to_doc(record))
    assert record.respondent_department == "sales"


def test_an_event_taken_in_twice_counts_once() -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    receipt = received(cid, T0)
    assert record.absorb(receipt) and not record.absorb(receipt)
    assert len(record.events) == 1


def test_later_manual_overrides_apply_over_the_classifiers_decision() -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    record.absorb(received(cid, T0, department="sales"))
    override = ComplaintReclassified(actor="lead", severity="A", reason="x", flags=["media"])
    record.absorb(event(cid, override, T0 + timedelta(minutes=5)))
    record.absorb(classified(cid, T0 + timedelta(minutes=1), severity="C"))
    current = record.classification()
    assert current is not None
    assert (current.severity, current.flags) == ("A", frozenset({"media"}))
    assert current.department == "sales"  # the respondent's department, as none was classified
    newer = classified(cid, T0 + timedelta(minutes=9), severity="B")
    record.absorb(newer)  # a newer decision of the classifier replaces the override
    assert record.classification() is not None and record.classification().severity == "B"  # type: ignore[union-attr]


def test_events_are_ordered_by_when_they_happened_whatever_order_they_came_in() -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    later = event(cid, ReplySent(actor="d", content="x"), T0 + timedelta(hours=1))
    record.absorb(later)
    record.absorb(received(cid, T0))
    assert [e.event_type for e in record.events] == ["ComplaintReceived", "ReplySent"]


# ---- re-planning --------------------------------------------------------------------------------


def test_clock_transitions_become_the_shared_deadline_events(rules: Rules) -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    record.absorb(received(cid, T0))
    record.absorb(classified(cid, T0))
    (started,) = planned(rules, record)
    assert isinstance(started, DeadlineScheduled)
    assert started.due_at == T0 + timedelta(hours=2) and started.clock == "ComplaintReceived"
    assert {n.kind for n in record.adds} == {
        NoticeKind.REMINDER,
        NoticeKind.BREACH,
        NoticeKind.ESCALATION,
    }
    record.adds = []
    record.absorb(event(cid, ClockPaused(actor="q", reason="x"), T0 + timedelta(minutes=30)))
    (paused,) = planned(rules, record)
    assert isinstance(paused, DeadlineRescheduled) and paused.due_at is None
    assert record.adds == [] and len(record.drops) == 3
    assert planned(rules, record) == []  # the same events again: nothing new


def test_a_reply_in_time_is_met_and_a_late_one_is_a_breach(rules: Rules) -> None:
    for minutes, expected in ((90, DeadlineMet), (150, DeadlineBreached)):
        cid = complaint_id()
        record = ComplaintRecord(cid)
        record.absorb(received(cid, T0))
        record.absorb(classified(cid, T0))
        planned(rules, record)
        record.absorb(
            event(cid, ReplySent(actor="d", content="x"), T0 + timedelta(minutes=minutes))
        )
        (outcome,) = planned(rules, record)
        assert isinstance(outcome, expected)
        assert record.scheduled == {}  # every notice of the clock dropped


def test_a_reclassification_cancels_clocks_that_no_longer_apply(rules: Rules) -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    record.absorb(received(cid, T0))
    record.absorb(classified(cid, T0, severity="A"))
    started = planned(rules, record)
    assert {p.step for p in started if isinstance(p, DeadlineScheduled)} == {"reply", "acknowledge"}
    immediate = [n for n in record.adds if n.kind is NoticeKind.IMMEDIATE]
    assert len(immediate) == 1 and immediate[0].roles == ("manager",)
    down = ComplaintReclassified(actor="lead", severity="B", reason="x")
    record.absorb(event(cid, down, T0 + timedelta(minutes=3)))
    (cancelled,) = planned(rules, record)
    assert isinstance(cancelled, DeadlineCancelled) and cancelled.step == "acknowledge"


def test_a_policy_the_notifier_does_not_know_plans_nothing(rules: Rules) -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    record.absorb(classified(cid, T0, policy="not-a-policy"))
    assert replan(rules, record, T0) is None


def test_a_progress_notice_is_wanted_while_its_clock_runs_from_the_same_start(rules: Rules) -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    record.absorb(received(cid, T0))
    record.absorb(classified(cid, T0, flags=["incident"]))
    planned(rules, record)
    (first,) = [n for n in record.adds if n.kind is NoticeKind.PROGRESS]
    assert still_wanted(rules, record, first)
    second = replace(first, level=2, notice_id="not-the-id-of-the-second")
    assert not still_wanted(rules, record, second)
    record.absorb(event(cid, ClockPaused(actor="q", reason="x"), T0 + timedelta(minutes=10)))
    planned(rules, record)
    assert not still_wanted(rules, record, first)


def test_deliveries_go_once_per_person_and_channel_in_their_language(rules: Rules) -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    record.absorb(received(cid, T0, anonymous=True))
    record.absorb(classified(cid, T0))
    planned(rules, record)
    reminder = next(n for n in record.adds if n.kind is NoticeKind.REMINDER)

    class Reaches:
        def __init__(self, channel: NoticeChannel) -> None:
            self.channel = channel

        def reaches(self, person: Recipient) -> bool:
            return (
                person.webhook if self.channel is NoticeChannel.WEBHOOK else person.email
            ) is not None

        async def send(self, delivery: Delivery) -> None:
            raise NotImplementedError

    senders = {
        channel: Reaches(channel) for channel in NoticeChannel if channel is not NoticeChannel.KAFKA
    }
    deliveries = compose(rules, record, reminder, senders)
    found = {(d.recipient.person_id, d.channel.value, d.language, d.redacted) for d in deliveries}
    assert found == {
        ("desk", "email", "zh", False),  # no language in the directory: the default
        ("desk", "webhook", "zh", False),
        ("head", "email", "en", True),  # respondent side, anonymous complainant
    }
    assert len({d.key for d in deliveries}) == 3


# ---- documents --------------------------------------------------------------------------------


def test_a_record_survives_the_round_trip_to_a_document_to_the_microsecond(rules: Rules) -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    record.absorb(received(cid, T0, confidential=True))
    record.absorb(classified(cid, T0, flags=["incident"]))
    record.absorb(event(cid, ComplaintReclassified(actor="l", severity="C", reason="x"), T0))
    record.absorb(event(cid, ClockPaused(actor="q", reason="x"), T0 + timedelta(minutes=7)))
    planned(rules, record)
    record.published.add("k")
    record.outbox.append("{}")
    again = record_from_doc(record_to_doc(record))
    assert again == record
    assert again.clocks[0].started_at.microsecond == 123456


def test_the_fields_left_out_of_equality_survive_the_round_trip_too(rules: Rules) -> None:
    """The due before holiday extension (a later pause measures against it) and the time a
    held notice fell due: a record is read back from MongoDB before every event."""
    cid = complaint_id()
    record = ComplaintRecord(cid)
    record.absorb(received(cid, T0))
    record.absorb(classified(cid, T0))
    planned(rules, record)
    clock = replace(record.clocks[0], unextended_due=T0 + timedelta(days=3))
    notice = replace(record.adds[0], falls_due_at=T0 + timedelta(hours=1))
    record.clocks[0], record.adds[0] = clock, notice
    again = record_from_doc(record_to_doc(record))
    assert again.clocks[0].unextended_due == T0 + timedelta(days=3)
    assert again.adds[0].falls_due_at == T0 + timedelta(hours=1)


# ---- signatures, e-mail, settings ---------------------------------------------------------


def test_a_webhook_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body, timestamp = b'{"a":1}', "1700000000"
    expected = hmac.new(b"k" * 32, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature(b"k" * 32, timestamp, body) == f"sha256={expected}"
    signed = signature(b"k" * 32, timestamp, body)
    assert verify(b"k" * 32, timestamp, body, signed, now=1700000100)
    assert not verify(b"k" * 32, timestamp, body, signed, now=1700000000 + 301)  # too old
    assert not verify(b"k" * 32, timestamp, body + b" ", signed, now=1700000000)


def test_an_email_carries_the_delivery_id_as_message_id(rules: Rules) -> None:
    cid = complaint_id()
    record = ComplaintRecord(cid)
    record.absorb(received(cid, T0))
    record.absorb(classified(cid, T0))
    planned(rules, record)
    person = Recipient(
        "head", "部门负责人", "head@x.example", None, "zh", "respondent_head", True, False
    )
    delivery = Delivery(
        "d1:email",
        "d1",
        NoticeChannel.EMAIL,
        record.adds[0],
        person,
        "zh",
        True,
        "TS-1",
        "主题",
        "正文\n",
    )
    mail = message(delivery, "notifier@example.org")
    assert mail["Message-ID"] == "<d1@example.org>"
    assert mail["To"] == "部门负责人 <head@x.example>" and mail["Subject"] == "主题"
    assert mail.get_content() == "正文\n"


def _settings(**values: object) -> NotifierSettings:
    return NotifierSettings(**{"webhook_secret": SECRET, **values})  # type: ignore[arg-type]


def test_settings_refuse_a_missing_short_or_placeholder_webhook_secret() -> None:
    with pytest.raises(ValidationError, match=r"webhook_secret|WEBHOOK_SECRET"):
        NotifierSettings()  # type: ignore[call-arg]
    for bad in ("<random string of 32 bytes or more>", "changeme", "too-short"):
        with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
            _settings(webhook_secret=bad)
    with pytest.raises(ValidationError, match="SMTP_PASSWORD"):
        _settings(smtp_password="<password>")


def test_settings_refuse_a_lease_shorter_than_a_delivery_can_take() -> None:
    with pytest.raises(ValidationError, match="NOTIFIER_LEASE_SECONDS"):
        _settings(lease_seconds=30, delivery_tries=4, smtp_timeout_seconds=10)
    assert (
        _settings(lease_seconds=60, delivery_tries=2, smtp_timeout_seconds=10).lease_seconds == 60
    )


def test_settings_come_from_the_environment_names_the_deployment_uses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = {
        "SMTP_HOST": "smtp.example.org",
        "SMTP_PORT": "2525",
        "SMTP_USERNAME": "u",
        "SMTP_PASSWORD": "a-real-password",
        "SMTP_FROM": "complaints@example.org",
        "WEBHOOK_SECRET": SECRET,
        "DIRECTORY_FILE": "/tmp/directory.yaml",
        "POLICIES_DIR": "/tmp/policies",
        "CALENDARS_DIR": "/tmp/calendars",
        "NOTIFIER_POLL_INTERVAL_SECONDS": "0.25",
        "NOTIFIER_DEFAULT_LANGUAGE": "en",
    }
    for name, value in names.items():
        monkeypatch.setenv(name, value)
    settings = NotifierSettings()  # type: ignore[call-arg]
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_from) == (
        "smtp.example.org",
        2525,
        "complaints@example.org",
    )
    assert settings.directory_file == Path("/tmp/directory.yaml")
    assert (settings.poll_interval_seconds, settings.default_language) == (0.25, "en")


def test_the_default_data_folders_are_the_repositorys() -> None:
    settings = _settings()
    assert settings.policies_dir == DATA_DIR / "policies" and settings.policies_dir.is_dir()
    assert settings.directory_file.is_file() and settings.calendars_dir.is_dir()
