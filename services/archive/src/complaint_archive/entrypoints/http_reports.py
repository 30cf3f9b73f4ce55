"""REST routes of reports (DOMAIN §6), each as JSON or CSV (`format=csv`)."""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from complaint_runtime import ApiKeys, Caller, problem_responses, require

from ..adapters.queries import period
from ..domain import (
    DIMENSIONS,
    annual_row,
    monthly_counts,
    on_time_by_step,
    pareto,
    share_by_month,
)
from .deps import ArchiveDep, WiringDep
from .http_common import bad_parameter, csv_response, sources_of
from .schemas import AnnualRow, CauseShare, MonthlyCount, Share, StepOnTime

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
From = Annotated[str | None, Query(alias="from", pattern=MONTH, description="First month.")]
To = Annotated[str | None, Query(alias="to", pattern=MONTH, description="Last month.")]
Policy = Annotated[str | None, Query(description="Only complaints of this policy.")]
Format = Annotated[Literal["json", "csv"], Query()]
SHARE_COLUMNS = ("month", "count", "of", "rate")


@dataclass(frozen=True)
class Report:
    """What a report over months of receipt is asked for, and by whom."""

    months: tuple[str, str] | None
    policy_id: str | None
    source_systems: tuple[str, ...] | None
    format: str

    def period(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The query of the complaints it covers."""
        return period(self.months, self.policy_id, extra, source_systems=self.source_systems)


def months(start: str | None, end: str | None) -> tuple[str, str] | None:
    """The inclusive range of months of receipt; either end may be left open."""
    if start and end and start > end:
        raise bad_parameter("to", "must not be before `from`", end)
    if not (start or end):
        return None
    return (start or "0000-01", end or "9999-12")


def reports_router(keys: ApiKeys) -> APIRouter:
    router = APIRouter(
        prefix="/reports", tags=["reports"], responses=problem_responses(401, 403, 422, 429, 503)
    )
    reader = Annotated[Caller, Depends(require(keys, "read"))]

    async def asked_for(
        caller: reader,
        start: From = None,
        end: To = None,
        policy_id: Policy = None,
        format: Format = "json",
    ) -> Report:
        return Report(months(start, end), policy_id, sources_of(caller), format)

    Asked = Annotated[Report, Depends(asked_for)]

    @router.get("/annual-summary", response_model=list[AnnualRow])
    async def annual_summary(
        caller: reader,
        wiring: WiringDep,
        archive: ArchiveDep,
        year: Annotated[int, Query(ge=1900, le=2200)],
        policy_id: Policy = None,
        format: Format = "json",
    ) -> Any:
        """000·D1 4.7: every complaint received in the year with its product, batch, cause and
        the measures taken, in order of receipt."""
        start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
        most = wiring.settings.export_rows_max
        rows = [
            annual_row(document)
            async for document in archive.queries.received_in(
                start, end, policy_id, most, sources_of(caller)
            )
        ]
        if format == "csv":
            return csv_response(f"annual-summary-{year}", list(AnnualRow.model_fields), rows)
        return rows

    @router.get("/monthly-counts", response_model=list[MonthlyCount])
    async def monthly(archive: ArchiveDep, asked: Asked) -> Any:
        """Complaints received per month by category, severity and department (003·HB)."""
        keys = {"month": "$received_month"} | {name: f"${name}" for name in DIMENSIONS}
        counts = await archive.queries.counts(asked.period(), keys)
        rows = [asdict(row) for row in monthly_counts(counts)]
        if asked.format == "csv":
            return csv_response("monthly-counts", list(MonthlyCount.model_fields), rows)
        return rows

    @router.get("/on-time", response_model=list[StepOnTime])
    async def on_time(archive: ArchiveDep, asked: Asked) -> Any:
        """Per deadline step: how many finished deadlines were met in time."""
        keys = {
            "step": "$deadlines.step",
            "outcome": "$deadlines.outcome",
            "on_time": "$deadlines.on_time",
        }
        match = asked.period()
        counts = await archive.queries.counts(match, keys, unwind="deadlines")
        rows = on_time_by_step(counts)
        if asked.format == "csv":
            return csv_response("on-time", list(StepOnTime.model_fields), rows)
        return rows

    @router.get("/closure-rate", response_model=Share)
    async def closure_rate(archive: ArchiveDep, asked: Asked) -> Any:
        """Closed complaints among those received, per month of receipt."""
        keys = {"month": "$received_month", "status": "$status"}
        counts = await archive.queries.counts(asked.period(), keys)
        share = share_by_month(counts, "status", {"closed"}, None)
        return _share(share, "closure-rate", asked.format)

    @router.get("/reply-accepted-rate", response_model=Share)
    async def reply_accepted_rate(archive: ArchiveDep, asked: Asked) -> Any:
        """Replies the complainant accepted among the replies they answered."""
        keys = {"month": "$received_month", "reply_outcome": "$reply_outcome"}
        counts = await archive.queries.counts(asked.period(), keys)
        share = share_by_month(counts, "reply_outcome", {"accepted"}, {"accepted", "rejected"})
        return _share(share, "reply-accepted-rate", asked.format)

    @router.get("/causes-pareto", response_model=list[CauseShare])
    async def causes_pareto(archive: ArchiveDep, asked: Asked) -> Any:
        """Causes found by resolutions, most frequent first, with the cumulative share."""
        match = asked.period({"cause": {"$ne": None}})
        rows = pareto(await archive.queries.counts(match, {"cause": "$cause"}))
        if asked.format == "csv":
            return csv_response("causes-pareto", list(CauseShare.model_fields), rows)
        return rows

    return router


def _share(share: dict[str, Any], name: str, format: str) -> Any:
    if format == "csv":
        total = {"month": "all", **{k: share[k] for k in ("count", "of", "rate")}}
        return csv_response(name, SHARE_COLUMNS, [*share["months"], total])
    return share
