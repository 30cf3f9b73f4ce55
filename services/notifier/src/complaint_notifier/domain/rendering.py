"""Notice texts in Chinese and English, from complaint_notifier/templates/<language>/<kind>.txt.

A template's first line is the subject, the rest after one blank line the body; fields are
`$name` (string.Template). The context holds the complainant's name and contact only for a role
that may see them (`sees_complainant`) and is not redacted; for everyone else the complainant's
identifiers, e-mail addresses and phone numbers are scrubbed from the free text as well.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from string import Template
from zoneinfo import ZoneInfo

from complaint_events import Complainant, NoticeKind

from .addressing import AddressedNotice
from .policy import DeadlinePolicy
from .redaction import Privacy, redact_context

LANGUAGES = ("zh", "en")
NOT_SET = {"zh": "—", "en": "-"}
WITHHELD = {"zh": "投诉人：（保密，已隐去）", "en": "Complainant: (confidential, withheld)"}
COMPLAINANT = {"zh": "投诉人：", "en": "Complainant: "}


@dataclass(frozen=True)
class ComplaintSummary:
    """What a notice may say about the complaint; the service builds it from the events."""

    complaint_id: str
    complaint_number: str | None = None
    title: str | None = None
    severity: str | None = None
    category: str | None = None
    department: str | None = None
    complainant: Complainant | None = None


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    body: str


def step_title(policy: DeadlinePolicy, step: str, language: str) -> str:
    """The clock's or immediate report's title in that language, else the step name."""
    titles = {spec.step: spec.title for spec in policy.clocks}
    titles |= {spec.id: spec.title for spec in policy.immediate}
    title = titles.get(step)
    return (getattr(title, language, "") if title is not None else "") or step


def notice_context(
    addressed: AddressedNotice, summary: ComplaintSummary, *, title: str, zone: ZoneInfo
) -> dict[str, str]:
    notice, language = addressed.notice, addressed.recipient.language
    missing = NOT_SET.get(language, "-")
    context = {
        "complaint_number": summary.complaint_number or summary.complaint_id,
        "complaint_id": summary.complaint_id,
        "title": summary.title or missing,
        "policy_id": notice.policy_id,
        "step": notice.step,
        "step_title": title,
        "kind": notice.kind.value,
        "severity": summary.severity or missing,
        "category": summary.category or missing,
        "department": notice.department or summary.department or missing,
        "level": str(notice.level),
        "round": str(notice.round),
        "due_at": _local(notice.due_at, zone) if notice.due_at else missing,
        "send_at": _local(notice.send_at, zone),
        "recipient_name": addressed.recipient.name,
    }
    may_see = addressed.recipient.sees_complainant and not addressed.redact_complainant
    if not may_see:
        # Free text written by the complainant may name them: scrub it for everyone else.
        context = redact_context(context, Privacy.of(summary.complainant))
    context["complainant"] = _complainant_line(addressed, summary.complainant, may_see, language)
    return context


def _complainant_line(
    addressed: AddressedNotice, person: Complainant | None, may_see: bool, language: str
) -> str:
    if addressed.redact_complainant:
        return WITHHELD.get(language, WITHHELD["en"])
    if person is None or person.anonymous or not may_see:
        return ""
    details = [value for value in (person.name, person.phone, person.email) if value]
    return COMPLAINANT.get(language, COMPLAINANT["en"]) + " ".join(details) if details else ""


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def render(kind: NoticeKind, language: str, context: dict[str, str]) -> RenderedNotice:
    """Subject and body; KeyError for a context missing a field the template uses."""
    template = _template(NoticeKind(kind).value, language if language in LANGUAGES else "en")
    subject, _, body = template.substitute(context).partition("\n\n")
    return RenderedNotice(subject.strip(), _tidy(body))


def _tidy(body: str) -> str:
    # An empty complainant line leaves a blank line; keep paragraphs, drop the gap.
    lines = [line for line in body.strip().splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


@cache
def _template(kind: str, language: str) -> Template:
    source = files("complaint_notifier").joinpath("templates", language, f"{kind}.txt")
    return Template(source.read_text(encoding="utf-8"))
