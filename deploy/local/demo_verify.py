"""Did each demo complaint come out as its policy says?

Read back through the services' own APIs: the archive's document (archived; classified by the
preset its source system maps to, with the severity the demo expects; the deadlines and notices
it archived) and the notifier's deadlines API. What the policy requires is computed by the
notifier's pure domain from the archived classification and events: the clocks that start at
receipt or classification (`plan_complaint`), and each immediate notice sent to every person
holding its roles by each of their channels (`address`), withheld from the respondent's side
when the complainant is confidential or anonymous.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from complaint_events import NoticeKind
from complaint_notifier.domain import (
    Classification,
    ComplaintEvent,
    ComplaintPlan,
    address,
    plan_complaint,
)
from complaint_notifier.domain.redaction import Privacy
from complaint_notifier.service_layer.rules import Rules
from deploy.local.demo import DemoComplaint, Fed, ReceiptTap, feed
from deploy.local.demo_privacy import Sinks, privacy_problems

LEADER_REVIEW_FLAG = "needs_leader_review"


@dataclass(frozen=True, order=True)
class Delivery:
    """One notice to one person by one channel."""

    step: str
    person: str
    channel: str
    redacted: bool


@dataclass
class Outcome:
    fed: Fed
    document: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        item = self.fed.item
        return f"{self.fed.complaint_number or item.key} ({item.preset}, by {item.via})"

    def lines(self) -> list[str]:
        return [f"complaint {self.name}: {problem}" for problem in self.problems]


@dataclass(frozen=True)
class Expectations:
    """The notifier's rules (policies, calendars, directory) as the services run with them."""

    rules: Rules

    @classmethod
    def load(cls, *, policies_dir: Path, calendars_dir: Path, directory_file: Path) -> Expectations:
        return cls(
            Rules.load(
                policies_dir=policies_dir,
                calendars_dir=calendars_dir,
                directory_file=directory_file,
            )
        )

    def plan(self, document: dict[str, Any]) -> ComplaintPlan:
        policy = self.rules.policies[document["policy_id"]]
        events = [
            ComplaintEvent(entry["event_type"], _moment(entry["at"]))
            for entry in document["timeline"]
        ]
        return plan_complaint(
            policy,
            self.rules.calendars,
            classification_of(document),
            events,
            complaint_id=document["complaint_id"],
        )

    def deadlines(self, plan: ComplaintPlan) -> set[str]:
        """Steps whose clock started with a limit (progress-only clocks publish no deadline)."""
        return {clock.step for clock in plan.clocks if clock.limit is not None}

    def deliveries(self, plan: ComplaintPlan, document: dict[str, Any]) -> set[Delivery]:
        complainant = (document.get("record") or {}).get("complainant") or {}
        privacy = Privacy(
            confidential=bool(complainant.get("confidential")),
            anonymous=bool(complainant.get("anonymous")),
        )
        expected = set()
        for notice in plan.notices:
            if notice.kind is not NoticeKind.IMMEDIATE:
                continue
            for addressed in address(notice, self.rules.directory, privacy):
                person = addressed.recipient
                channels = [("email", person.email), ("webhook", person.webhook)]
                expected |= {
                    Delivery(notice.step, person.person_id, name, addressed.redact_complainant)
                    for name, reachable in channels
                    if reachable
                }
        return expected


def classification_of(document: dict[str, Any]) -> Classification:
    """The archived classification as the notifier's conditions read it."""
    classified = document["classification"]
    flags = set(classified.get("flags") or ())
    acceptance = classified.get("acceptance") or {}
    if acceptance.get("needs_leader_review"):
        flags.add(LEADER_REVIEW_FLAG)
    return Classification(
        policy_id=classified["policy_id"],
        severity=classified["severity"],
        category=classified.get("category"),
        flags=frozenset(flags),
        acceptance=acceptance.get("decision"),
        department=classified.get("department"),
    )


def sent_deliveries(document: dict[str, Any]) -> set[Delivery]:
    return {
        Delivery(notice["step"], notice["recipient_ref"], notice["channel"], notice["redacted"])
        for notice in document.get("notices") or ()
        if notice["sent"] and notice["notice_kind"] == NoticeKind.IMMEDIATE.value
    }


def _moment(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def document_problems(
    document: dict[str, Any], item: DemoComplaint, expectations: Expectations
) -> list[str]:
    """How an archived document differs from what its policy says (empty: it does not)."""
    problems = classification_problems(document, item)
    if not document.get("classification") or document.get("policy_id") != item.preset:
        return problems  # without the preset's classification nothing else can be expected
    plan = expectations.plan(document)
    archived = {deadline["step"] for deadline in document.get("deadlines", [])}
    problems += step_problems(expectations.deadlines(plan), archived, "DeadlineScheduled")
    return problems + notice_problems(
        expectations.deliveries(plan, document), sent_deliveries(document)
    )


def classification_problems(document: dict[str, Any], item: DemoComplaint) -> list[str]:
    if not document.get("classification"):
        return ["archived but not classified (no ComplaintClassified)"]
    if document["policy_id"] != item.preset:
        return [f"classified by policy {document['policy_id']}, not {item.preset}"]
    if document["severity"] != item.expect_severity:
        return [f"classified {document['severity']}, the demo expects {item.expect_severity}"]
    return []


def step_problems(expected: set[str], found: set[str], where: str) -> list[str]:
    missing = [f"no {where} for step {step}" for step in sorted(expected - found)]
    extra = [f"{where} for step {step}, not started by the policy" for step in found - expected]
    return missing + sorted(extra)


def notice_problems(expected: set[Delivery], sent: set[Delivery]) -> list[str]:
    missing = [
        f"no NoticeSent for immediate notice {delivery.step} to {delivery.person} "
        f"by {delivery.channel}{', redacted' if delivery.redacted else ''}"
        for delivery in sorted(expected - sent)
    ]
    extra = [
        f"NoticeSent for {delivery.step} to {delivery.person} by {delivery.channel} "
        f"(redacted: {delivery.redacted}), which the policy does not require"
        for delivery in sorted(sent - expected)
    ]
    return missing + extra


@dataclass
class Verifier:
    """Reads each fed complaint back from the archive and the notifier."""

    archive: httpx.AsyncClient
    notifier: httpx.AsyncClient
    expectations: Expectations
    sinks: Sinks

    async def check(self, fed: Fed) -> Outcome:
        outcome = Outcome(fed)
        if fed.refused:
            outcome.problems.append(f"refused at intake: {fed.refused}")
            return outcome
        if fed.complaint_id is None:
            outcome.problems.append("intake has not published ComplaintReceived for it")
            return outcome
        outcome.document = await self._document(fed.complaint_id, outcome)
        if outcome.document is not None:
            outcome.problems += document_problems(outcome.document, fed.item, self.expectations)
            outcome.problems += await self._notifier_problems(outcome.document)
            outcome.problems += privacy_problems(
                outcome.document,
                fed.item.submission.get("complainant", {}),
                self.sinks,
                self.expectations.rules.directory,
            )
        return outcome

    async def _document(self, complaint_id: str, outcome: Outcome) -> dict[str, Any] | None:
        answer = await self.archive.get(f"/complaints/{complaint_id}")
        if answer.status_code == 200:
            document: dict[str, Any] = answer.json()
            return document
        problem = "not archived" if answer.status_code == 404 else f"HTTP {answer.status_code}"
        outcome.problems.append(f"{problem} (archive GET /complaints/{complaint_id})")
        return None

    async def _notifier_problems(self, document: dict[str, Any]) -> list[str]:
        """The notifier's deadlines API must show the clocks the archive has deadlines of."""
        answer = await self.notifier.get(f"/v1/complaints/{document['complaint_id']}/deadlines")
        if answer.status_code != 200:
            return [f"the notifier's deadlines API answered HTTP {answer.status_code}"]
        clocks = {clock["step"] for clock in answer.json()["clocks"] if clock["limit"]}
        archived = {deadline["step"] for deadline in document.get("deadlines", [])}
        return [f"the notifier has no clock for step {step}" for step in sorted(archived - clocks)]


async def verify(fed: list[Fed], verifier: Verifier) -> list[Outcome]:
    return [await verifier.check(entry) for entry in fed]


async def wait_until_verified(
    fed: list[Fed], verifier: Verifier, tap: ReceiptTap, *, seconds: float, every: float = 2
) -> list[Outcome]:
    """Check again until every complaint passes or `seconds` have passed; the last outcomes."""
    deadline = time.monotonic() + seconds
    while True:
        tap.settle(fed)
        outcomes = await verify(fed, verifier)
        if all(not outcome.problems for outcome in outcomes) or time.monotonic() >= deadline:
            return outcomes
        await asyncio.sleep(every)


async def feed_and_verify(
    demo: list[DemoComplaint],
    *,
    run_tag: str,
    urls: Mapping[str, str],
    api_key: str,
    bootstrap: str,
    topic_prefix: str,
    expectations: Expectations,
    sinks: Sinks,
    seconds: float,
) -> list[Outcome]:
    """Feed the demo (REST and Kafka), then wait until each complaint passes or time is up."""
    tap = await ReceiptTap(bootstrap, topic_prefix).start()
    headers = {"X-API-Key": api_key}
    try:
        fed = await feed(
            demo,
            run_tag=run_tag,
            intake_url=urls["intake"],
            api_key=api_key,
            bootstrap=bootstrap,
            topic_prefix=topic_prefix,
        )
        async with (
            httpx.AsyncClient(base_url=urls["archive"], headers=headers, timeout=30) as archive,
            httpx.AsyncClient(base_url=urls["notifier"], headers=headers, timeout=30) as notifier,
        ):
            verifier = Verifier(archive, notifier, expectations, sinks)
            return await wait_until_verified(fed, verifier, tap, seconds=seconds)
    finally:
        await tap.stop()
