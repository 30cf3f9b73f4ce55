"""Notices by e-mail over SMTP (aiosmtplib), one message per person.

Connections are kept open and reused (a pool of at most `connections`): a relay then sees a
few long sessions instead of a connection per notice. The Message-ID is the delivery id, so a
receiving system can drop the copy that a crash between the server's acceptance and our
record of it may cause.
"""

import asyncio
import socket
import time
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Literal

import aiosmtplib

from complaint_events import NoticeChannel

from ..domain import Recipient
from ..service_layer.ports import Delivery, DeliveryFailed

Tls = Literal["starttls", "tls", "none"]
IDLE_SECONDS = 30.0
"""A connection unused for longer is closed rather than reused (servers drop idle sessions)."""


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
        connections: int = 4,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.tls, self.timeout = username, password, tls, timeout
        # aiosmtplib would otherwise look the name up (blocking) on every connection
        self.local_hostname = socket.getfqdn()
        self._slots = asyncio.Semaphore(connections)
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []

    def reaches(self, recipient: Recipient) -> bool:
        return recipient.email is not None

    async def send(self, delivery: Delivery) -> None:
        mail = message(delivery, self.sender)
        async with self._slots:
            client, reused = await self._client()
            try:
                await client.send_message(mail)
            except aiosmtplib.SMTPServerDisconnected as error:
                if not reused:
                    raise _failure(error) from error
                # The server closed a session it found idle; nothing was accepted on it.
                client = await self._connect()
                await self._send_or_fail(client, mail)
            except aiosmtplib.SMTPException as error:
                await _close(client)
                raise _failure(error) from error
            self._idle.append((client, time.monotonic()))

    async def _send_or_fail(self, client: aiosmtplib.SMTP, mail: EmailMessage) -> None:
        try:
            await client.send_message(mail)
        except aiosmtplib.SMTPException as error:
            await _close(client)
            raise _failure(error) from error

    async def _client(self) -> tuple[aiosmtplib.SMTP, bool]:
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and time.monotonic() - since < IDLE_SECONDS:
                return client, True
            await _close(client)
        return await self._connect(), False

    async def _connect(self) -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.tls == "tls",
            start_tls=self.tls == "starttls",
            timeout=self.timeout,
            local_hostname=self.local_hostname,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise _failure(error) from error
        return client

    async def aclose(self) -> None:
        while self._idle:
            await _close(self._idle.pop()[0])


def _failure(error: BaseException) -> DeliveryFailed:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return DeliveryFailed("SMTP refused the recipient", permanent=True)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return DeliveryFailed(f"SMTP {error.code}", permanent=500 <= error.code < 600)
    return DeliveryFailed(f"SMTP unavailable: {type(error).__name__}")


async def _close(client: aiosmtplib.SMTP) -> None:
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        client.close()


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
