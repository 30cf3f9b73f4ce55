"""Redaction of a notice's context and the Chinese and English templates."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from complaint_events import Complainant, NoticeKind
from complaint_notifier.domain import (
    AddressedNotice,
    ComplaintSummary,
    PlannedNotice,
    Privacy,
    Recipient,
    notice_context,
    redact_context,
    redact_text,
    render,
    step_title,
)

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
WANG = Complainant(
    name="王芳",
    phone="13800138000",
    email="wang@example.com",
    address="杭州市西湖路1号",
    confidential=True,
)
SUMMARY = ComplaintSummary(
    complaint_id="c-1",
    complaint_number="TS-20250303-000042",
    title="王芳反映护士态度差，电话13800138000",
    severity="class_2",
    category="nursing",
    complainant=WANG,
)


def test_redact_text_removes_identifiers_emails_and_phone_numbers() -> None:
    text = "王芳 (wang@example.com, 138 0013 8000 / 0571-87654321) lives at 杭州市西湖路1号"
    cleaned = redact_text(text, Privacy.of(WANG))
    for leak in ("王芳", "wang@example.com", "0571-87654321", "西湖路"):
        assert leak not in cleaned
    assert redact_text("TS-20250303-000042 due 2025-03-04 17:30", Privacy()) == (
        "TS-20250303-000042 due 2025-03-04 17:30"
    )


def test_redact_context_drops_complainant_fields_everywhere() -> None:
    context = {
        "complainant": {"name": "王芳"},
        "complainant_phone": "13800138000",
        "title": "王芳投诉",
        "nested": {"notes": ["联系 13800138000"], "count": 3},
    }
    assert redact_context(context, Privacy.of(WANG)) == {
        "title": "[redacted]投诉",
        "nested": {"notes": ["联系 [redacted]"], "count": 3},
    }


def notice(kind: NoticeKind = NoticeKind.BREACH, level: int = 0) -> PlannedNotice:
    due = datetime(2025, 3, 4, 1, 30, tzinfo=UTC)
    return PlannedNotice(
        notice_id="n" * 64,
        complaint_id="c-1",
        policy_id="hospital",
        step="reply",
        kind=kind,
        level=level,
        round=1,
        cycle=1,
        send_at=due,
        due_at=due,
        roles=("department_head",),
        department="nursing",
        deadline_id="d" * 64,
    )


def person(language: str, *, respondent_side: bool = False, sees: bool = False) -> Recipient:
    return Recipient("p", "Someone", "p@example.org", None, language, "role", respondent_side, sees)


def addressed(
    language: str, *, redact: bool, sees: bool = False, kind: NoticeKind = NoticeKind.BREACH
) -> AddressedNotice:
    recipient = person(language, respondent_side=redact, sees=sees)
    return AddressedNotice("x" * 64, notice(kind), recipient, redact)


def test_a_redacted_notice_holds_no_personal_data() -> None:
    context = notice_context(
        addressed("zh", redact=True, sees=True), SUMMARY, title="回复", zone=SHANGHAI
    )
    text = " ".join(context.values())
    for leak in ("王芳", "13800138000", "wang@example.com"):
        assert leak not in text
    assert context["complainant"] == "投诉人：（保密，已隐去）"
    assert context["due_at"] == "2025-03-04 09:30 (Asia/Shanghai)"


def test_complainant_details_only_for_roles_that_may_see_them() -> None:
    desk = notice_context(
        addressed("en", redact=False, sees=True), SUMMARY, title="t", zone=SHANGHAI
    )
    assert desk["complainant"] == "Complainant: 王芳 13800138000 wang@example.com"
    other = notice_context(addressed("en", redact=False), SUMMARY, title="t", zone=SHANGHAI)
    assert other["complainant"] == ""


@pytest.mark.parametrize("kind", list(NoticeKind))
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_template_renders_in_both_languages(kind: NoticeKind, language: str) -> None:
    context = notice_context(
        addressed(language, redact=False, kind=kind), SUMMARY, title="回复投诉人", zone=SHANGHAI
    )
    rendered = render(kind, language, context)
    assert "TS-20250303-000042" in rendered.subject
    assert "$" not in rendered.subject + rendered.body
    assert "13800138000" not in rendered.body  # the title named it; this role may not see it
    assert rendered.body.endswith("\n") and "\n\n" not in rendered.body


def test_chinese_and_english_texts() -> None:
    zh = render(
        NoticeKind.BREACH,
        "zh",
        notice_context(addressed("zh", redact=True), SUMMARY, title="回复投诉人", zone=SHANGHAI),
    )
    assert (
        zh.subject
        == "【投诉超时】TS-20250303-000042 回复投诉人 已于 2025-03-04 09:30 (Asia/Shanghai) 超时"
    )
    assert "投诉人：（保密，已隐去）" in zh.body and "王芳" not in zh.body
    en = render(
        NoticeKind.ESCALATION,
        "en",
        notice_context(addressed("en", redact=False), SUMMARY, title="Reply", zone=SHANGHAI),
    )
    assert en.subject == "[Complaint escalation, level 0] TS-20250303-000042: Reply"


def test_an_unknown_language_falls_back_to_english() -> None:
    context = notice_context(addressed("en", redact=False), SUMMARY, title="Reply", zone=SHANGHAI)
    assert render(NoticeKind.REMINDER, "fr", context).subject.startswith("[Complaint deadline")


def test_step_titles_come_from_the_policy(policies: dict) -> None:
    hospital = policies["hospital"]
    assert step_title(hospital, "reply", "zh") == "核实查证处理结果回复投诉人"
    assert step_title(hospital, "lawsuit_to_medical_affairs", "en").startswith("Complaint taken")
    assert step_title(hospital, "unknown", "en") == "unknown"


def test_a_role_that_may_see_the_complainant_gets_the_title_as_written() -> None:
    context = notice_context(
        addressed("zh", redact=False, sees=True), SUMMARY, title="t", zone=SHANGHAI
    )
    assert context["title"] == SUMMARY.title
    anonymous = ComplaintSummary(
        "c-2", title="电话13800138000", complainant=Complainant(anonymous=True)
    )
    hidden = notice_context(
        addressed("zh", redact=False, sees=True), anonymous, title="t", zone=SHANGHAI
    )
    assert hidden["complainant"] == "" and hidden["title"] == "电话13800138000"
