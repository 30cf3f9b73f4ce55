"""What the routes, the subscriber and the scheduler share, found on `app.state`."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from complaint_runtime import Wiring as Shared
from complaint_runtime import wiring_of

from ..metrics import NotifierMetrics
from ..service_layer import Notifier
from ..settings import NotifierSettings


@dataclass
class Wiring(Shared[Notifier]):
    """`ready()`: the use cases' context, there while the service runs."""

    settings: NotifierSettings
    metrics: NotifierMetrics


WiringDep = Annotated[Wiring, Depends(wiring_of)]
