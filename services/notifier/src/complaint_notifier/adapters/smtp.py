"""Notices by e-mail over SMTP (aiosmtplib), one message per person.

The Message-ID is the delivery id, so a receiving system can drop the copy that a crash
between the server's acceptance and our record of it may cause.
"""

from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Literal

import aiosmtplib

from complaint_events import NoticeChannel

from ..domain import Recipient
from ..service_layer.ports import Delivery, DeliveryFailed

Tls = Literal["starttls", "tls", "none"]


class SmtpSender:
    channel = NoticeChannel.EMAIL

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        tls: Tls = "starttls",
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.tls, self.timeout = username, password, tls, timeout

    def reaches(self, recipient: Recipient) -> bool:
        return recipient.email is not None

    async def send(self, delivery: Delivery) -> None:
        try:
            await aiosmtplib.send(
                message(delivery, self.sender),
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls == "tls",
                start_tls=self.tls == "starttls",
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise DeliveryFailed("SMTP refused the recipient", permanent=True) from error
        except aiosmtplib.SMTPResponseException as error:
            permanent = 500 <= error.code < 600
            raise DeliveryFailed(f"SMTP {error.code}", permanent=permanent) from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise DeliveryFailed(f"SMTP unavailable: {type(error).__name__}") from error


def message(delivery: Delivery, sender: str) -> EmailMessage:
    notice, person = delivery.notice, delivery.recipient
    assert person.email is not None
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = formataddr((person.name, person.email))
    mail["Subject"] = delivery.subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = f"<{delivery.delivery_id}@{sender.rpartition('@')[2]}>"
    mail["Content-Language"] = delivery.language
    mail["X-Complaints-Notice-Id"] = notice.notice_id
    mail["X-Complaints-Delivery-Id"] = delivery.delivery_id
    mail["X-Complaints-Notice-Kind"] = notice.kind.value
    mail.set_content(delivery.body)
    return mail
