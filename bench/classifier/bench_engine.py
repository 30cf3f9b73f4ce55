"""Classifications per second on one core, per preset (a benchmark prints numbers; not a test).

    uv run python -m bench.classifier.bench_engine [--rounds 30] [--against REV]

`--against REV` first runs this benchmark on the engine, presets and test complaints of git
revision REV (extracted to a temporary directory), then on the working tree's: the rate before
and after.

Inputs: the preset test complaints (services/classifier/tests/cases) as written ("short",
mostly 20-120 characters) and each description repeated four times ("long"). Each round
classifies every input once; the CPU time of this process is measured, and the best and the
median round are reported (the best is what the code can do; the median shows the noise of
a shared machine).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from complaint_classifier.domain import Policy, classify, load_policies

ROOT = Path(__file__).resolve().parents[2]
POLICIES = Path("deploy") / "policies"  # under the repository (or --root)
CASES = Path("services") / "classifier" / "tests" / "cases"


def submissions(root: Path, preset: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cases = yaml.safe_load((root / CASES / f"{preset}.yaml").read_text(encoding="utf-8"))
    short, long = [], []
    for case in cases:
        submission = dict(case.get("submission", {}))
        if "text" in case:
            submission["description"] = case["text"]
        short.append(submission)
        text = "。".join([submission["description"]] * 4)
        long.append(submission | {"title": "投诉 complaint", "description": text})
    return short, long


def rates(policy: Policy, inputs: list[dict[str, Any]], rounds: int) -> tuple[float, float]:
    for submission in inputs:  # warm up
        classify(policy, submission)
    per_round = []
    for _ in range(rounds):
        started = time.process_time()
        for submission in inputs:
            classify(policy, submission)
        per_round.append(len(inputs) / max(time.process_time() - started, 1e-9))
    return max(per_round), statistics.median(per_round)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds per preset and input set")
    parser.add_argument("--against", metavar="REV", help="also run git revision REV first")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)  # --against's
    args = parser.parse_args()
    if args.against:
        print(f"before: {args.against}", flush=True)
        _run_at(args.against, args.rounds)
        print("\nafter: working tree", flush=True)
    print(f"{'preset':24} rules  {'short: best / median':>24}  {'long: best / median':>24}")
    policies = load_policies(args.root / POLICIES)
    for policy_id, policy in sorted(policies.items(), key=lambda item: -len(item[1].rules)):
        short, long = submissions(args.root, policy_id)
        short_best, short_median = rates(policy, short, args.rounds)
        long_best, long_median = rates(policy, long, args.rounds)
        print(
            f"{policy_id:24} {len(policy.rules):5}  {short_best:10,.0f} / {short_median:9,.0f}/s"
            f"  {long_best:10,.0f} / {long_median:9,.0f}/s"
        )


def _run_at(revision: str, rounds: int) -> None:
    """This benchmark (the working tree's) on another revision's engine, presets and test
    complaints (same inputs format): its classifier source first on PYTHONPATH."""
    parts = ["services/classifier/src", str(POLICIES), str(CASES)]
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, *parts],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        source = os.path.join(folder, "services/classifier/src")
        environment = {**os.environ, "PYTHONPATH": source}
        command = [sys.executable, "-m", "bench.classifier.bench_engine", "--rounds", str(rounds)]
        subprocess.run([*command, "--root", folder], env=environment, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
