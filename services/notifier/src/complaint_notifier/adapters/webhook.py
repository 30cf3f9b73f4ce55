"""Notices to webhooks: a JSON body signed with HMAC-SHA256 over "<timestamp>.<body>".

Headers: `X-Complaints-Timestamp` (Unix seconds), `X-Complaints-Signature: sha256=<hex>`,
`Idempotency-Key` (the delivery id: the same for every try and every repeat after a crash).
A receiver recomputes the signature with the shared secret, refuses old timestamps, and
drops an Idempotency-Key it has seen.
"""

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from complaint_events import NoticeChannel

from ..domain import Recipient
from ..service_layer.ports import Delivery, DeliveryFailed

TIMESTAMP = "X-Complaints-Timestamp"
SIGNATURE = "X-Complaints-Signature"
RETRYABLE = frozenset({408, 425, 429})


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: bytes, timestamp: str, body: bytes, signed: str, *, now: float, tolerance: float = 300
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    fresh = timestamp.isdigit() and abs(now - int(timestamp)) <= tolerance
    return fresh and hmac.compare_digest(signature(secret, timestamp, body), signed)


class WebhookSender:
    channel = NoticeChannel.WEBHOOK

    def __init__(self, client: httpx.AsyncClient, secret: bytes) -> None:
        self.client, self.secret = client, secret

    def reaches(self, recipient: Recipient) -> bool:
        return recipient.webhook is not None

    async def send(self, delivery: Delivery) -> None:
        assert delivery.recipient.webhook is not None
        body = json.dumps(payload(delivery), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP: timestamp,
            SIGNATURE: signature(self.secret, timestamp, body),
            "Idempotency-Key": delivery.delivery_id,
            "X-Complaints-Notice-Id": delivery.notice.notice_id,
        }
        try:
            response = await self.client.post(
                delivery.recipient.webhook, content=body, headers=headers
            )
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"webhook unreachable: {type(error).__name__}") from error
        status = response.status_code
        if not 200 <= status < 300:
            permanent = 400 <= status < 500 and status not in RETRYABLE
            raise DeliveryFailed(f"webhook answered HTTP {status}", permanent=permanent)


def payload(delivery: Delivery) -> dict[str, Any]:
    notice = delivery.notice
    return {
        "notice_id": notice.notice_id,
        "delivery_id": delivery.delivery_id,
        "complaint_id": notice.complaint_id,
        "complaint_number": delivery.complaint_number,
        "policy_id": notice.policy_id,
        "kind": notice.kind.value,
        "step": notice.step,
        "level": notice.level,
        "round": notice.round,
        "cycle": notice.cycle,
        "deadline_id": notice.deadline_id,
        "send_at": notice.send_at.isoformat(),
        "due_at": notice.due_at.isoformat() if notice.due_at else None,
        "recipient": {"ref": delivery.recipient.person_id, "role": delivery.recipient.role},
        "language": delivery.language,
        "redacted": delivery.redacted,
        "subject": delivery.subject,
        "body": delivery.body,
    }
