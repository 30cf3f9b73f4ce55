"""Issue 14, item 3: handing off or ending a complaint stops every running clock, in every preset,
unless the policy explicitly keeps one (`keeps_running_after`)."""

import pytest

from complaint_notifier.domain import Classification, ClockStatus, plan_complaint
from services.notifier.tests.support import event, policy_from, shanghai

pytestmark = pytest.mark.unit

RECEIVED = shanghai(2025, 3, 3, 9, 0)
CLASSIFIED = shanghai(2025, 3, 3, 9, 5)
ASSIGNED = shanghai(2025, 3, 3, 10, 0)
RESOLVED = shanghai(2025, 3, 4, 10, 0)
ENDED = shanghai(2025, 3, 5, 11, 0)

# A class per preset under which as many clocks as possible run at once.
BUSY = {
    "pharma-quality": Classification("pharma-quality", "B", category="contamination"),
    "manufacturing-quality": Classification(
        "manufacturing-quality", "A", category="performance", flags=frozenset({"major"})
    ),
    "hospital": Classification("hospital", "general", flags=frozenset({"multi_department"})),
    "telecom-network": Classification(
        "telecom-network", "high", category="poor_signal", flags=frozenset({"network_incident"})
    ),
    "public-regulator": Classification("public-regulator", "general", acceptance="accept"),
    "retail-service": Classification("retail-service", "class_1", category="product_quality"),
}
KEPT = {
    # 000·D3: the corrective action is verified in three rounds, also after the complaint closed
    ("manufacturing-quality", "ComplaintClosed"): {"capa_verification"},
}
HANDOFFS = ["ComplaintTransferred", "ComplaintWithdrawn", "ComplaintClosed"]


def running_before() -> list:
    return [
        event("ComplaintReceived", RECEIVED),
        event("ComplaintClassified", CLASSIFIED),
        event("ComplaintAcknowledged", CLASSIFIED),
        event("ComplaintAssigned", ASSIGNED),
        event("ComplaintResolved", RESOLVED),
    ]


def open_steps(policies: dict, calendars: dict, classification: Classification, events: list):
    plan = plan_complaint(
        policies[classification.policy_id], calendars, classification, events, complaint_id="h"
    )
    return {state.step for state in plan.clocks if state.is_open}, plan


@pytest.mark.parametrize("handoff", HANDOFFS)
@pytest.mark.parametrize("policy_id", sorted(BUSY))
def test_handing_off_or_ending_stops_every_clock(
    policies: dict, calendars: dict, policy_id: str, handoff: str
) -> None:
    events = running_before()
    before, _ = open_steps(policies, calendars, BUSY[policy_id], events)
    assert before, "the scenario should have clocks running"
    after, plan = open_steps(policies, calendars, BUSY[policy_id], [*events, event(handoff, ENDED)])
    assert after == KEPT.get((policy_id, handoff), set())
    assert not [n for n in plan.notices if n.step in before - after]


@pytest.mark.parametrize("policy_id", sorted(BUSY))
def test_a_refusal_stops_every_clock(policies: dict, calendars: dict, policy_id: str) -> None:
    refused = Classification(policy_id, BUSY[policy_id].severity, acceptance="refuse")
    events = [event("ComplaintReceived", RECEIVED), event("ComplaintClassified", CLASSIFIED)]
    after, _ = open_steps(policies, calendars, refused, events)
    kept = {"acceptance_decision"} if policy_id == "public-regulator" else set()
    assert after == kept


def test_a_refusal_ends_clocks_at_the_decision_not_at_receipt(
    policies: dict, calendars: dict
) -> None:
    refused = Classification("pharma-quality", "B", acceptance="refuse")
    events = [event("ComplaintReceived", RECEIVED), event("ComplaintClassified", CLASSIFIED)]
    _, plan = open_steps(policies, calendars, refused, events)
    state = plan.clock("acknowledgement")
    assert state.status is ClockStatus.CANCELLED and state.ended_at == CLASSIFIED


def test_only_the_latest_classification_counts_as_the_refusal(
    policies: dict, calendars: dict
) -> None:
    refused = Classification("hospital", "general", acceptance="refuse")
    later = shanghai(2025, 3, 4, 9, 0)
    events = [
        event("ComplaintReceived", RECEIVED),
        event("ComplaintClassified", CLASSIFIED),
        event("ComplaintClassified", later),
    ]
    _, plan = open_steps(policies, calendars, refused, events)
    assert plan.clock("reply").ended_at == later


def test_a_policy_keeps_a_clock_explicitly(calendars: dict) -> None:
    policy = policy_from(
        """
policy_id: p
defaults: {calendar: cn-mainland, notify: [desk]}
clocks:
  - {step: notify_after_transfer, limit: 5, unit: working_days,
     starts_on: [ComplaintReceived], stops_on: [ComplainantContacted],
     keeps_running_after: [ComplaintTransferred]}
  - {step: reply, limit: 5, unit: working_days, starts_on: [ComplaintReceived]}
"""
    )
    events = [event("ComplaintReceived", RECEIVED), event("ComplaintTransferred", ENDED)]
    plan = plan_complaint(policy, calendars, Classification("p", "x"), events, complaint_id="k")
    assert plan.clock("notify_after_transfer").status is ClockStatus.RUNNING
    assert plan.clock("reply").status is ClockStatus.CANCELLED


def test_a_policy_may_name_what_ends_a_complaint(calendars: dict) -> None:
    policy = policy_from(
        """
policy_id: p
defaults:
  {calendar: cn-mainland, notify: [desk], ends_on: [ComplaintWithdrawn], ends_on_refusal: false}
clocks:
  - {step: reply, limit: 5, unit: working_days, starts_on: [ComplaintReceived]}
"""
    )
    events = [event("ComplaintReceived", RECEIVED), event("ComplaintTransferred", ENDED)]
    refused = Classification("p", "x", acceptance="refuse")
    plan = plan_complaint(policy, calendars, refused, events, complaint_id="k")
    assert plan.clock("reply").status is ClockStatus.RUNNING


def test_an_unknown_event_to_keep_running_after_is_refused() -> None:
    with pytest.raises(ValueError, match="keeps_running_after"):
        policy_from(
            """
policy_id: p
defaults: {calendar: cn-mainland, notify: [desk]}
clocks:
  - {step: reply, limit: 5, unit: working_days, starts_on: [ComplaintReceived],
     keeps_running_after: [ComplaintTeleported]}
"""
        )
