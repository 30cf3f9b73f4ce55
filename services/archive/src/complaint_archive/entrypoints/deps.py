"""What the routes and the subscriber share, found on `app.state`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from complaint_runtime import Wiring as Shared
from complaint_runtime import wiring_of

from ..domain.attachments import AttachmentLimits
from ..metrics import ArchiveMetrics
from ..service_layer import Archive
from ..settings import ArchiveSettings


@dataclass
class Wiring(Shared[Archive]):
    """`ready()`: the use cases' dependencies, while the service runs."""

    settings: ArchiveSettings
    metrics: ArchiveMetrics

    @asynccontextmanager
    async def serving(self, archive: Archive) -> AsyncIterator[None]:
        """The service layer (and the database to ping) while the context is open."""
        self.current, self.store_ping = archive, archive.store.ping
        try:
            yield
        finally:
            self.current = self.store_ping = None

    @property
    def attachment_limits(self) -> AttachmentLimits:
        types = frozenset(kind.lower() for kind in self.settings.attachment_types)
        return AttachmentLimits(self.settings.attachment_max_bytes, types)


async def archive(request: Request) -> Archive:
    found: Wiring = await wiring_of(request)
    return found.ready()


WiringDep = Annotated[Wiring, Depends(wiring_of)]
ArchiveDep = Annotated[Archive, Depends(archive)]
