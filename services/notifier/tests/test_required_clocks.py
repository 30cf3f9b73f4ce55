"""Issue 18, item 2: the clocks the sources require, each in its preset and citing its source."""

import pytest

from complaint_notifier.domain import Classification, ClockStatus, plan_complaint
from services.notifier.tests.support import event, shanghai

pytestmark = pytest.mark.unit

REQUIRED = [
    ("manufacturing-quality", "temporary_countermeasure", "004·K", "8 working_hours"),
    ("manufacturing-quality", "defect_recontact", "004·L 4.1.2", "24 hours"),
    ("manufacturing-quality", "defect_reply", "004·L 4.1.2", "48 hours"),
    ("manufacturing-quality", "publish_event", "000·D3", "1 hours"),
    ("manufacturing-quality", "publish_measures", "000·D3", "1 hours"),
    ("manufacturing-quality", "publish_results", "000·D3", "1 hours"),
    ("manufacturing-quality", "returned_goods_analysis", "000·D6", "1 weeks"),
    ("public-regulator", "bureau_review", "002·D9", "3 working_days"),
    ("public-regulator", "acceptance_decision", "SAMR", "7 working_days"),
    ("public-regulator", "mediation_end_notice", "SAMR", "7 working_days"),
]


def plan(policies: dict, calendars: dict, classification: Classification, events: list):
    policy = policies[classification.policy_id]
    return plan_complaint(policy, calendars, classification, events, complaint_id="c-req")


@pytest.mark.parametrize(("policy_id", "step", "cited", "limit"), REQUIRED)
def test_the_clock_exists_and_cites_its_source(
    policies: dict, policy_id: str, step: str, cited: str, limit: str
) -> None:
    spec = policies[policy_id].clock(step)
    assert cited in spec.source
    assert str(spec.limit) == limit


def test_acceptance_no_longer_stands_for_the_bureau_review(policies: dict) -> None:
    assert "002·D9" not in policies["public-regulator"].clock("acceptance_decision").source


MAJOR_B = Classification(
    "manufacturing-quality", "B", category="performance", flags=frozenset({"major"})
)


def test_a_major_complaint_gets_a_temporary_countermeasure_in_8_working_hours(
    policies: dict, calendars: dict
) -> None:
    # Assigned Wednesday 2026-09-30 15:00, the eve of National Day:
    # 15:00-17:30 is 2.5 h, then 5.5 h from Thursday 10-08 08:30 → 15:30 (lunch 12:00-13:30).
    events = [
        event("ComplaintReceived", shanghai(2026, 9, 30, 14, 0)),
        event("ComplaintAssigned", shanghai(2026, 9, 30, 15, 0)),
    ]
    result = plan(policies, calendars, MAJOR_B, events)
    assert result.clock("temporary_countermeasure").due_at == shanghai(2026, 10, 8, 15, 30)
    minor = Classification("manufacturing-quality", "C", category="appearance")
    assert "temporary_countermeasure" not in {
        c.step for c in plan(policies, calendars, minor, events).clocks
    }


def test_a_product_defect_is_contacted_in_24_hours_and_answered_in_48(
    policies: dict, calendars: dict
) -> None:
    events = [event("ComplaintReceived", shanghai(2026, 2, 13, 20, 0))]
    result = plan(policies, calendars, MAJOR_B, events)
    # Elapsed hours, no extension: Saturday 02-14 20:00 and Sunday 02-15 20:00 (a holiday).
    assert result.clock("defect_recontact").due_at == shanghai(2026, 2, 14, 20, 0)
    assert result.clock("defect_reply").due_at == shanghai(2026, 2, 15, 20, 0)
    misuse = Classification(
        "manufacturing-quality", "C", category="performance", flags=frozenset({"possible_misuse"})
    )
    steps = {c.step for c in plan(policies, calendars, misuse, events).clocks}
    assert "defect_recontact" not in steps and "misuse_explanation" in steps


def test_each_posting_at_the_plant_is_due_an_hour_after_its_event(
    policies: dict, calendars: dict
) -> None:
    events = [
        event("ComplaintReceived", shanghai(2025, 3, 3, 9, 0)),
        event("ComplaintAssigned", shanghai(2025, 3, 3, 10, 0)),
        event("ComplaintResolved", shanghai(2025, 3, 5, 16, 45)),
        event("CapaVerified", shanghai(2025, 3, 10, 11, 0)),
    ]
    result = plan(policies, calendars, MAJOR_B, events)
    assert result.clock("publish_event").due_at == shanghai(2025, 3, 3, 11, 0)
    assert result.clock("publish_measures").due_at == shanghai(2025, 3, 5, 17, 45)
    assert result.clock("publish_results").due_at == shanghai(2025, 3, 10, 12, 0)


def test_returned_goods_are_analysed_within_a_week(policies: dict, calendars: dict) -> None:
    # Assigned Thursday 2025-04-24; a week on is Thursday 05-01, Labour Day (05-01..05-05):
    # Civil Code art. 203 moves the end to Tuesday 05-06, 24:00.
    events = [
        event("ComplaintReceived", shanghai(2025, 4, 24, 9, 0)),
        event("ComplaintAssigned", shanghai(2025, 4, 24, 10, 0)),
    ]
    result = plan(policies, calendars, MAJOR_B, events)
    assert result.clock("returned_goods_analysis").due_at == shanghai(2025, 5, 7, 0, 0)


REGULATOR = Classification("public-regulator", "general", acceptance="accept")


def test_the_bureau_reviews_in_3_working_days_and_decides_in_7(
    policies: dict, calendars: dict
) -> None:
    # Received Friday 2026-02-13 10:00: 02-14 (a make-up Saturday), 02-24, 02-25.
    events = [event("ComplaintReceived", shanghai(2026, 2, 13, 10, 0))]
    result = plan(policies, calendars, REGULATOR, events)
    assert result.clock("bureau_review").due_at == shanghai(2026, 2, 25, 17, 30)
    # 02-14, 02-24..02-27, 02-28 (another make-up Saturday), 03-02.
    assert result.clock("acceptance_decision").due_at == shanghai(2026, 3, 2, 17, 30)


def test_parties_are_told_within_7_working_days_of_ending_mediation(
    policies: dict, calendars: dict
) -> None:
    events = [
        event("ComplaintReceived", shanghai(2025, 9, 1, 9, 0)),
        event("ComplaintAssigned", shanghai(2025, 9, 2, 9, 0)),
        event("ComplaintResolved", shanghai(2025, 9, 29, 15, 0)),
    ]
    result = plan(policies, calendars, REGULATOR, events)
    assert result.clock("mediation").status is ClockStatus.MET
    # 09-30, then National Day 10-01..10-08 (make-up 09-28 and 10-11): 10-09, 10-10, 10-11,
    # 10-13, 10-14, 10-15.
    assert result.clock("mediation_end_notice").due_at == shanghai(2025, 10, 15, 17, 30)
