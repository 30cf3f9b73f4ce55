"""Masking a confidential complainant (003·ZJ 第六条) from callers without the privileged scope."""

from .entries import Document

PERSONAL_FIELDS = ("name", "phone", "email", "address")
MASK = "***"


def masked(document: Document) -> Document:
    """The document with the complainant's name, phone, e-mail and address hidden when the
    complaint is confidential; anything else is returned as it is."""
    record = document.get("record")
    if not document.get("confidential") or not record:
        return document
    complainant = dict(record["complainant"])
    for name in PERSONAL_FIELDS:
        if complainant.get(name) is not None:
            complainant[name] = MASK
    return {**document, "record": {**record, "complainant": complainant}}


def visible(document: Document, *, privileged: bool) -> Document:
    return document if privileged else masked(document)
