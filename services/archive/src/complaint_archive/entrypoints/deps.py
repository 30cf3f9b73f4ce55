"""What the routes and the subscriber need, built in the lifespan and found on `app.state`."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ..domain.attachments import AttachmentLimits
from ..metrics import ArchiveMetrics
from ..service_layer import Archive
from ..settings import ArchiveSettings


@dataclass
class Wiring:
    settings: ArchiveSettings
    metrics: ArchiveMetrics
    archive: Archive | None = None  # set once the clients are open
    store_ping: Callable[[], Awaitable[None]] | None = None

    def ready(self) -> Archive:
        if self.archive is None:
            raise ConnectionError("the archive is starting or stopping")
        return self.archive

    async def ping_store(self) -> None:
        """Readiness: the database answers."""
        if self.store_ping is None:
            raise ConnectionError("no database client")
        await self.store_ping()

    @property
    def attachment_limits(self) -> AttachmentLimits:
        types = frozenset(kind.lower() for kind in self.settings.attachment_types)
        return AttachmentLimits(self.settings.attachment_max_bytes, types)


def wiring(request: Request) -> Wiring:
    found: Wiring = request.app.state.wiring
    return found


async def archive(request: Request) -> Archive:
    return wiring(request).ready()


WiringDep = Annotated[Wiring, Depends(wiring)]
ArchiveDep = Annotated[Archive, Depends(archive)]
