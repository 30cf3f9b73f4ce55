"""Retain-until dates from a policy's rule, and what a purge may take."""

from datetime import UTC, date, datetime, timedelta

import pytest

from complaint_archive.domain import (
    RetentionPolicies,
    RetentionRule,
    fold,
    purgeable,
    retain_until,
    retention_of,
)

from .builders import SIDE_EVENTS, START, full_story

pytestmark = pytest.mark.unit
CLOSED_AT = START + timedelta(minutes=1000)
PHARMA = RetentionRule(years_after_closure=1, years_after_product_expiry=1)
HOSPITAL = RetentionRule(years_after_closure=5)


def closed(expiry: date | None = date(2026, 4, 30)):
    return fold(full_story(expiry=expiry).events)


def test_pharma_keeps_records_one_year_after_the_product_expiry():
    until, basis = retain_until(closed(date(2026, 4, 30)), PHARMA)
    assert until == datetime(2027, 5, 1, tzinfo=UTC)  # through the whole of 2027-04-30
    assert basis == "after_product_expiry"


def test_whichever_is_later_wins_when_the_product_expired_long_before_closure():
    until, basis = retain_until(closed(date(2020, 1, 31)), PHARMA)
    assert until == CLOSED_AT.replace(year=2025)
    assert basis == "after_closure"


def test_without_an_expiry_date_only_the_other_bases_count():
    assert retain_until(closed(None), PHARMA) == (CLOSED_AT.replace(year=2025), "after_closure")


def test_hospital_keeps_five_years():
    assert retain_until(closed(), HOSPITAL) == (CLOSED_AT.replace(year=2029), "after_closure")


def test_received_basis_counts_from_receipt():
    rule = RetentionRule(years_after_received=3)
    assert retain_until(closed(), rule) == (START.replace(year=2027), "after_received")


def test_an_open_complaint_is_kept():
    story = full_story()
    story.at(5000, SIDE_EVENTS["reopen"])
    assert retain_until(fold(story.events), HOSPITAL) == (None, None)


def test_29_february_moves_to_28_february():
    document = {**closed(), "ended_at": datetime(2024, 2, 29, 12, tzinfo=UTC)}
    until, _ = retain_until(document, RetentionRule(years_after_closure=1))
    assert until == datetime(2025, 2, 28, 12, tzinfo=UTC)


def test_policies_pick_the_rule_of_the_documents_policy_or_the_default():
    policies = RetentionPolicies(default=HOSPITAL, by_policy={"pharma-quality": PHARMA})
    assert retention_of(closed(), policies)["retention_basis"] == "after_product_expiry"
    unclassified = {**closed(), "policy_id": None}
    assert retention_of(unclassified, policies)["retain_until"] == CLOSED_AT.replace(year=2029)


def test_purgeable_only_when_expired_and_not_held():
    now = datetime(2030, 1, 1, tzinfo=UTC)
    document = {**closed(), "retain_until": now - timedelta(seconds=1)}
    assert purgeable(document, now)
    assert not purgeable({**document, "retain_until": now + timedelta(seconds=1)}, now)
    assert not purgeable({**document, "retain_until": None}, now)
    held = {**document, "legal_hold": {"active": True}}
    assert not purgeable(held, now)


def test_a_rule_file_refuses_unknown_keys():
    from pydantic import ValidationError

    from complaint_archive.domain import RetentionFile

    with pytest.raises(ValidationError, match="years_after_closed"):
        RetentionFile.model_validate({"policy_id": "hospital", "retain": {"years_after_closed": 5}})
