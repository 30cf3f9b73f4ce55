"""The fault-injection suite (tests/faults/drill.py): its verifier (verify.py) on doctored inputs,
and the whole suite at a reduced size with every fault still injected.

`make faults` runs the full size (10,000 complaints); here 150 go through, each service is
SIGKILLed once, the private Kafka broker and MongoDB-protocol server are restarted once each.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from pathlib import Path

import pytest

from tests.faults import drill
from tests.faults.verify import (
    Archived,
    BadInput,
    Breach,
    DeadLetter,
    Expected,
    Observed,
    Received,
    Sent,
    delivery_id,
    verify,
)

DESK = frozenset({("desk", "email"), ("desk", "webhook")})
BAD = BadInput("p.complaints.received.v1", b"\xffbad", ("archive", "classifier", "notifier"))


def _delivery(notice: str, person: str) -> str:
    return delivery_id(notice, person)


def consistent() -> tuple[Expected, Observed]:
    """Two complaints, one of them due with its breach notice delivered by e-mail and webhook,
    one bad input dead-lettered by each of its three consumers: nothing wrong."""
    expected = Expected(
        accepted={"due|A": "c1", "calm|B": None},
        due={"due|A"},
        deliveries=DESK,
        bad=[BAD],
        notifier_kills=1,
    )
    seen = Observed(
        archived=[Archived("due|A", "c1", "TS-1"), Archived("calm|B", "c2", "TS-2")],
        received=[Received("due|A", "c1", "TS-1", "e1"), Received("calm|B", "c2", "TS-2", "e2")],
        sent=[
            Sent("c1", "n1", "breach", "desk", "email", "s1"),
            Sent("c1", "n1", "breach", "desk", "webhook", "s2"),
        ],
        breaches=[Breach("c1", "d1", "b1")],
        mails=[_delivery("n1", "desk")],
        hooks=[(_delivery("n1", "desk"), True)],
        dead_letters=[
            DeadLetter(service, BAD.topic, BAD.value, f"x-{service}") for service in BAD.rejected_by
        ],
        lag={"archive complaints.notices.v1": 0, "notifier complaints.received.v1": 0},
    )
    return expected, seen


def violations(expected: Expected, seen: Observed) -> list[str]:
    return verify(expected, seen).violations


@pytest.mark.unit
def test_a_consistent_run_has_no_violations_and_prints_its_counts() -> None:
    report = verify(*consistent())
    assert report.violations == []
    counts = dict(report.counts)
    assert counts["complaints accepted"] == 2
    assert counts["notice deliveries expected"] == 2
    assert counts["dead letters expected (one per consuming service)"] == 3
    assert "OK: no violations" in report.render()


@pytest.mark.unit
def test_a_complaint_archived_twice_is_reported() -> None:
    expected, seen = consistent()
    seen.archived.append(Archived("due|A", "c9", "TS-9"))
    seen.received.append(Received("due|A", "c9", "TS-9", "e9"))
    found = violations(expected, seen)
    assert any("archived more than once" in v and "due|A" in v for v in found)
    assert any("one reference, several ids" in v for v in found)


@pytest.mark.unit
def test_a_missing_complaint_and_a_duplicate_number_are_reported() -> None:
    expected, seen = consistent()
    seen.archived = [Archived("due|A", "c1", "TS-1")]
    expected.accepted["calm|C"] = "c3"
    seen.archived.append(Archived("calm|C", "c3", "TS-1"))
    found = violations(expected, seen)
    assert any("accepted but not archived" in v and "calm|B" in v for v in found)
    assert any("duplicate complaint numbers" in v for v in found)


@pytest.mark.unit
def test_a_notice_sent_twice_or_never_is_reported() -> None:
    expected, seen = consistent()
    doubled = dataclasses.replace(seen.sent[0], event_id="s1-again")
    twice = violations(expected, seen_with(seen, sent=[*seen.sent, doubled]))
    assert any("NoticeSent more than once" in v for v in twice)
    missing = violations(expected, seen_with(seen, sent=seen.sent[:1]))
    assert any("notices never sent" in v for v in missing)


@pytest.mark.unit
def test_a_delivery_that_never_arrived_and_repeats_beyond_the_kills_are_reported() -> None:
    expected, seen = consistent()
    assert any("never arrived" in v for v in violations(expected, seen_with(seen, mails=[])))
    assert any("never arrived" in v for v in violations(expected, seen_with(seen, hooks=[])))
    one_repeat = seen_with(seen, mails=seen.mails * 2)
    assert violations(expected, one_repeat) == []  # within what one notifier kill explains
    expected.notifier_kills = 0
    assert any("more repeats" in v for v in violations(expected, one_repeat))


@pytest.mark.unit
def test_a_due_deadline_without_breach_or_breached_twice_is_reported() -> None:
    expected, seen = consistent()
    assert any("never breached" in v for v in violations(expected, seen_with(seen, breaches=[])))
    twice = [*seen.breaches, Breach("c1", "d1", "b2")]
    assert any("more than once" in v for v in violations(expected, seen_with(seen, breaches=twice)))


@pytest.mark.unit
def test_an_extra_or_a_missing_dead_letter_is_reported() -> None:
    expected, seen = consistent()
    extra = DeadLetter("archive", "p.complaints.notices.v1", b"a real event it failed", "x9")
    found = violations(expected, seen_with(seen, dead_letters=[*seen.dead_letters, extra]))
    assert any("unexpected dead letters" in v for v in found)
    found = violations(expected, seen_with(seen, dead_letters=seen.dead_letters[1:]))
    assert any("not dead-lettered" in v for v in found)


@pytest.mark.unit
def test_unprocessed_events_are_reported() -> None:
    expected, seen = consistent()
    found = violations(expected, seen_with(seen, lag={"archive complaints.notices.v1": 7}))
    assert any("unprocessed events" in v and "(7)" in v for v in found)


def seen_with(seen: Observed, **changes: object) -> Observed:
    return dataclasses.replace(seen, **changes)  # type: ignore[arg-type]


@pytest.mark.e2e
@pytest.mark.timeout(600)
async def test_150_complaints_survive_every_fault_exactly_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="aiokafka")  # its reconnect chatter is expected
    settings = drill.Settings(
        complaints=150,
        load_seconds=45,
        kills_each=1,
        bad_inputs=12,
        drain_timeout=240,
        stack_dir=tmp_path / "stack",
        ports={name: drill.quiet_port(random.Random()) for name in drill.DEFAULT_PORTS},
        workdir=tmp_path / "work",
    )
    outcome = await drill.run(settings)
    print(outcome.report.render())
    assert outcome.ok, "\n".join([*outcome.chaos, outcome.report.render()])
    counts = dict(outcome.report.counts)
    assert all(counts[f"SIGKILLs of {name}"] == 1 for name in drill.NAMES)
    assert counts["Kafka broker restarts"] == counts["MongoDB-protocol server restarts"] == 1
    assert counts["complaints accepted"] == 150


def test_bad_inputs_expect_a_dead_letter_from_each_service_that_reads_them() -> None:
    """Found by a 1,000-complaint run: the classifier skips, unread, a lifecycle message whose
    header names a type it does not handle, so it never dead-letters that one."""
    made = drill.bad_inputs(18, "p.")
    lifecycle = [(bad.rejected_by, bool(h)) for bad, h in made if "lifecycle" in bad.topic]
    submitted = [bad.rejected_by for bad, _ in made if "submitted" in bad.topic]
    assert sorted(lifecycle) == [
        (("archive", "classifier", "notifier"), False),
        (("archive", "classifier", "notifier"), False),
        (("archive", "notifier"), True),
    ]
    assert submitted == [("intake",)] * 3
