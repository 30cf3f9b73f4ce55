"""Submission bodies the tests start from."""

import json
from typing import Any

from complaint_events import ComplaintSubmitted, new_event


def submission(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source_system": "erp",
        "external_reference": "A-1",
        "channel": "phone",
        "description": "  药品包装破损，要求退货  ",
        "complainant": {"name": " 张三 ", "phone": "138 0013 8000"},
        "tags": ["pharma", "pharma", "packaging"],
    }
    body.update(changes)
    return body


def raw(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def enveloped(body: dict[str, Any]) -> bytes:
    event = new_event(ComplaintSubmitted.model_validate(body), producer="erp-bridge")
    return event.model_dump_json().encode("utf-8")
