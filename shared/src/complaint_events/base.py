"""The base class of every event payload."""

from typing import ClassVar

from .fields import Model


class EventPayload(Model):
    """A fact that happened to a complaint; the body of one event type.

    Subclasses name their `event_type` (the class name, past tense) and `schema_version`.
    """

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    # Only a raw submission and a dead letter may exist before a complaint id is known.
    requires_complaint_id: ClassVar[bool] = True

    def partition_key(self) -> str | None:
        """The Kafka key when it is not the complaint id (see `message_key`)."""
        return None
