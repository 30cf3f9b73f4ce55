"""Check a folder of policies the way the three services will read it at start-up, before
deploying it: every <policy-id>/classification.yaml (classifier), deadlines.yaml (notifier, with
its calendars and the recipient directory) and retention.yaml (archive), and that the names the
deadlines use are the ones the classification declares, lifecycle.yaml (intake: the steps a
command needs first, by command name) and routing.yaml (the policy of a submission naming none).

uv run python -m deploy.check_policies [POLICIES_DIR] [--calendars DIR] [--directory FILE]

Prints one line per policy and exits 0, or prints each problem (file and field) and exits 1.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from complaint_archive.adapters.policies import RetentionFileError, load_retention
from complaint_classifier.adapters.routing import ROUTING_FILE, load_routing
from complaint_classifier.domain import Policy, PolicyError, load_policies
from complaint_classifier.service_layer import ConfigurationError
from complaint_intake.adapters.policies import PolicyFileError
from complaint_intake.adapters.policies import load_policies as load_command_terms
from complaint_notifier.domain import DataFileError, DeadlinePolicy
from complaint_notifier.domain.classification import LEADER_REVIEW_FLAG
from complaint_notifier.service_layer import Rules

DEPLOY = Path(__file__).resolve().parent
NO_RULE_MATCHED = "no_rule_matched"  # complaint_classifier.domain.references
ACCEPTANCE = {"accept", "transfer", "refuse"}


@dataclass
class Report:
    policies: dict[str, list[str]] = field(default_factory=dict)  # id -> files found
    problems: list[str] = field(default_factory=list)


def declared_names(policy: Policy) -> dict[str, set[str]]:
    """Every name the classifier can put on a complaint of this policy, by condition field."""
    spec = policy.spec
    flags = {flag.id for flag in spec.flags} | {LEADER_REVIEW_FLAG, NO_RULE_MATCHED}
    flags |= {derived.flag for derived in spec.derived_flags}
    if spec.multiple_departments is not None:
        flags.add(spec.multiple_departments.flag)
    return {
        "severity": set(policy.levels),
        "category": set(policy.routing),
        "department": {department.id for department in spec.departments},
        "flags": flags,
        "acceptance": ACCEPTANCE,
    }


def check(policies_dir: Path, calendars_dir: Path, directory_file: Path) -> Report:
    report = Report()
    classifications: dict[str, Policy] = {}
    try:
        classifications = load_policies(policies_dir)
    except PolicyError as error:
        report.problems.append(str(error))
    try:
        rules = Rules.load(
            policies_dir=policies_dir, calendars_dir=calendars_dir, directory_file=directory_file
        )
    except DataFileError as error:
        report.problems.append(str(error))
        rules = None
    try:
        retention = load_retention(policies_dir, default_years=5).by_policy
    except RetentionFileError as error:
        report.problems.append(str(error))
        retention = {}
    for policy_id in classifications:
        report.policies.setdefault(policy_id, []).append("classification")
    for policy_id, deadlines in rules.policies.items() if rules else ():
        report.policies.setdefault(policy_id, []).append("deadlines")
        if policy_id in classifications:
            report.problems += unknown_names(deadlines, classifications[policy_id])
    for policy_id in retention:
        report.policies.setdefault(policy_id, []).append("retention")
    try:
        lifecycles = load_command_terms(policies_dir).by_id
    except PolicyFileError as error:
        report.problems.append(str(error))
        lifecycles = {}
    for policy_id in lifecycles:
        if (policies_dir / policy_id / "lifecycle.yaml").exists():
            report.policies.setdefault(policy_id, []).append("lifecycle")
    report.problems += routing_problems(policies_dir, set(classifications))
    return report


def routing_problems(policies_dir: Path, known: set[str]) -> list[str]:
    """routing.yaml (which policy a submission naming none gets) names existing policies."""
    try:
        routing = load_routing(policies_dir)
    except ConfigurationError as error:
        return [str(error)]
    if routing is None:
        return [f"{policies_dir / ROUTING_FILE}: missing (default and sources)"]
    where = policies_dir / ROUTING_FILE
    named = [("default", routing.default)] + [
        (f"sources.{source}", policy) for source, policy in sorted(routing.sources.items())
    ]
    return [
        f"{where}: {field}: no policy {policy!r}" for field, policy in named if policy not in known
    ]


def unknown_names(deadlines: DeadlinePolicy, classification: Policy) -> list[str]:
    known = declared_names(classification)
    policy_id = deadlines.policy_id
    problems = []
    for condition in deadlines.conditions():
        for name_field, names in condition.names().items():
            for name in sorted(names - known[name_field]):
                problems.append(
                    f"{policy_id}/deadlines.yaml: {name_field} {name!r} is not declared in "
                    f"{policy_id}/classification.yaml"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policies_dir", nargs="?", type=Path, default=DEPLOY / "policies")
    parser.add_argument("--calendars", type=Path, default=DEPLOY / "calendars")
    parser.add_argument("--directory", type=Path, default=DEPLOY / "directory.yaml")
    args = parser.parse_args(argv)
    if not args.policies_dir.is_dir():
        print(f"{args.policies_dir}: no such folder")
        return 1
    report = check(args.policies_dir, args.calendars, args.directory)
    for policy_id, files in sorted(report.policies.items()):
        print(f"{policy_id}: {', '.join(files)}")
    for problem in report.problems:
        print(problem)
    return 1 if report.problems or not report.policies else 0


if __name__ == "__main__":
    sys.exit(main())
