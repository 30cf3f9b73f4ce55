"""From a planned notice (roles) to one delivery per person, marked for redaction where needed."""

from dataclasses import dataclass

from .clock_state import stable_id
from .directory import Directory, Recipient, recipients
from .notices import PlannedNotice
from .redaction import Privacy, must_redact


@dataclass(frozen=True)
class AddressedNotice:
    delivery_id: str
    """sha256 of notice id and person: the unique key of one delivery."""
    notice: PlannedNotice
    recipient: Recipient
    redact_complainant: bool


def address(notice: PlannedNotice, directory: Directory, privacy: Privacy) -> list[AddressedNotice]:
    """One delivery per person holding any of the notice's roles (a person once, first role)."""
    deliveries: dict[str, AddressedNotice] = {}
    for role in notice.roles:
        for person in recipients(directory, role, notice.department, policy_id=notice.policy_id):
            redact = must_redact(respondent_side=person.respondent_side, privacy=privacy)
            earlier = deliveries.get(person.person_id)
            if earlier is None:
                deliveries[person.person_id] = AddressedNotice(
                    stable_id(notice.notice_id, person.person_id), notice, person, redact
                )
            elif redact and not earlier.redact_complainant:
                # Holding a respondent-side role anywhere is enough to be kept in the dark.
                deliveries[person.person_id] = AddressedNotice(
                    earlier.delivery_id, notice, person, redact
                )
    return list(deliveries.values())
