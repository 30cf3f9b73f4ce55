"""python -m evaluation.deadlines [--strict]: agreement of the planner with hand-worked dues.

Per preset, every scenario's hand-worked due is first checked against the oracle (the rule
counted on the `chinesecalendar` data); a scenario whose hand value the oracle refutes is bad
data and makes the run fail. The planner's due for the scenario's events is then compared with
the hand value. --strict also fails when the planner disagrees.
"""

import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from complaint_notifier.domain import (
    Classification,
    ComplaintEvent,
    load_calendars,
    load_deadline_policies,
    plan_complaint,
)
from complaint_runtime import DATA_DIR

from . import oracle

SCENARIOS = Path(__file__).parent / "scenarios"
BEIJING = ZoneInfo("Asia/Shanghai")
MIN_PER_PRESET = 8


def wall_time(text: str) -> datetime:
    """ "2026-10-08 24:00" → the naive Beijing wall-clock time (24:00 is the next midnight)."""
    day, clock = str(text).split()
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(date.fromisoformat(day), time()) + timedelta(
        hours=hours, minutes=minutes
    )


def written(moment: datetime) -> str:
    """The naive wall time as scenarios write it, midnight as 24:00 of the day before."""
    if moment.time() == time() and moment.microsecond == 0:
        return f"{(moment - timedelta(days=1)).date()} 24:00"
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Outcome:
    scenario: str
    expected: str
    oracle: str
    planner: str

    @property
    def sound(self) -> bool:
        return self.oracle == self.expected

    @property
    def agrees(self) -> bool:
        return self.planner == self.expected


def events_of(scenario: dict[str, Any]) -> list[ComplaintEvent]:
    events = []
    for entry in scenario["events"]:
        kind, at, *step = entry
        events.append(ComplaintEvent(kind, wall_time(at).replace(tzinfo=BEIJING), *step))
    return events


def pauses_of(scenario: dict[str, Any]) -> tuple[tuple[datetime, datetime], ...]:
    paused = [wall_time(at) for kind, at, *_ in scenario["events"] if kind == "ClockPaused"]
    resumed = [wall_time(at) for kind, at, *_ in scenario["events"] if kind == "ClockResumed"]
    return tuple(zip(paused, resumed, strict=True))


def oracle_due(scenario: dict[str, Any]) -> str:
    rule = dict(scenario["rule"])
    rule["start"] = wall_time(rule["start"])
    return written(oracle.due(oracle.Rule(**rule, pauses=pauses_of(scenario))))


def planner_due(scenario: dict[str, Any], preset: str, policies: Any, calendars: Any) -> str:
    given = scenario.get("classification", {})
    classification = Classification(
        preset,
        given.get("severity", ""),
        category=given.get("category"),
        flags=frozenset(given.get("flags", ())),
        acceptance=given.get("acceptance"),
    )
    plan = plan_complaint(
        policies[preset], calendars, classification, events_of(scenario), complaint_id="eval"
    )
    clocks = [state for state in plan.clocks if state.step == scenario["clock"]]
    if not clocks or clocks[0].due_at is None:
        return "no due"
    return written(clocks[0].due_at.astimezone(BEIJING).replace(tzinfo=None))


def evaluate(path: Path, policies: Any, calendars: Any) -> tuple[str, list[Outcome]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    preset = data["preset"]
    outcomes = [
        Outcome(
            scenario["id"],
            str(scenario["expected"]),
            oracle_due(scenario),
            planner_due(scenario, preset, policies, calendars),
        )
        for scenario in data["scenarios"]
    ]
    return preset, outcomes


def main(argv: list[str]) -> int:
    calendars = load_calendars(DATA_DIR / "calendars")
    policies = load_deadline_policies(DATA_DIR / "policies", calendars)
    unsound = disagreeing = 0
    print("deadline evaluation: hand-worked dues, checked against chinesecalendar, vs the planner")
    for path in sorted(SCENARIOS.glob("*.yaml")):
        preset, outcomes = evaluate(path, policies, calendars)
        agreeing = sum(outcome.agrees for outcome in outcomes)
        sound = sum(outcome.sound for outcome in outcomes)
        share = agreeing / len(outcomes) if outcomes else 0.0
        print(
            f"  {preset:<22} agreement {agreeing:>2}/{len(outcomes):<2} ({share:6.1%})"
            f"   hand values confirmed by chinesecalendar {sound}/{len(outcomes)}"
        )
        for outcome in outcomes:
            if not outcome.sound:
                print(
                    f"    BAD DATA {outcome.scenario}: by hand {outcome.expected}, "
                    f"oracle {outcome.oracle}"
                )
            if not outcome.agrees:
                print(
                    f"    DISAGREES {outcome.scenario}: expected {outcome.expected}, "
                    f"planner {outcome.planner}"
                )
        if len(outcomes) < MIN_PER_PRESET:
            print(f"    too few scenarios: {len(outcomes)} < {MIN_PER_PRESET}")
            unsound += 1
        unsound += len(outcomes) - sound
        disagreeing += len(outcomes) - agreeing
    missing = set(policies) - {path.stem for path in SCENARIOS.glob("*.yaml")}
    if missing:
        print(f"  presets without scenarios: {sorted(missing)}")
        unsound += 1
    if unsound:
        return 1
    return 1 if disagreeing and "--strict" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
