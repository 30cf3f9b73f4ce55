"""The six presets' deadlines.yaml: faithful to the sources, complete, and strictly validated."""

from pathlib import Path

import pytest

from complaint_notifier.domain import (
    BusinessCalendar,
    DataFileError,
    DeadlinePolicy,
    Directory,
    Duration,
    Unit,
    load_deadline_policy,
)

pytestmark = pytest.mark.unit

PRESETS = {
    "pharma-quality",
    "manufacturing-quality",
    "hospital",
    "telecom-network",
    "public-regulator",
    "retail-service",
}


def limit(policy: DeadlinePolicy, step: str) -> Duration | None:
    return policy.clock(step).limit


def test_every_preset_has_deadlines(policies: dict[str, DeadlinePolicy]) -> None:
    assert set(policies) == PRESETS


def test_every_clock_cites_its_source_and_has_both_titles(
    policies: dict[str, DeadlinePolicy],
) -> None:
    for policy in policies.values():
        for spec in [*policy.clocks, *policy.immediate]:
            assert spec.source.strip(), spec
            assert spec.title.zh and spec.title.en, spec


def test_every_role_is_in_the_directory(
    policies: dict[str, DeadlinePolicy], directory: Directory
) -> None:
    for policy in policies.values():
        assert directory.missing_roles(policy.roles()) == set(), policy.policy_id


def test_pharma_class_a_reply_within_three_days(policies: dict[str, DeadlinePolicy]) -> None:
    pharma = policies["pharma-quality"]
    reply = pharma.clock("first_reply")
    assert reply.limit == Duration(3, Unit.DAYS)
    assert reply.applies_when.severity == ["A"]
    assert "ComplaintReceived" in reply.starts_on and "ReplySent" in reply.stops_on


def test_pharma_class_c_reported_at_once(policies: dict[str, DeadlinePolicy]) -> None:
    (report,) = [
        entry for entry in policies["pharma-quality"].immediate if entry.id.startswith("class_c")
    ]
    assert report.when.severity == ["C"]
    assert set(report.roles) == {"supervisor", "legal_representative"}


def test_manufacturing_reply_windows_in_working_hours(policies: dict[str, DeadlinePolicy]) -> None:
    manufacturing = policies["manufacturing-quality"]
    assert limit(manufacturing, "salesperson_reply") == Duration(4, Unit.WORKING_HOURS)
    assert limit(manufacturing, "qa_reply") == Duration(8, Unit.WORKING_HOURS)
    assert limit(manufacturing, "major_opinion") == Duration(12, Unit.WORKING_HOURS)
    assert limit(manufacturing, "site_visit") == Duration(2, Unit.WORKING_DAYS)
    ladder = [(str(rung.after), rung.roles) for rung in manufacturing.clock("qa_reply").escalation]
    assert ladder == [
        ("0 working_hours", ["department_head"]),
        ("4 working_hours", ["management_representative"]),
        ("1 working_days", ["general_manager"]),
    ]


def test_capa_verification_rounds(policies: dict[str, DeadlinePolicy]) -> None:
    capa = policies["manufacturing-quality"].clock("capa_verification")
    assert capa.limit == Duration(1, Unit.WEEKS)
    assert capa.repeat is not None and capa.repeat.rounds == 3
    assert capa.repeat.interval == Duration(1, Unit.MONTHS)
    assert capa.stops_on == {"CapaVerified"}


def test_hospital_replies(policies: dict[str, DeadlinePolicy]) -> None:
    hospital = policies["hospital"]
    reply = hospital.clock("reply")
    assert reply.limit == Duration(7, Unit.DAYS) and reply.extend_over_holidays
    assert limit(hospital, "medical_dispute_reply") == Duration(7, Unit.WORKING_DAYS)
    assert limit(hospital, "department_handling") == Duration(3, Unit.WORKING_DAYS)
    assert limit(hospital, "complex_handling") == Duration(1, Unit.WEEKS)


def test_regulator_clocks(policies: dict[str, DeadlinePolicy]) -> None:
    regulator = policies["public-regulator"]
    assert limit(regulator, "acceptance_decision") == Duration(7, Unit.WORKING_DAYS)
    assert limit(regulator, "assign_for_investigation") == Duration(3, Unit.WORKING_DAYS)
    assert limit(regulator, "respondent_answer") == Duration(10, Unit.WORKING_DAYS)
    assert limit(regulator, "mediation") == Duration(45, Unit.WORKING_DAYS)
    assert "ClockPaused" in regulator.clock("mediation").pauses_on


def test_retail_unresolved_after_three_days_goes_to_senior_management(
    policies: dict[str, DeadlinePolicy],
) -> None:
    retail = policies["retail-service"]
    resolution = retail.clock("resolution")
    assert resolution.limit == Duration(3, Unit.DAYS)
    assert resolution.escalation[0].roles == ["senior_management"]
    assert str(resolution.escalation[0].after) == "0 working_hours"
    pass_on = retail.clock("pass_to_complaint_desk")
    assert pass_on.limit == Duration(30, Unit.MINUTES) and pass_on.start_next_working_time


def test_retail_immediate_reports(policies: dict[str, DeadlinePolicy]) -> None:
    reports = {entry.id: entry for entry in policies["retail-service"].immediate}
    assert set(reports["injury_report"].roles) == {"duty_manager", "insurer", "risk_control"}
    media = reports["media_or_lawsuit_report"]
    assert media.roles == ("senior_management",)
    assert media.when.flags is not None and set(media.when.flags.any_of) == {"media", "lawsuit"}


def test_progress_every_thirty_minutes(policies: dict[str, DeadlinePolicy]) -> None:
    progress = policies["telecom-network"].clock("incident_progress")
    assert progress.progress_every == Duration(30, Unit.MINUTES)
    assert progress.limit is None and progress.calendar_id == "always"


def test_defaults_fill_the_gaps(policies: dict[str, DeadlinePolicy]) -> None:
    pharma = policies["pharma-quality"]
    reply = pharma.clock("first_reply")
    assert reply.reminder_at == 0.75
    assert reply.calendar_id == "cn-mainland"
    assert reply.cancels_on == {"ComplaintWithdrawn"}
    assert reply.pauses_on == {"ClockPaused"} and reply.resumes_on == {"ClockResumed"}
    assert not reply.extend_over_holidays
    assert pharma.clock("final_reply").reminder_at == 0.5
    assert policies["retail-service"].clock("pass_to_complaint_desk").reminder_at is None


GOOD = """
policy_id: demo
defaults:
  calendar: cn-mainland
  notify: [complaint_desk]
clocks:
  - step: reply
    limit: 3
    unit: working_days
    starts_on: [ComplaintReceived]
    stops_on: [ReplySent]
"""


def write(tmp_path: Path, text: str, folder: str = "demo") -> Path:
    path = tmp_path / folder / "deadlines.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_policy_loads(tmp_path: Path, calendars: dict[str, BusinessCalendar]) -> None:
    policy = load_deadline_policy(write(tmp_path, GOOD), calendars)
    assert policy.clock("reply").limit == Duration(3, Unit.WORKING_DAYS)
    assert policy.clock("reply").notify == ("complaint_desk",)


@pytest.mark.parametrize(
    ("replace", "by", "field"),
    [
        ("[ComplaintReceived]", "[ComplaintRecieved]", "clocks.0.starts_on.0"),
        ("unit: working_days", "unit: fortnights", "clocks.0.unit"),
        ("limit: 3", "limit: 2.5", "clocks.0"),
        ("limit: 3", "limit: -1", "clocks.0.limit"),
        ("    unit: working_days\n", "", "clocks.0"),
        ("stops_on:", "stop_on:", "clocks.0.stop_on"),
        ("notify: [complaint_desk]", "notify: []", "defaults.notify"),
        ("notify: [complaint_desk]", "notify: [Complaint Desk]", "defaults.notify.0"),
        ("[ReplySent]", "[ReplySent]\n    reminder_at: 1.5", "clocks.0.reminder_at"),
        ("[ReplySent]", "[ReplySent]\n    progress_every: 1 working_days", "clocks.0"),
        ("[ReplySent]", "[ReplySent, ComplaintReceived]", "clocks.0.stops_on"),
        (
            "[ReplySent]",
            "[ReplySent]\n    escalation: [{after: soon, roles: [x]}]",
            "clocks.0.escalation.0.after",
        ),
        (
            "[ReplySent]",
            "[ReplySent]\n    applies_when: {severity: A}",
            "clocks.0.applies_when.severity",
        ),
    ],
)
def test_a_bad_policy_names_the_file_and_the_field(
    tmp_path: Path, replace: str, by: str, field: str
) -> None:
    path = write(tmp_path, GOOD.replace(replace, by))
    with pytest.raises(DataFileError) as error:
        load_deadline_policy(path)
    assert str(path) in str(error.value)
    assert field in str(error.value)


def test_steps_are_unique(tmp_path: Path) -> None:
    clock = GOOD.split("clocks:\n")[1]
    with pytest.raises(DataFileError, match="step used more than once"):
        load_deadline_policy(write(tmp_path, GOOD + clock))


def test_the_policy_id_must_match_its_folder(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="differs from its folder"):
        load_deadline_policy(write(tmp_path, GOOD, folder="other"))


def test_calendars_must_exist(tmp_path: Path, calendars: dict[str, BusinessCalendar]) -> None:
    text = GOOD.replace("calendar: cn-mainland", "calendar: atlantis")
    with pytest.raises(DataFileError, match="unknown calendar ids"):
        load_deadline_policy(write(tmp_path, text), calendars)


def test_the_yaml_key_on_gets_a_clear_message(tmp_path: Path) -> None:
    text = GOOD + "immediate:\n  - id: x\n    when: {}\n    on: [ReplySent]\n    roles: [a]\n"
    with pytest.raises(DataFileError, match="write `fires_on`") as error:
        load_deadline_policy(write(tmp_path, text))
    assert "immediate.0" in str(error.value)
