"""How long a complaint is kept (DOMAIN §6): a rule per policy, a date per complaint.

A complaint is kept while it is open. Once it has ended, it is kept until the latest of the
dates its policy's rule names: N years after it ended, N years after the product's expiry date
(000·D1: `保存至产品有效期后一年`), N years after it was received (001·D1: `保存期为5年`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .entries import Document
from .status import ENDED

Years = int | None
Moment = TypeVar("Moment", date, datetime)


class RetentionRule(BaseModel):
    """Years to keep a complaint after each basis; a basis left out does not count."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    years_after_closure: Years = Field(None, ge=0, le=100, description="After it ended.")
    years_after_product_expiry: Years = Field(
        None, ge=0, le=100, description="After the product's expiry date, when it has one."
    )
    years_after_received: Years = Field(None, ge=0, le=100, description="After receipt.")


class RetentionFile(BaseModel):
    """`deploy/policies/<policy-id>/retention.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy_id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,63}$")
    description: str | None = None
    source: str | None = Field(None, description="Where the period comes from.")
    retain: RetentionRule


@dataclass(frozen=True)
class RetentionPolicies:
    default: RetentionRule
    by_policy: Mapping[str, RetentionRule] = field(default_factory=dict)

    def rule_for(self, policy_id: str | None) -> RetentionRule:
        return self.by_policy.get(policy_id or "", self.default)


def retention_of(document: Document, policies: RetentionPolicies) -> Document:
    """`retain_until` and the basis that decided it (None while the complaint is open)."""
    until, basis = retain_until(document, policies.rule_for(document.get("policy_id")))
    return {"retain_until": until, "retention_basis": basis}


def retain_until(document: Document, rule: RetentionRule) -> tuple[datetime | None, str | None]:
    ended: datetime | None = document.get("ended_at")
    if document.get("status") not in ENDED or ended is None:
        return None, None
    candidates: dict[str, datetime] = {}
    if rule.years_after_closure is not None:
        candidates["after_closure"] = _plus_years(ended, rule.years_after_closure)
    expiry = _expiry_date(document)
    if rule.years_after_product_expiry is not None and expiry is not None:
        kept_through = _plus_years(expiry, rule.years_after_product_expiry)
        candidates["after_product_expiry"] = datetime.combine(
            kept_through + timedelta(days=1), time(), UTC
        )
    received = document.get("received_at")
    if rule.years_after_received is not None and received is not None:
        candidates["after_received"] = _plus_years(received, rule.years_after_received)
    if not candidates:
        return None, None
    basis = max(candidates, key=lambda name: candidates[name])
    return candidates[basis], basis


def purgeable(document: Document, now: datetime) -> bool:
    until = document.get("retain_until")
    held = document.get("legal_hold", {}).get("active", False)
    return until is not None and until <= now and not held


def _expiry_date(document: Document) -> date | None:
    product: dict[str, Any] = (document.get("record") or {}).get("product") or {}
    expiry = product.get("expiry_date")
    return date.fromisoformat(expiry) if expiry else None


def _plus_years(moment: Moment, years: int) -> Moment:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a year without one
        return moment.replace(year=moment.year + years, day=28)
