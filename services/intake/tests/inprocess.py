"""The real app with in-memory adapters and FastStream's in-memory broker (no I/O)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from faststream.kafka import KafkaBroker, TestKafkaBroker
from httpx import ASGITransport, AsyncClient

from complaint_intake.app import build
from complaint_intake.entrypoints.deps import Wiring
from complaint_intake.service_layer import Intake
from complaint_intake.settings import IntakeSettings
from complaint_runtime import ApiKeys
from complaint_runtime.auth import KeyEntry, digest

from .fakes import MemoryCommandKeys, MemoryNumbers, MemoryPublisher, MemoryStates, MemoryStore

WRITER, READER, CRM_ONLY = "writer-key", "reader-key", "crm-key"
HOSPITAL_ONLY = "hospital-policy-key"


def api_keys(rate: str = "10000/second") -> ApiKeys:
    return ApiKeys(
        [
            KeyEntry(id="w", sha256=digest(WRITER), scopes=["write", "read"]),
            KeyEntry(id="r", sha256=digest(READER), scopes=["read"]),
            KeyEntry(id="crm", sha256=digest(CRM_ONLY), scopes=["write"], source_systems=["crm"]),
            KeyEntry(
                id="his", sha256=digest(HOSPITAL_ONLY), scopes=["write"], policies=["hospital"]
            ),
        ],
        rate,
    )


class Fakes:
    def __init__(self) -> None:
        self.store, self.numbers, self.publisher = MemoryStore(), MemoryNumbers(), MemoryPublisher()
        self.states, self.command_keys = MemoryStates(), MemoryCommandKeys()

    @asynccontextmanager
    async def open(
        self, settings: IntakeSettings, broker: KafkaBroker, wiring: Wiring
    ) -> AsyncIterator[Intake]:
        yield Intake(
            self.store,
            self.numbers,
            self.publisher,
            clock=lambda: datetime.now(UTC),
            states=self.states,
            command_keys=self.command_keys,
        )


def make_app(fakes: Fakes, *, rate: str = "10000/second", **settings: object) -> FastAPI:
    config = IntakeSettings(topic_prefix="unit.", unavailable_after_seconds=0.2, **settings)
    return build(config, keys=api_keys(rate), open_intake=fakes.open)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with (
        TestKafkaBroker(app.state.broker),
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url="http://intake") as client,
    ):
        yield client
