"""Masking, report arithmetic, CSV and search cursors."""

from datetime import UTC, datetime

import pytest

from complaint_archive.domain import (
    InvalidCursor,
    Position,
    annual_row,
    csv_text,
    decode_cursor,
    encode_cursor,
    fold,
    masked,
    monthly_counts,
    on_time_by_step,
    pareto,
    share_by_month,
    summary,
    visible,
)

from .builders import full_story

pytestmark = pytest.mark.unit


def test_a_confidential_complainant_is_masked_for_unprivileged_callers():
    document = fold(full_story().events)
    hidden = visible(document, privileged=False)["record"]["complainant"]
    assert {hidden[name] for name in ("name", "phone", "email", "address")} == {"***"}
    assert hidden["confidential"] is True
    assert visible(document, privileged=True)["record"]["complainant"]["name"] == "张三"
    assert document["record"]["complainant"]["name"] == "张三"  # the original is untouched


def test_a_complainant_who_is_not_confidential_is_shown():
    document = fold(full_story(confidential=False).events)
    assert masked(document) is document


def test_monthly_counts_roll_up_each_dimension():
    counts = [
        {"key": {"month": "2024-05", "category": "q", "severity": "C", "department": "qa"}, "n": 3},
        {"key": {"month": "2024-05", "category": "q", "severity": "B", "department": None}, "n": 2},
        {"key": {"month": "2024-06", "category": "s", "severity": "B", "department": "qa"}, "n": 1},
    ]
    rows = {(r.month, r.dimension, r.value): r.count for r in monthly_counts(counts)}
    assert rows[("2024-05", "category", "q")] == 5
    assert rows[("2024-05", "severity", "B")] == 2
    assert rows[("2024-05", "department", "(none)")] == 2
    assert rows[("2024-06", "department", "qa")] == 1


def test_on_time_rate_per_step_ignores_open_and_cancelled_deadlines():
    counts = [
        {"key": {"step": "reply", "outcome": "met", "on_time": True}, "n": 3},
        {"key": {"step": "reply", "outcome": "met", "on_time": False}, "n": 1},
        {"key": {"step": "reply", "outcome": "breached", "on_time": False}, "n": 1},
        {"key": {"step": "reply", "outcome": "open", "on_time": None}, "n": 9},
        {"key": {"step": "visit", "outcome": "cancelled", "on_time": None}, "n": 2},
    ]
    assert on_time_by_step(counts) == [
        {"step": "reply", "finished": 5, "on_time": 3, "late": 2, "on_time_rate": 0.6}
    ]


def test_closure_and_reply_accepted_rates_by_month():
    counts = [
        {"key": {"month": "2024-05", "status": "closed"}, "n": 3},
        {"key": {"month": "2024-05", "status": "assigned"}, "n": 1},
        {"key": {"month": "2024-06", "status": "received"}, "n": 2},
    ]
    closure = share_by_month(counts, "status", {"closed"}, None)
    assert closure["rate"] == 0.5
    assert closure["months"][0] == {"month": "2024-05", "count": 3, "of": 4, "rate": 0.75}
    replies = [
        {"key": {"month": "2024-05", "reply_outcome": "accepted"}, "n": 2},
        {"key": {"month": "2024-05", "reply_outcome": "rejected"}, "n": 1},
        {"key": {"month": "2024-05", "reply_outcome": None}, "n": 7},
    ]
    accepted = share_by_month(replies, "reply_outcome", {"accepted"}, {"accepted", "rejected"})
    assert (accepted["count"], accepted["of"], accepted["rate"]) == (2, 3, 0.6667)


def test_pareto_orders_causes_with_cumulative_share():
    counts = [
        {"key": {"cause": "包装"}, "n": 6},
        {"key": {"cause": "标签"}, "n": 3},
        {"key": {"cause": None}, "n": 1},
    ]
    assert [(r["cause"], r["share"], r["cumulative"]) for r in pareto(counts)] == [
        ("包装", 0.6, 0.6),
        ("标签", 0.3, 0.9),
        ("(none)", 0.1, 1.0),
    ]


def test_annual_summary_row_has_the_columns_of_000_d1():
    row = annual_row(fold(full_story().events))
    assert row["received_date"] == "2024-05-06"
    assert (row["product"], row["batch"]) == ("阿莫西林胶囊", "A240501")
    assert row["cause"] == "运输包装破损"
    assert row["actions"] == "refund; 改进外箱"


def test_csv_has_a_bom_and_defuses_formulas():
    text = csv_text(["a", "b"], [{"a": "=cmd()", "b": ["x", "y"]}, {"a": None, "b": True}])
    assert text == "\ufeffa,b\r\n'=cmd(),x; y\r\n,true\r\n"


def test_a_search_summary_carries_no_personal_data():
    hit = summary(fold(full_story().events))
    assert hit["product"] == "阿莫西林胶囊"
    assert "张三" not in repr(hit)


def test_cursor_round_trip_and_garbage():
    position = Position(datetime(2024, 5, 6, 1, 30, 0, 123000, tzinfo=UTC), "c-1")
    assert decode_cursor(encode_cursor(position)) == position
    for garbage in ("", "abc", encode_cursor(position)[:-3] + "!!", "W10"):
        with pytest.raises(InvalidCursor):
            decode_cursor(garbage)


def test_a_confidential_complainant_is_masked_in_the_free_text_too():
    document = fold(full_story().events)
    record = document["record"]
    name, email = record["complainant"]["name"], "someone.else@example.net"
    text = f"{name}投诉：请回电 13800138000 或 010-12345678，邮件 {email}"
    document = {**document, "record": {**record, "title": text, "description": text}}
    shown = visible(document, privileged=False)["record"]
    for field in ("title", "description"):
        assert shown[field] == "***投诉：请回电 *** 或 ***，邮件 ***"
    assert shown["complainant"]["name"] == "***"
    assert visible(document, privileged=True)["record"]["title"] == text
    assert document["record"]["title"] == text  # the original is untouched


def test_a_search_hit_masks_a_confidential_complainant_in_its_title():
    document = fold(full_story().events)
    record = document["record"]
    document = {**document, "record": {**record, "title": f"{record['complainant']['name']}投诉"}}
    assert summary(document)["title"] == "***投诉"
