"""What an attachment must be to be stored: a size limit and an allowed, truthful type."""

from dataclasses import dataclass

# Leading bytes of the types whose declared name is easy to fake and easy to check.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int
    types: frozenset[str]


@dataclass(frozen=True)
class AttachmentProblem:
    status: int  # the HTTP status that says it: 413 too large, 415 type refused
    reason: str


def media_type(content_type: str | None) -> str:
    """`image/jpeg; charset=...` → `image/jpeg`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def attachment_problem(
    content_type: str | None, size: int, head: bytes, limits: AttachmentLimits
) -> AttachmentProblem | None:
    kind = media_type(content_type)
    if size > limits.max_bytes:
        return AttachmentProblem(413, f"larger than {limits.max_bytes} bytes")
    if size == 0:
        return AttachmentProblem(422, "the file is empty")
    if kind not in limits.types:
        return AttachmentProblem(415, f"content type {kind or '(none)'!r} is not accepted")
    signatures = SIGNATURES.get(kind)
    if signatures and not head.startswith(signatures):
        return AttachmentProblem(415, f"the file's content is not {kind}")
    return None
