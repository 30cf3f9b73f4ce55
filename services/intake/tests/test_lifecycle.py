"""The lifecycle state machine (pure) and the policy terms intake reads from the presets."""

from pathlib import Path

import pytest

from complaint_events import (
    LIFECYCLE_COMMANDS,
    ComplaintAssigned,
    ComplaintReclassified,
    ComplaintTransferred,
)
from complaint_intake.adapters.policies import PolicyFileError, load_policies
from complaint_intake.domain.lifecycle import (
    ENDED,
    MOVES,
    Position,
    State,
    Steps,
    after,
    allowed,
    check,
    classified,
)
from complaint_intake.domain.policy_terms import unknown_terms
from complaint_runtime import DATA_DIR

pytestmark = pytest.mark.unit
PRESETS = DATA_DIR / "policies"


NO_STEPS = Steps()


def walk(*commands: str, steps: Steps = NO_STEPS, decision: str = "accept") -> Position:
    position = classified(Position(), decision, needs_review=False)
    for command in commands:
        assert check(position, command, steps) is None, (position, command)
        position = after(position, command)
    return position


def test_every_state_names_only_real_commands_and_every_state_is_defined() -> None:
    assert set(MOVES) == set(State)
    for commands in MOVES.values():
        assert commands <= set(LIFECYCLE_COMMANDS)


def test_the_main_path_runs_to_closure_and_an_ended_complaint_takes_only_reopen_and_holds() -> None:
    closed = walk("assign", "acknowledge", "contact", "reply", "accept_reply", "resolve", "close")
    assert closed.state is State.CLOSED
    assert allowed(closed, Steps()) == ("release_legal_hold", "reopen", "set_legal_hold")
    for state in ENDED:
        assert "reopen" in allowed(Position(state), Steps())


def test_acknowledge_after_close_and_a_second_close_are_refused_naming_state_and_allowed() -> None:
    closed = walk("acknowledge", "close")
    for command in ("acknowledge", "close", "reply"):
        refused = check(closed, command, Steps())
        assert refused is not None and refused.state is State.CLOSED
        assert "reopen" in refused.allowed and command not in refused.allowed
        assert "closed" in refused.detail and "reopen" in refused.detail


def test_a_step_never_goes_back_but_a_rejected_reply_is_handled_anew() -> None:
    replied = walk("acknowledge", "reply")
    assert check(replied, "acknowledge", Steps()) is not None
    assert check(replied, "assign", Steps()) is not None
    rejected = after(replied, "reject_reply")
    assert rejected.state is State.REPLY_REJECTED and "reply" not in rejected.done
    assert walk("acknowledge", "reply", "reject_reply", "assign", "reply").state is State.REPLIED


def test_nothing_but_withdrawal_and_holds_before_the_classification() -> None:
    received = Position()
    assert allowed(received, Steps()) == ("release_legal_hold", "set_legal_hold", "withdraw")
    refused = check(received, "assign", Steps())
    assert refused is not None and refused.state is State.RECEIVED


def test_the_acceptance_decision_sets_the_first_state_and_a_later_one_keeps_the_state() -> None:
    assert classified(Position(), "transfer", needs_review=False).state is State.TRANSFERRED
    assert classified(Position(), "refuse", needs_review=False).state is State.REFUSED
    assigned = walk("assign")
    again = classified(assigned, "accept", needs_review=True)
    assert again.state is State.ASSIGNED and again.needs_approval


def test_a_policy_requires_steps_first_and_approval_before_the_reply() -> None:
    steps = Steps({"close": frozenset({"reply"})}, reply_needs_approval=True)
    accepted = walk()
    refused = check(accepted, "close", steps)
    assert refused is not None and refused.missing == ("reply",)
    assert "close" not in refused.allowed
    unapproved = check(accepted, "reply", steps)
    assert unapproved is not None and unapproved.missing == ("approval",)
    assert check(accepted, "reply", steps, approved=True) is None
    assert check(after(accepted, "reply"), "close", steps) is None
    review = classified(Position(), "accept", needs_review=True)
    assert check(review, "reply", Steps()) is not None
    assert check(review, "reply", Steps(), approved=True) is None


def test_reopening_forgets_the_steps_done() -> None:
    steps = Steps({"close": frozenset({"reply"})})
    reopened = after(walk("reply", "close", steps=steps), "reopen")
    assert reopened.state is State.REOPENED and reopened.done == frozenset()
    assert check(reopened, "close", steps) is not None


def test_the_six_presets_load_with_their_terms_and_steps() -> None:
    policies = load_policies(PRESETS)
    assert set(policies.by_id) == {
        "pharma-quality",
        "manufacturing-quality",
        "hospital",
        "telecom-network",
        "public-regulator",
        "retail-service",
    }
    regulator = policies.by_id["public-regulator"]
    assert regulator.severities == ("general", "important", "urgent")
    assert "market_regulation" in regulator.transfer_bodies
    assert policies.by_id["manufacturing-quality"].steps.reply_needs_approval
    for terms in policies.by_id.values():
        assert terms.transfer_bodies, terms.policy_id


def test_commands_naming_what_the_policy_does_not_know_are_refused_by_field() -> None:
    terms = load_policies(PRESETS).by_id["retail-service"]
    nonsense = ComplaintReclassified(
        actor="qa", severity="nonsense", reason="r", flags=["media", "made_up"]
    )
    fields = {e.field for e in unknown_terms(terms, nonsense)}
    assert fields == {"severity", "flags.1"}
    wrong_rank = ComplaintReclassified(actor="qa", severity="class_1", severity_rank=0, reason="r")
    assert [e.field for e in unknown_terms(terms, wrong_rank)] == ["severity_rank"]
    good = ComplaintReclassified(
        actor="qa", severity="class_1", severity_rank=2, department="finance", reason="r"
    )
    assert unknown_terms(terms, good) == []
    assign = ComplaintAssigned(actor="qa", department="no_such_dept")
    assert [e.field for e in unknown_terms(terms, assign)] == ["department"]
    transfer = ComplaintTransferred(actor="qa", to_body="mars", reason="r")
    assert [e.field for e in unknown_terms(terms, transfer)] == ["to_body"]


def test_a_lifecycle_file_naming_an_unknown_command_stops_the_service(tmp_path: Path) -> None:
    folder = tmp_path / "retail-service"
    folder.mkdir()
    source = PRESETS / "retail-service" / "classification.yaml"
    (folder / "classification.yaml").write_text(source.read_text(encoding="utf-8"), "utf-8")
    (folder / "lifecycle.yaml").write_text(
        "policy_id: retail-service\nrequires: {close: [dance]}\n", "utf-8"
    )
    with pytest.raises(PolicyFileError, match="dance"):
        load_policies(tmp_path)
