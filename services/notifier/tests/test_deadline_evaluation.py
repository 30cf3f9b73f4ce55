"""The team-written deadline evaluation (evaluation/deadlines): sound data, the planner agrees."""

import pytest

from evaluation.deadlines.__main__ import MIN_PER_PRESET, SCENARIOS, evaluate

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda path: path.stem)
def test_every_hand_value_is_confirmed_and_met(path, policies: dict, calendars: dict) -> None:
    preset, outcomes = evaluate(path, policies, calendars)
    assert preset == path.stem and len(outcomes) >= MIN_PER_PRESET
    assert [o.scenario for o in outcomes if not o.sound] == []
    assert [(o.scenario, o.planner) for o in outcomes if not o.agrees] == []


def test_every_preset_has_scenarios(policies: dict) -> None:
    assert {path.stem for path in SCENARIOS.glob("*.yaml")} == set(policies)
