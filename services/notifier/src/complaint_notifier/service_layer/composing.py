"""From a due notice to the messages it becomes: one per person and channel, in their language,
with the complainant withheld from the party complained about when confidential or anonymous."""

from collections.abc import Mapping

from complaint_events import NoticeChannel, NoticeKind

from ..domain import (
    AddressedNotice,
    PlannedNotice,
    address,
    notice_context,
    progress_notice,
    render,
    step_title,
)
from .complaint_record import ComplaintRecord
from .ports import Delivery, Sender
from .rules import Rules


def still_wanted(rules: Rules, record: ComplaintRecord, notice: PlannedNotice) -> bool:
    """Whether the complaint's latest plan still calls for this notice.

    A progress notice after the first is scheduled by the sender of the one before, so it is
    checked against the clock it reports on: still running from the same start or resume.
    """
    if notice.kind is not NoticeKind.PROGRESS:
        return notice.notice_id in record.scheduled
    clock = record.clock(notice.deadline_id)
    spec = rules.spec(notice.policy_id, notice.step)
    if clock is None or spec is None:
        return False
    again = progress_notice(clock, spec, rules.calendars[spec.calendar_id], notice.level)
    return again is not None and again.notice_id == notice.notice_id


def compose(
    rules: Rules,
    record: ComplaintRecord,
    notice: PlannedNotice,
    senders: Mapping[NoticeChannel, Sender],
) -> list[Delivery]:
    deliveries = []
    for addressed in address(notice, rules.directory, record.privacy()):
        for channel, sender in senders.items():
            if sender.reaches(addressed.recipient):
                deliveries.append(_render(rules, record, addressed, channel))
    return deliveries


def _render(
    rules: Rules, record: ComplaintRecord, addressed: AddressedNotice, channel: NoticeChannel
) -> Delivery:
    notice, person = addressed.notice, addressed.recipient
    language = rules.language_of(person.person_id, person.language)
    policy = rules.policies[notice.policy_id]
    context = notice_context(
        addressed,
        record.summary(),
        title=step_title(policy, notice.step, language),
        zone=rules.zone_of(notice.policy_id, notice.step),
    )
    rendered = render(notice.kind, language, context)
    return Delivery(
        key=f"{addressed.delivery_id}:{channel.value}",
        delivery_id=addressed.delivery_id,
        channel=channel,
        notice=notice,
        recipient=person,
        language=language,
        redacted=addressed.redact_complainant,
        complaint_number=record.complaint_number,
        subject=rendered.subject,
        body=rendered.body,
    )
