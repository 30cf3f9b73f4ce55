"""Logs without personal data, Prometheus metrics, liveness and readiness."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from pymongo import AsyncMongoClient
from pythonjsonlogger.json import JsonFormatter

Check = Callable[[], Awaitable[None]]

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# A digit run inside an ASCII token (a UUID's last group, a TS- complaint number) is an id,
# not a phone: masking it would cut the ids the logs are there to carry.
PHONE = re.compile(r"(?<![0-9A-Za-z_-])\+?\d[\d\s-]{6,}\d(?![0-9A-Za-z_-])")


def scrub(text: str) -> str:
    """Mask e-mail addresses and phone-like digit runs: a safety net, not the first defence."""
    return PHONE.sub("[phone]", EMAIL.sub("[email]", text))


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        for key, value in vars(record).items():
            if isinstance(value, str) and key not in {"msg", "name", "levelname", "pathname"}:
                setattr(record, key, scrub(value))
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stdout, tagged with the service, scrubbed of personal data."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "asctime": "time"},
            static_fields={"service": service},
        )
    )
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "pymongo", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def service_info(registry: CollectorRegistry, service: str, version: str) -> None:
    Gauge(
        "complaints_service_info",
        "Service build information.",
        ["service", "version"],
        registry=registry,
    ).labels(service, version).set(1)
    Gauge(
        "complaints_service_started_seconds",
        "Unix time the service started.",
        ["service"],
        registry=registry,
    ).labels(service).set(time.time())


def metrics_route(registry: CollectorRegistry) -> Callable[[], Awaitable[Response]]:
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


def health_router(checks: dict[str, Check], *, limit: float = 3.0) -> APIRouter:
    """`/health/live` answers while the process serves; `/health/ready` runs every check."""
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        results = await asyncio.gather(*(_run(check, limit) for check in checks.values()))
        report = dict(zip(checks, results, strict=True))
        ok = all(result == "ok" for result in results)
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": report},
            status_code=200 if ok else 503,
        )

    return router


async def _run(check: Check, limit: float) -> str:
    try:
        async with asyncio.timeout(limit):
            await check()
    except Exception as error:
        return f"failed: {type(error).__name__}"
    return "ok"


def mongo_check(client: AsyncMongoClient[Any]) -> Check:
    async def ping() -> None:
        await client.admin.command("ping")

    return ping


def kafka_check(broker: Any) -> Check:
    async def ping() -> None:
        if not await broker.ping(timeout=2.0):
            raise ConnectionError("Kafka broker does not answer")

    return ping
