"""What the fault drill (tests/faults/drill.py) expected and what it saw, and the verifier that
compares them: pure, no I/O, so tests/faults/test_faults.py checks it with doctored inputs."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# The notifier's NOTIFIER_SEND_CONCURRENCY in the drill; it bounds the deliveries one notifier
# kill can repeat at the receivers (see _check_notices).
NOTIFIER_SEND_CONCURRENCY = 16


# ---------------------------------------------------------------- what is expected and seen


@dataclass(frozen=True)
class BadInput:
    """A message we put on a consumed topic that no consumer can use."""

    topic: str  # full name, with the run's prefix
    value: bytes
    rejected_by: tuple[str, ...]  # the services that consume the topic, each must dead-letter it


@dataclass
class Expected:
    accepted: dict[str, str | None]  # "source|ref" -> complaint id intake answered (None: Kafka)
    due: set[str]  # keys of complaints whose deadline fell due during the run
    deliveries: frozenset[tuple[str, str]]  # (person, channel) each due notice goes to
    bad: list[BadInput]
    notifier_kills: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # key -> why it was never accepted


@dataclass(frozen=True)
class Archived:
    key: str
    complaint_id: str
    number: str


@dataclass(frozen=True)
class Received:
    key: str
    complaint_id: str
    number: str
    event_id: str


@dataclass(frozen=True)
class Sent:
    complaint_id: str
    notice_id: str
    kind: str
    person: str
    channel: str
    event_id: str


@dataclass(frozen=True)
class Breach:
    complaint_id: str
    deadline_id: str
    event_id: str


@dataclass(frozen=True)
class DeadLetter:
    rejected_by: str
    source_topic: str
    value: bytes
    event_id: str


@dataclass
class Observed:
    archived: list[Archived]
    received: list[Received]
    sent: list[Sent]
    breaches: list[Breach]
    mails: list[str]  # delivery id of every e-mail the SMTP server accepted (raw)
    hooks: list[tuple[str, bool]]  # (delivery id, signature valid) of every webhook call (raw)
    dead_letters: list[DeadLetter]
    lag: dict[str, int]  # "service topic" -> messages its consumer group has not committed
    api_misses: list[str] = field(default_factory=list)  # sampled ids the archive API lacked


@dataclass
class Report:
    counts: list[tuple[str, int]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def count(self, label: str, value: int) -> None:
        self.counts.append((label, value))

    def violate(self, count: int, message: str) -> None:
        if count:
            self.violations.append(f"VIOLATION: {message} ({count})")

    def render(self) -> str:
        width = max(len(label) for label, _ in self.counts)
        lines = [f"{label:<{width}}  {value:>8,}" for label, value in self.counts]
        lines += self.violations or ["OK: no violations"]
        return "\n".join(lines)


# ---------------------------------------------------------------- the verifier (pure)


def verify(expected: Expected, seen: Observed) -> Report:
    """Compare what the run promised with what the system did; no I/O, so it can be tested
    with doctored inputs."""
    report = Report()
    ids = _check_archive(expected, seen, report)
    _check_notices(expected, seen, ids, report)
    _check_lag(seen, report)
    _check_dead_letters(expected, seen, report)
    return report


def _check_archive(expected: Expected, seen: Observed, report: Report) -> dict[str, str]:
    """Every accepted complaint archived once; returns key -> complaint id."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for doc in seen.archived:
        by_key[doc.key].add(doc.complaint_id)
    numbers = Counter(doc.number for doc in seen.archived)
    ids_by_key: dict[str, set[str]] = defaultdict(set)
    for event in seen.received:
        ids_by_key[event.key].add(event.complaint_id)
    accepted = expected.accepted
    missing = [key for key in accepted if key not in by_key]
    doubled = [key for key, ids in by_key.items() if len(ids) > 1]
    doubled_received = [key for key, ids in ids_by_key.items() if len(ids) > 1]
    unasked = [key for key in by_key if key not in accepted]
    wrong_id = [
        key
        for key, answered in accepted.items()
        if answered is not None and key in by_key and by_key[key] != {answered}
    ]
    report.count("complaints accepted", len(accepted))
    report.count("  of them over REST", sum(1 for v in accepted.values() if v is not None))
    report.count("complaints never accepted (client gave up)", len(expected.refused))
    report.count("complaints in the archive (distinct references)", len(by_key))
    report.count("archive documents", len(seen.archived))
    report.count("  missing from the archive", len(missing))
    report.count("  archived more than once", len(doubled))
    report.count("  archived but never accepted", len(unasked))
    report.count("  archived under another id than intake answered", len(wrong_id))
    report.count("  duplicate complaint numbers", sum(1 for n in numbers.values() if n > 1))
    report.count("  references with several ComplaintReceived ids", len(doubled_received))
    report.count("  sampled via the archive API, not found", len(seen.api_misses))
    report.violate(len(expected.refused), f"submissions never accepted: {_few(expected.refused)}")
    report.violate(len(missing), f"accepted but not archived: {_few(missing)}")
    report.violate(len(doubled), f"archived more than once: {_few(doubled)}")
    report.violate(len(unasked), f"archived but never accepted: {_few(unasked)}")
    report.violate(len(wrong_id), f"archived under another id: {_few(wrong_id)}")
    dup_numbers = [n for n, c in numbers.items() if c > 1]
    report.violate(len(dup_numbers), f"duplicate complaint numbers: {_few(dup_numbers)}")
    report.violate(len(doubled_received), f"one reference, several ids: {_few(doubled_received)}")
    report.violate(len(seen.api_misses), f"archive API lacks: {_few(seen.api_misses)}")
    return {key: next(iter(ids)) for key, ids in by_key.items()}


def _check_notices(expected: Expected, seen: Observed, ids: dict[str, str], report: Report) -> None:
    due_ids = {ids[key] for key in expected.due if key in ids}
    breaches: dict[str, set[str]] = defaultdict(set)
    for breach in seen.breaches:
        breaches[breach.complaint_id].add(breach.event_id)
    sent: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    notices_of: dict[str, set[str]] = defaultdict(set)
    for event in seen.sent:
        sent[(event.notice_id, event.person, event.channel)].add(event.event_id)
        notices_of[event.complaint_id].add(event.notice_id)
    wanted = {
        (notice, person, channel)
        for complaint in due_ids
        for notice in notices_of.get(complaint, set())
        for person, channel in expected.deliveries
    }
    no_notice = [c for c in due_ids if not notices_of.get(c)]
    missing_sent = [k for k in wanted if k not in sent] + no_notice
    doubled_sent = [k for k, events in sent.items() if len(events) > 1]
    unexpected = [c for c in notices_of if c not in due_ids]
    no_breach = [c for c in due_ids if not breaches.get(c)]
    doubled_breach = [c for c, events in breaches.items() if len(events) > 1]
    deliveries = {(delivery_id(notice, person), channel) for notice, person, channel in sent}
    mails = Counter(seen.mails)
    hooks = Counter(delivery for delivery, _ in seen.hooks)
    unsigned = sum(1 for _, valid in seen.hooks if not valid)
    arrived = {(d, "email") for d in mails} | {(d, "webhook") for d in hooks}
    not_arrived = sorted(deliveries - arrived)
    stray = sorted(arrived - deliveries)
    repeats = sum(n - 1 for n in mails.values()) + sum(n - 1 for n in hooks.values())
    bound = expected.notifier_kills * NOTIFIER_SEND_CONCURRENCY * max(1, len(expected.deliveries))
    report.count("deadlines due (complaints)", len(due_ids))
    report.count("  DeadlineBreached, distinct", sum(len(e) for e in breaches.values()))
    report.count("  due without DeadlineBreached", len(no_breach))
    report.count("  breached more than once", len(doubled_breach))
    report.count("notice deliveries expected", len(wanted) + len(no_notice))
    report.count("  NoticeSent, distinct (notice, person, channel)", len(sent))
    report.count("  NoticeSent missing", len(missing_sent))
    report.count("  NoticeSent more than once", len(doubled_sent))
    report.count("  notices of complaints not due", len(unexpected))
    report.count("  e-mails received (raw)", sum(mails.values()))
    report.count("  webhook calls received (raw)", sum(hooks.values()))
    report.count("  deliveries that never arrived", len(not_arrived))
    report.count("  arrivals of no recorded delivery", len(stray))
    report.count("  repeats at the receivers (kill after accept, before record)", repeats)
    report.count("  webhook calls with a bad signature", unsigned)
    report.violate(len(no_breach), f"due but never breached: {_few(no_breach)}")
    report.violate(len(doubled_breach), f"breached more than once: {_few(doubled_breach)}")
    report.violate(len(missing_sent), f"notices never sent: {_few(missing_sent)}")
    report.violate(len(doubled_sent), f"NoticeSent more than once: {_few(doubled_sent)}")
    report.violate(len(unexpected), f"notices of complaints not due: {_few(unexpected)}")
    report.violate(len(not_arrived), f"deliveries that never arrived: {_few(not_arrived)}")
    report.violate(len(stray), f"arrivals without a NoticeSent: {_few(stray)}")
    report.violate(unsigned, "webhook calls with a bad signature")
    report.violate(
        max(0, repeats - bound),
        f"more repeats at the receivers than {expected.notifier_kills} notifier kill(s) "
        f"can explain ({bound})",
    )


def _check_lag(seen: Observed, report: Report) -> None:
    report.count("consumer group and topic pairs checked", len(seen.lag))
    report.count("events not processed (lag, all groups)", sum(seen.lag.values()))
    behind = {group: lag for group, lag in seen.lag.items() if lag}
    report.violate(sum(behind.values()), f"unprocessed events: {behind}")


def _check_dead_letters(expected: Expected, seen: Observed, report: Report) -> None:
    wanted = Counter(
        (service, bad.topic, bad.value) for bad in expected.bad for service in bad.rejected_by
    )
    found: dict[tuple[str, str, bytes], set[str]] = defaultdict(set)
    for letter in seen.dead_letters:
        found[(letter.rejected_by, letter.source_topic, letter.value)].add(letter.event_id)
    missing = [k for k in wanted if k not in found]
    extra = [k for k in found if k not in wanted]
    repeated = sum(len(events) - 1 for k, events in found.items() if k in wanted)
    report.count("bad inputs sent", len(expected.bad))
    report.count("dead letters expected (one per consuming service)", sum(wanted.values()))
    report.count("dead letters found, distinct inputs", len([k for k in found if k in wanted]))
    report.count("  expected but missing", len(missing))
    report.count("  not deliberately bad (unexpected)", len(extra))
    report.count("  same input dead-lettered again (kill before commit)", repeated)
    report.violate(len(missing), f"bad inputs not dead-lettered: {_few(missing)}")
    report.violate(len(extra), f"unexpected dead letters: {_few(extra)}")


def delivery_id(notice_id: str, person: str) -> str:
    from complaint_notifier.domain.clock_state import stable_id

    return str(stable_id(notice_id, person))


def _few(items: Iterable[Any], shown: int = 3) -> str:
    listed = list(items)
    text = ", ".join(repr(item)[:120] for item in listed[:shown])
    return text + (f" … (+{len(listed) - shown})" if len(listed) > shown else "")
