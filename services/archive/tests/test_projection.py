"""The projection: every event folded into its complaint's document, whatever the order."""

import copy
import random
from datetime import timedelta
from functools import reduce

import pytest

from complaint_archive.domain import NotAComplaintEvent, apply, fold
from complaint_events import (
    AttachmentStored,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintReopened,
    DeadlineRescheduled,
    NoticeFailed,
    ReplySent,
    SubmissionRejected,
    new_event,
)
from complaint_events.examples import example_submission

from .builders import SIDE_EVENTS, START, Story, classified, full_story, purge

pytestmark = pytest.mark.unit


def applied(events):  # in the order given
    return reduce(apply, events, None)


def test_received_event_gives_the_record_of_domain_section_1():
    story = Story()
    story.received()
    document = fold(story.events)
    record = document["record"]
    assert document["_id"] == story.complaint_id
    assert document["number"] == story.number
    assert document["status"] == "received"
    assert document["received_at"] == START
    assert document["received_month"] == "2024-05"
    assert record["channel"] == "hotline"
    assert record["receiver"] == "desk-07"
    assert record["complainant"]["name"] == "张三"
    assert record["respondent"]["organisation"] == "某某制药有限公司"
    assert record["product"] == {
        "name": "阿莫西林胶囊",
        "batch": "A240501",
        "quantity": "2",
        "unit": "盒",
        "expiry_date": "2026-04-30",
    }
    assert record["request"]["amount"] == "300.00"
    assert record["description"].startswith("5月6日")
    assert document["confidential"] is True


def test_classification_keeps_its_rules_and_evidence():
    story = Story()
    story.received()
    story.at(1, classified("C"), producer="classifier")
    document = fold(story.events)
    assert document["status"] == "accepted"
    assert (document["policy_id"], document["severity"], document["category"]) == (
        "pharma-quality",
        "C",
        "product_quality",
    )
    evidence = document["classification"]["matched_rules"][0]["evidence"][0]
    assert evidence["value"] == "严重过敏"
    assert document["record"]["description"][evidence["start"] : evidence["end"]] == "严重过敏"


def test_a_whole_life_ends_closed_with_its_reply_resolution_capa_and_deadline():
    document = fold(full_story().events)
    assert document["status"] == "closed"
    assert document["ended_at"] == START + timedelta(minutes=1000)
    assert document["department"] == "quality_assurance"
    assert document["assignment"]["handler"] == "qa-02"
    assert document["replies"][0]["content"].startswith("经调查")
    assert document["replies"][0]["verdict"]["satisfaction"] == 4
    assert document["reply_outcome"] == "accepted"
    assert document["resolution"]["actions"] == ["refund", "改进外箱"]
    assert document["cause"] == "运输包装破损"
    assert document["capa"][0]["round"] == 1
    assert document["closure"]["outcome"] == "resolved"
    [deadline] = document["deadlines"]
    assert (deadline["step"], deadline["outcome"], deadline["on_time"]) == ("reply", "met", True)
    assert document["open_due_at"] is None
    assert document["notices"][0]["recipient_role"] == "quality_director"
    assert [entry["event_type"] for entry in document["timeline"]][:2] == [
        "ComplaintReceived",
        "ComplaintClassified",
    ]
    assert document["event_count"] == len(full_story().events)


def test_classified_before_received_gives_the_same_document():
    story = full_story()
    received, classification, *rest = story.events
    assert applied([classification, received, *rest]) == fold(story.events)


def test_every_order_and_every_redelivery_gives_the_sorted_fold():
    story = full_story()
    expected = fold(story.events)
    shuffler = random.Random(7)
    for _ in range(50):
        delivered = story.events + shuffler.sample(story.events, 5)
        shuffler.shuffle(delivered)
        assert applied(delivered) == expected


def test_a_duplicate_returns_the_very_same_document():
    story = full_story()
    document = fold(story.events)
    assert apply(document, story.events[3]) is document


def test_apply_leaves_the_given_document_unchanged():
    story = full_story()
    document = fold(story.events[:-1])
    before = copy.deepcopy(document)
    apply(document, story.events[-1])
    assert document == before


def test_a_late_acknowledgement_does_not_move_the_status_back():
    story = Story()
    story.received()
    story.at(5, classified(), producer="classifier")
    story.at(10, ComplaintAssigned(actor="lead", department="qa"))
    story.at(20, ReplySent(actor="qa", content="已处理"))
    story.at(25, SIDE_EVENTS["reclassify"])  # moves no status
    story.at(30, ComplaintAcknowledged(actor="qa"))
    assert fold(story.events)["status"] == "reply_sent"


def test_an_ended_complaint_stays_closed_until_reopened():
    story = full_story()
    from complaint_events import CapaVerified

    story.at(2000, CapaVerified(actor="qa", round=2, effective=True, verified_at=START))
    assert fold(story.events)["status"] == "closed"
    story.at(3000, ComplaintReopened(actor="qa", reason="again"))
    document = fold(story.events)
    assert document["status"] == "reopened"
    assert document["ended_at"] is None
    assert document["reopenings"][0]["reason"] == "again"


def test_a_reclassification_replaces_the_classification_but_keeps_the_policy():
    story = Story()
    story.received()
    story.at(1, classified("C"), producer="classifier")
    story.at(5, SIDE_EVENTS["reclassify"])
    document = fold(story.events)
    assert document["severity"] == "B"
    assert document["category"] is None
    assert document["policy_id"] == "pharma-quality"
    assert document["classification"]["manual"] is True
    assert [c["severity"] for c in document["classifications"]] == ["C", "B"]


def test_assignment_decides_the_department():
    story = Story()
    story.received()
    story.at(1, classified(department="quality_assurance"), producer="classifier")
    story.at(2, ComplaintAssigned(actor="lead", department="pharmacy"))
    assert fold(story.events)["department"] == "pharmacy"


def test_a_transfer_decided_by_the_classifier_ends_the_complaint():
    story = Story()
    story.received()
    story.at(1, classified(decision="transfer"), producer="classifier")
    document = fold(story.events)
    assert document["status"] == "transferred"
    assert document["transfer"]["to_body"] == "市场监督管理局"


def test_deadlines_breached_late_paused_and_overdue():
    story = Story()
    story.received()
    story.deadline(1, "reply", 60)
    story.deadline(1, "visit", 120)
    story.breached(61, "reply")
    document = fold(story.events)
    outcomes = {d["step"]: (d["outcome"], d["on_time"]) for d in document["deadlines"]}
    assert outcomes == {"reply": ("breached", False), "visit": ("open", None)}
    assert document["open_due_at"] == START + timedelta(minutes=61)
    story.met(90, "reply", 61)
    story.at(
        91,
        DeadlineRescheduled(
            deadline_id=f"{story.complaint_id}:visit", step="visit", due_at=None, reason="paused"
        ),
        producer="notifier",
    )
    document = fold(story.events)
    outcomes = {d["step"]: (d["outcome"], d["on_time"]) for d in document["deadlines"]}
    assert outcomes == {"reply": ("met", False), "visit": ("paused", None)}
    assert document["open_due_at"] is None


def test_failed_notices_attachments_and_rejections_are_kept_without_raw_bytes():
    story = Story()
    story.received()
    story.at(
        1,
        NoticeFailed(
            notice_id="n1",
            notice_kind="breach",
            channel="webhook",
            recipient_role="director",
            recipient_ref="staff-1",
            error="HTTP 503",
            final=False,
        ),
    )
    story.at(
        2,
        AttachmentStored(
            attachment_id="a1",
            filename="外盒.jpg",
            content_type="image/jpeg",
            size_bytes=10,
            sha256="0" * 64,
        ),
    )
    story.at(
        3,
        SubmissionRejected(
            rejected_by="intake",
            reason_codes=["validation_failed"],
            original_value=b"secret personal bytes",
        ),
    )
    document = fold(story.events)
    assert document["notices"][0]["sent"] is False
    assert document["attachments"][0]["filename"] == "外盒.jpg"
    assert document["rejections"][0]["reason_codes"] == ["validation_failed"]
    assert "secret" not in repr(document)


def test_a_purge_leaves_a_tombstone_and_later_events_change_nothing():
    story = full_story()
    purged = purge(story, 5000, events_removed=14)
    document = fold(story.events)
    assert document["status"] == "purged"
    assert document["number"] == story.number
    assert "张三" not in repr(document)
    assert [entry["event_id"] for entry in document["timeline"]] == [purged.event_id]
    late = new_event(
        ComplaintAcknowledged(actor="x"),
        producer="intake",
        complaint_id=story.complaint_id,
        occurred_at=START + timedelta(days=900),
    )
    assert apply(document, late) is document
    assert applied([purged, *story.events[:3]]) == document


def test_a_purge_under_legal_hold_is_refused_until_released():
    story = full_story()
    story.at(1500, SIDE_EVENTS["hold"])
    purge(story, 5000)
    held = fold(story.events)
    assert held["status"] == "closed"
    assert held["legal_hold"]["active"] is True
    assert held["purge_refused"][0]["complaint_number"] == story.number
    story.at(6000, SIDE_EVENTS["release"])
    purge(story, 7000)
    assert fold(story.events)["status"] == "purged"


def test_events_of_no_complaint_are_refused():
    submitted = new_event(example_submission(), producer="crm")
    with pytest.raises(NotAComplaintEvent):
        apply(None, submitted)


def test_a_purge_decided_while_the_complaint_is_open_is_refused():
    story = full_story()
    story.at(1500, SIDE_EVENTS["reopen"])
    purge(story, 5000)
    document = fold(story.events)
    assert document["status"] == "reopened"
    assert document["purge_refused"][0]["refused"] == "not_ended"


def test_a_hold_set_after_the_purge_was_decided_stops_it():
    story = full_story()
    purge(story, 5000)
    story.at(5001, SIDE_EVENTS["hold"])  # consumed before the purge was carried out
    document = fold(story.events)
    assert document["status"] == "closed"
    assert document["purge_refused"][0]["refused"] == "legal_hold_after"


def test_of_two_purges_the_first_carried_out_stays():
    story = full_story()
    first, second = purge(story, 5000), purge(story, 6000)
    document = applied([*story.events[:-2], second, first])
    assert document["purge"]["event_id"] == second.event_id
    assert [entry["event_id"] for entry in document["timeline"]] == [second.event_id]
