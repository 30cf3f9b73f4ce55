"""What the demo did, counted and printed for a person: complaints in by channel and language,
classified by severity, deadlines scheduled, notices sent (as events and as received by the
local SMTP server and webhook receiver), documents archived, and where everything is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from deploy.local.demo_privacy import notice_of_hook, notice_of_mail
from deploy.local.demo_verify import Outcome
from deploy.local.system import HookReceiver, Mailbox


@dataclass
class Totals:
    fed: int = 0
    by_channel: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    by_severity: dict[str, Counter[str]] = field(default_factory=dict)
    deadlines: Counter[str] = field(default_factory=Counter)
    notices: Counter[str] = field(default_factory=Counter)
    """NoticeSent events archived, by channel."""
    emails_received: int = 0
    webhooks_received: int = 0
    archived: int = 0
    problems: int = 0


def totals(outcomes: list[Outcome], mailbox: Mailbox, hooks: HookReceiver) -> Totals:
    counted = Totals(fed=len(outcomes))
    notice_ids: set[str] = set()
    for outcome in outcomes:
        item, document = outcome.fed.item, outcome.document or {}
        counted.by_channel[item.via] += 1
        counted.by_language[item.language] += 1
        counted.problems += len(outcome.problems)
        if not document:
            continue
        counted.archived += 1
        if document.get("severity"):
            counted.by_severity.setdefault(item.preset, Counter())[document["severity"]] += 1
        counted.deadlines.update(deadline["step"] for deadline in document.get("deadlines", []))
        sent = [notice for notice in document.get("notices", []) if notice["sent"]]
        counted.notices.update(notice["channel"] for notice in sent)
        notice_ids |= {notice["notice_id"] for notice in sent}
    counted.emails_received = sum(
        1 for mail in mailbox.snapshot() if notice_of_mail(mail) in notice_ids
    )
    counted.webhooks_received = sum(
        1 for hook in hooks.snapshot() if notice_of_hook(hook.headers) in notice_ids
    )
    return counted


def render(counted: Totals, outcomes: list[Outcome], where: Mapping[str, str]) -> str:
    """The summary as lines of text."""
    lines = [
        f"Demo: {counted.fed} complaints in: {_counts(counted.by_channel, CHANNELS)}; "
        f"{_counts(counted.by_language, LANGUAGES)}",
        "",
        *_table(outcomes),
        "",
        "Classified by severity:",
        *(
            f"  {preset:<22} {_counts(levels)}"
            for preset, levels in sorted(counted.by_severity.items())
        ),
        f"Deadlines scheduled: {sum(counted.deadlines.values())} ({_counts(counted.deadlines)})",
        f"Notices sent: {sum(counted.notices.values())} NoticeSent events "
        f"({_counts(counted.notices)}); received here: {counted.emails_received} e-mails "
        f"(local SMTP server), {counted.webhooks_received} webhook calls (local receiver)",
        f"Documents archived: {counted.archived} of {counted.fed}",
        "",
        "Where:",
        *(f"  {name:<12} {place}" for name, place in where.items()),
    ]
    return "\n".join(lines)


CHANNELS = {"http": "by REST", "kafka": "by Kafka"}
LANGUAGES = {"zh": "Chinese", "en": "English"}


def _counts(counter: Mapping[str, int], names: Mapping[str, str] | None = None) -> str:
    names = names or {}
    ordered = sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))
    return ", ".join(f"{count} {names.get(name, name)}" for name, count in ordered) or "none"


def _table(outcomes: Iterable[Outcome]) -> list[str]:
    header = ("complaint", "preset", "by", "lang", "severity", "deadlines", "notices", "archived")
    rows = [header]
    for outcome in outcomes:
        item, document = outcome.fed.item, outcome.document or {}
        sent = [notice for notice in document.get("notices", []) if notice["sent"]]
        rows.append(
            (
                outcome.fed.complaint_number or f"({item.key})",
                item.preset,
                item.via,
                item.language,
                document.get("severity") or "-",
                str(len(document.get("deadlines", []))),
                str(len(sent)),
                "yes" if document else "no",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    return [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
