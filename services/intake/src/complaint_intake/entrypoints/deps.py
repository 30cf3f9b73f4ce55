"""What the routes and the subscriber need, built in the lifespan and found on `app.state`."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from ..domain.parsing import Incoming
from ..domain.policy_terms import Policies
from ..domain.records import Receipt
from ..domain.refusals import Refusal
from ..metrics import IntakeMetrics
from ..service_layer import Intake
from ..settings import IntakeSettings
from .batching import GroupCommit


@dataclass
class Wiring:
    settings: IntakeSettings
    metrics: IntakeMetrics
    policies: Policies = field(default_factory=Policies)
    intake: Intake | None = None  # set once the clients are open
    committer: GroupCommit[Incoming, Receipt | Refusal] | None = None
    store_ping: Callable[[], Awaitable[None]] | None = None

    async def ping_store(self) -> None:
        """Readiness: the database answers."""
        if self.store_ping is None:
            raise ConnectionError("no database client")
        await self.store_ping()

    def ready(self) -> tuple[Intake, GroupCommit[Incoming, Receipt | Refusal]]:
        if self.intake is None or self.committer is None:
            raise ConnectionError("intake is starting or stopping")
        return self.intake, self.committer


async def wiring(request: Request) -> Wiring:
    found: Wiring = request.app.state.wiring
    return found


WiringDep = Annotated[Wiring, Depends(wiring)]
Results = Sequence[Receipt | Refusal]
