"""Storing an uploaded attachment and recording that it was stored."""

import hashlib
import uuid

from complaint_events import AttachmentStored, new_event

from ..domain.attachments import (
    AttachmentLimits,
    AttachmentProblem,
    attachment_problem,
    media_type,
)
from .context import PRODUCER, Archive
from .ports import StoredFile


async def store_attachment(
    archive: Archive,
    *,
    complaint_id: str,
    filename: str,
    content_type: str | None,
    data: bytes,
    limits: AttachmentLimits,
) -> AttachmentStored | AttachmentProblem:
    """Keep the file in GridFS, then record `AttachmentStored`; the consumer adds it to the
    complaint's document."""
    problem = attachment_problem(content_type, len(data), data[:16], limits)
    if problem is not None:
        archive.metrics.attachments.labels(str(problem.status)).inc()
        return problem
    stored = StoredFile(
        attachment_id=str(uuid.uuid4()),
        complaint_id=complaint_id,
        filename=filename,
        content_type=media_type(content_type),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    await archive.files.store(stored, data)
    payload = AttachmentStored(
        attachment_id=stored.attachment_id,
        filename=stored.filename,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
    )
    await archive.publisher.publish(
        new_event(payload, producer=PRODUCER, complaint_id=complaint_id)
    )
    archive.metrics.attachments.labels("stored").inc()
    return payload
