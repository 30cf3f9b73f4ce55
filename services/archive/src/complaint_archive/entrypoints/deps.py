"""What the routes and the subscriber share, found on `app.state`."""

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

    @property
    def attachment_limits(self) -> AttachmentLimits:
        types = frozenset(kind.lower() for kind in self.settings.attachment_types)
        return AttachmentLimits(self.settings.attachment_max_bytes, types)


async def archive(request: Request) -> Archive:
    found: Wiring = await wiring_of(request)
    return found.ready()


WiringDep = Annotated[Wiring, Depends(wiring_of)]
ArchiveDep = Annotated[Archive, Depends(archive)]
