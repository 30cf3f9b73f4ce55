"""The demo's privacy check: a notice withheld from the respondent's side (a confidential or
anonymous complainant) reached its recipient, and what reached them carries none of the
complainant's identifiers (name, e-mail, phone). Read at the local SMTP server and webhook
receiver every notice of `make run`, `make demo` and the tests goes to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from complaint_notifier.domain import Directory
from deploy.local.system import HookReceiver, Mailbox

NOTICE_HEADER = "X-Complaints-Notice-Id"


@dataclass(frozen=True)
class Sinks:
    mailbox: Mailbox
    hooks: HookReceiver

    def received(
        self, notice_id: str, person: str, channel: str, directory: Directory
    ) -> list[str]:
        """The text of every message of a notice that reached a person by a channel."""
        if channel == "webhook":
            return [
                hook.body.decode(errors="replace")
                for hook in self.hooks.snapshot()
                if notice_of_hook(hook.headers) == notice_id and hook.path == f"/{person}"
            ]
        address = directory.people[person].email or ""
        return [
            f"{mail['Subject']}\n{_body(mail)}"
            for mail in self.mailbox.snapshot()
            if notice_of_mail(mail) == notice_id and address in str(mail["To"])
        ]


def notice_of_mail(mail: EmailMessage) -> str:
    # A folded header comes back with the fold's leading space.
    return str(mail.get(NOTICE_HEADER, "")).strip()


def notice_of_hook(headers: dict[str, str]) -> str | None:
    return headers.get(NOTICE_HEADER.lower())


def _body(mail: EmailMessage) -> str:
    part = mail.get_body(("plain", "html"))
    return str(part.get_content()) if part is not None else ""


def identifiers(complainant: dict[str, Any]) -> list[str]:
    """The complainant's name, e-mail and phone (as digits) as the demo submitted them."""
    found = [complainant.get("name"), complainant.get("email")]
    phone = re.sub(r"\D", "", complainant.get("phone") or "")
    return [value for value in found if value] + ([phone[-8:]] if phone else [])


def leaks(text: str, complainant: dict[str, Any]) -> list[str]:
    digits = re.sub(r"\D", "", text)
    return [value for value in identifiers(complainant) if value in text or value in digits]


def privacy_problems(
    document: dict[str, Any],
    complainant: dict[str, Any],
    sinks: Sinks,
    directory: Directory,
) -> list[str]:
    problems = []
    for notice in document.get("notices") or ():
        if not (notice["sent"] and notice["redacted"]):
            continue
        person, channel = notice["recipient_ref"], notice["channel"]
        texts = sinks.received(notice["notice_id"], person, channel, directory)
        where = f"redacted notice {notice['step']} to {person} by {channel}"
        if not texts:
            problems.append(f"{where} was sent but never reached the local receiver")
        for found in sorted({value for text in texts for value in leaks(text, complainant)}):
            problems.append(f"{where} carries the complainant's identifier {found[:2]}***")
    return problems
