"""Agreement of the classifier with the team-written evaluation set (`make evaluate`).

    uv run python -m evaluation.classifier [--verbose]

The sets (sets/<preset>.yaml) are written from the source procedures' own situations, not from
the presets' keyword lists, and kept apart from the unit tests: a miss here is to be seen and
understood, not tuned away. A case agrees when every expected field holds: severity,
category, department, acceptance, and each listed flag present (other flags may be there too).
Safety-critical triggers are pharma class C, injury, media and lawsuit (lawyer): for every case
that expects one, the trigger itself is counted.
"""

import argparse
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from complaint_classifier.domain import Classification, Policy, classify, load_policies

HERE = Path(__file__).resolve().parent
SETS = HERE / "sets"
POLICIES = HERE.parents[1] / "deploy" / "policies"
CRITICAL_FLAGS = frozenset({"injury", "media", "lawsuit"})
CRITICAL_SEVERITY = {"pharma-quality": "C"}
AIM, CRITICAL_AIM = 0.90, 1.0


@dataclass(frozen=True)
class Case:
    preset: str
    id: str
    text: str
    english: bool
    submission: dict[str, Any]
    expect: dict[str, Any]


@dataclass(frozen=True)
class Checked:
    case: Case
    result: Classification
    wrong: list[str]  # "field: expected X, got Y"
    triggers: list[tuple[str, bool]]  # safety-critical trigger expected, and whether it held


def cases() -> Iterator[Case]:
    for path in sorted(SETS.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            submission = dict(item.get("submission", {}))
            submission.setdefault("description", item.get("text", ""))
            yield Case(
                preset=path.stem,
                id=item["id"],
                text=submission["description"],
                english=item.get("lang") == "en",
                submission=submission,
                expect=item["expect"],
            )


def check(policy: Policy, case: Case) -> Checked:
    result = classify(policy, case.submission)
    expect = case.expect
    wrong = [
        f"{field}: expected {expect[field]}, got {getattr(result, field)}"
        for field in ("severity", "category", "department")
        if field in expect and getattr(result, field) != expect[field]
    ]
    missing = sorted(set(expect.get("flags", ())) - set(result.flags))
    if missing:
        wrong.append(f"flags: missing {', '.join(missing)} (got {', '.join(result.flags) or '-'})")
    wrong += list(_acceptance(expect.get("acceptance"), result))
    return Checked(case, result, wrong, _triggers(case, result))


def _acceptance(expected: str | Mapping[str, Any] | None, result: Classification) -> Iterator[str]:
    if expected is None:
        return
    wanted = {"decision": expected} if isinstance(expected, str) else dict(expected)
    for field, value in wanted.items():
        got = getattr(result.acceptance, field)
        if got != value:
            yield f"acceptance.{field}: expected {value}, got {got}"


def _triggers(case: Case, result: Classification) -> list[tuple[str, bool]]:
    triggers = [
        (f"flag {flag}", flag in result.flags)
        for flag in sorted(CRITICAL_FLAGS & set(case.expect.get("flags", ())))
    ]
    level = CRITICAL_SEVERITY.get(case.preset)
    if level is not None and case.expect.get("severity") == level:
        triggers.append((f"class {level}", result.severity == level))
    return triggers


def explain(checked: Checked) -> str:
    lines = [f"  MISS {checked.case.preset}:{checked.case.id}  {checked.case.text}"]
    lines += [f"       {problem}" for problem in checked.wrong]
    for rule in checked.result.matched_rules:
        shown = ", ".join(item.value for item in rule.evidence[:4])
        lines.append(f"       fired {rule.rule_id} [{shown}]")
    if not checked.result.matched_rules:
        lines.append("       fired nothing (defaults applied)")
    lines += [f"       decided {item.effect}: {item.why}" for item in checked.result.decisions]
    return "\n".join(lines)


def percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "0/0"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="totals only, no list of misses")
    args = parser.parse_args()
    policies = load_policies(POLICIES)
    checked = [check(policies[case.preset], case) for case in cases()]
    by_preset: dict[str, list[Checked]] = {}
    for item in checked:
        by_preset.setdefault(item.case.preset, []).append(item)
    print("classifier evaluation: team-written set, agreement per preset")
    print(f"{'preset':24} {'agree':>14}   english agree   english share")
    for preset, items in sorted(by_preset.items()):
        english = [item for item in items if item.case.english]
        print(
            f"{preset:24} {percent(sum(not i.wrong for i in items), len(items)):>14}"
            f"   {percent(sum(not i.wrong for i in english), len(english)):>13}"
            f"   {100 * len(english) / len(items):>5.0f} %"
        )
    total = sum(not item.wrong for item in checked)
    english = [item for item in checked if item.case.english]
    print(
        f"{'all':24} {percent(total, len(checked)):>14}"
        f"   {percent(sum(not i.wrong for i in english), len(english)):>13}"
        f"   {100 * len(english) / len(checked):>5.0f} %"
    )
    triggers = [(item, name, held) for item in checked for name, held in item.triggers]
    print(
        "safety-critical triggers (pharma class C, injury, media, lawsuit): "
        + percent(sum(held for _, _, held in triggers), len(triggers))
    )
    for item, name, held in triggers:
        if not held:
            print(f"  MISSED TRIGGER {item.case.preset}:{item.case.id}: {name}")
    below = [
        preset
        for preset, items in by_preset.items()
        if sum(not i.wrong for i in items) / len(items) < AIM
    ]
    print(
        f"aim: {AIM:.0%} per preset, {CRITICAL_AIM:.0%} on triggers; below the aim: "
        + (", ".join(sorted(below)) or "none")
    )
    if not args.quiet:
        misses = [item for item in checked if item.wrong]
        print(f"\nmisses ({len(misses)}), with the rules that fired:")
        for item in misses:
            print(explain(item))
    return 0


if __name__ == "__main__":
    sys.exit(main())
