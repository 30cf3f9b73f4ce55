"""What the routes and the subscribers share, found on `app.state`."""

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends

from complaint_runtime import Wiring as Shared
from complaint_runtime import wiring_of

from ..domain.parsing import Incoming
from ..domain.policy_terms import Policies
from ..domain.records import Receipt
from ..domain.refusals import Refusal
from ..metrics import IntakeMetrics
from ..service_layer import Intake
from ..settings import IntakeSettings
from .batching import GroupCommit

Committer = GroupCommit[Incoming, Receipt | Refusal]


@dataclass
class Wiring(Shared[tuple[Intake, Committer]]):
    """`ready()`: the use cases' context and the group commit of REST submissions."""

    settings: IntakeSettings
    metrics: IntakeMetrics
    policies: Policies = field(default_factory=Policies)


WiringDep = Annotated[Wiring, Depends(wiring_of)]
