"""The recipient directory, the role resolver and one delivery per person."""

from pathlib import Path

import pytest

from complaint_events import Complainant, NoticeKind
from complaint_notifier.domain import (
    DataFileError,
    Directory,
    PlannedNotice,
    Privacy,
    address,
    load_directory,
    recipients,
)

pytestmark = pytest.mark.unit


def notice(roles: tuple[str, ...], department: str | None = None, policy: str = "hospital"):
    return PlannedNotice(
        notice_id="n" * 64,
        complaint_id="c-1",
        policy_id=policy,
        step="reply",
        kind=NoticeKind.BREACH,
        level=0,
        round=1,
        cycle=1,
        send_at=None,  # type: ignore[arg-type]
        due_at=None,
        roles=roles,
        department=department,
        deadline_id=None,
    )


def test_department_holders_come_first(directory: Directory) -> None:
    (head,) = recipients(
        directory, "department_head", "nursing_department", policy_id="public-regulator"
    )
    assert head.person_id == "nursing-head" and head.respondent_side


def test_then_the_policy_holders_then_the_default(directory: Directory) -> None:
    (by_policy,) = recipients(
        directory, "department_head", "pharmacy", policy_id="public-regulator"
    )
    assert by_policy.person_id == "section-head"
    (default,) = recipients(directory, "department_head", None)
    assert default.person_id == "dept-head"
    (desk,) = recipients(directory, "complaint_desk", None, policy_id="hospital")
    assert desk.person_id == "complaint-office"


def test_an_unknown_role_has_nobody(directory: Directory) -> None:
    assert recipients(directory, "astronaut", None) == []


def test_recipients_carry_their_addresses(directory: Directory) -> None:
    (duty,) = recipients(directory, "duty_manager", None)
    assert duty.email == "duty-manager@example.org"
    assert duty.webhook == "https://hooks.example.org/duty"
    assert duty.sees_complainant and not duty.respondent_side


CONFIDENTIAL = Privacy.of(Complainant(name="王芳", phone="13800138000", confidential=True))
ANONYMOUS = Privacy.of(Complainant(anonymous=True))


def test_respondent_side_deliveries_are_redacted_for_a_confidential_complainant(
    directory: Directory,
) -> None:
    deliveries = address(notice(("complaint_office", "department_head")), directory, CONFIDENTIAL)
    marks = {d.recipient.person_id: d.redact_complainant for d in deliveries}
    assert marks == {"complaint-office": False, "dept-head": True}
    anonymous = address(notice(("department_head",)), directory, ANONYMOUS)
    assert [d.redact_complainant for d in anonymous] == [True]
    public = address(notice(("department_head",)), directory, Privacy.of(Complainant(name="李")))
    assert [d.redact_complainant for d in public] == [False]


def test_a_person_gets_one_delivery_and_any_respondent_role_redacts(directory: Directory) -> None:
    # The nursing head holds nursing_department and, for nursing, department_head.
    deliveries = address(
        notice(("nursing_department", "department_head"), department="nursing_department"),
        directory,
        CONFIDENTIAL,
    )
    assert [(d.recipient.person_id, d.redact_complainant) for d in deliveries] == [
        ("nursing-head", True)
    ]
    ids = {
        d.delivery_id
        for d in address(notice(("complaint_office", "medical_affairs")), directory, CONFIDENTIAL)
    }
    assert len(ids) == 2


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "directory.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_role_naming_an_unknown_person_is_refused(tmp_path: Path) -> None:
    text = "people: {a: {name: A, email: a@example.org}}\nroles: {desk: {people: [a, b]}}\n"
    with pytest.raises(DataFileError, match=r"unknown people \['b'\]") as error:
        load_directory(write(tmp_path, text))
    assert "directory.yaml" in str(error.value)


def test_a_person_without_email_or_webhook_is_refused(tmp_path: Path) -> None:
    text = "people: {a: {name: A}}\nroles: {}\n"
    with pytest.raises(DataFileError, match=r"people\.a"):
        load_directory(write(tmp_path, text))
