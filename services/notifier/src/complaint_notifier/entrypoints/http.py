"""REST: one complaint's clocks and scheduled notices (read scope)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path

from complaint_runtime import ApiKeys, Caller, problem_responses, require

from ..service_layer import deadlines_of
from .deps import WiringDep


def deadlines_router(keys: ApiKeys) -> APIRouter:
    router = APIRouter(
        prefix="/v1/complaints",
        tags=["deadlines"],
        responses=problem_responses(401, 403, 404, 422, 429, 503),
    )
    reader = Annotated[Caller, Depends(require(keys, "read"))]

    @router.get("/{reference}/deadlines", summary="A complaint's deadlines and notices")
    async def deadlines(
        reference: Annotated[str, Path(description="Complaint id or TS- number.")],
        caller: reader,
        wiring: WiringDep,
    ) -> dict[str, Any]:
        """Its clocks (step, status, due time) and every notice planned for it with its
        status: pending, sent, failed or dropped. 404 when the notifier has not seen
        the complaint; 403 for a key bound to other source systems."""
        found = await deadlines_of(wiring.ready(), reference)
        if found is None:
            raise HTTPException(404, "the notifier knows no such complaint")
        if not caller.sees(found["source_system"]):
            raise HTTPException(403, "this API key may not see complaints of that source system")
        return found

    return router
