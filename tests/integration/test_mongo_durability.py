"""`kill -9` of the MongoDB-protocol server in the middle of writes loses no write it
acknowledged: the local stack runs it with every commit synced to disk. Runs on a private
server (its own folder and port), so the shared one is never killed."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from deploy.local.stack import MONGO_BUILD
from tests.support.ports import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "local" / "stack.py"
BUILT = ROOT / ".stack" / "mongo" / MONGO_BUILD
WRITERS = 8


class PrivateMongo:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        (folder / "mongo").mkdir(parents=True)
        if BUILT.exists():  # linked, not rebuilt; stack.py builds it where it is missing
            (folder / "mongo" / MONGO_BUILD).symlink_to(BUILT)

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def stack(self, action: str) -> None:
        env = {**os.environ, "STACK_DIR": str(self.folder), "MONGO_PORT": str(self.port)}
        done = subprocess.run(
            [sys.executable, str(STACK), action, "mongo"],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    def kill_9(self) -> None:
        os.kill(int((self.folder / "mongo" / "server.pid").read_text()), signal.SIGKILL)


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    mongo = PrivateMongo(tmp_path / "stack")
    mongo.stack("up")
    yield mongo
    mongo.stack("down")


async def test_a_killed_server_keeps_every_write_it_acknowledged(server: PrivateMongo) -> None:
    client: AsyncMongoClient = AsyncMongoClient(
        server.uri, serverSelectionTimeoutMS=2_000, retryWrites=False
    )
    documents = client["durability"]["documents"]
    acknowledged: list[int] = []
    failed = asyncio.Event()

    async def writer(first: int) -> None:
        number = first
        while not failed.is_set():
            try:
                await documents.insert_one({"_id": number, "body": "x" * 200})
            except PyMongoError:
                failed.set()
                return
            acknowledged.append(number)
            number += WRITERS

    writers = [asyncio.create_task(writer(first)) for first in range(WRITERS)]
    while len(acknowledged) < 500 and not failed.is_set():  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    server.kill_9()
    await asyncio.wait_for(asyncio.gather(*writers), timeout=120)
    await client.close()

    server.stack("up")
    client = AsyncMongoClient(server.uri, serverSelectionTimeoutMS=10_000)
    stored = {doc["_id"] async for doc in client["durability"]["documents"].find({}, {"_id": 1})}
    await client.close()
    assert len(acknowledged) >= 500
    assert set(acknowledged) - stored == set(), "acknowledged writes lost by the kill"
