"""The harness reaches a real MongoDB-protocol server through PyMongo's async API, and that
server has the MongoDB semantics the services are written for: atomic single-document updates,
unique, partial and TTL indexes. Each of these tests failed on FerretDB 1.24, the server the
project used before."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

pytestmark = pytest.mark.integration


@pytest.fixture
def collection(mongo_client, database_name):
    """A collection of each test's own: an index one test builds never meets another's data
    (a unique index over documents that lack its key fails to build on mongod too)."""
    return mongo_client[database_name("harness")][f"documents_{uuid.uuid4().hex[:8]}"]


async def test_write_and_read_back_a_document_with_chinese_text(collection) -> None:
    await collection.insert_one({"_id": "TS-20261121-000001", "description": "批号 A123 药品过敏"})
    found = await collection.find_one({"_id": "TS-20261121-000001"})
    assert found == {"_id": "TS-20261121-000001", "description": "批号 A123 药品过敏"}


async def test_a_unique_index_rejects_a_duplicate(collection) -> None:
    await collection.create_index("event_id", unique=True)
    await collection.insert_one({"event_id": "e-1"})
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"event_id": "e-1"})
    assert await collection.count_documents({"event_id": "e-1"}) == 1


async def test_concurrent_inserts_of_one_unique_key_have_exactly_one_winner(collection) -> None:
    """The idempotency primitive: an event or request id stored once, whoever races."""
    await collection.create_index("claim", unique=True)

    async def claim(worker: int) -> bool:
        try:
            await collection.insert_one({"claim": "notice-1", "worker": worker})
        except DuplicateKeyError:
            return False
        return True

    outcomes = await asyncio.gather(*(claim(worker) for worker in range(50)))
    assert outcomes.count(True) == 1
    assert await collection.count_documents({"claim": "notice-1"}) == 1


async def test_racing_increments_are_all_counted(collection) -> None:
    """50 writers, 20 `$inc` each, on one document (complaint numbers): exactly 1,000."""
    await collection.insert_one({"_id": "counter", "n": 0})

    async def writer() -> None:
        for _ in range(20):
            await collection.update_one({"_id": "counter"}, {"$inc": {"n": 1}})

    await asyncio.gather(*(writer() for _ in range(50)))
    assert (await collection.find_one({"_id": "counter"}))["n"] == 1_000


async def test_racing_find_and_modify_blocks_never_overlap(collection) -> None:
    """Reserving blocks with `$inc`, as intake numbers complaints: no number twice, none lost."""
    await collection.insert_one({"_id": "day", "last": 0})

    async def reserve(size: int) -> range:
        after = await collection.find_one_and_update(
            {"_id": "day"}, {"$inc": {"last": size}}, return_document=ReturnDocument.AFTER
        )
        return range(after["last"] - size + 1, after["last"] + 1)

    blocks = await asyncio.gather(*(reserve(1 + n % 7) for n in range(60)))
    numbers = [number for block in blocks for number in block]
    assert sorted(numbers) == list(range(1, len(numbers) + 1))


async def test_of_racing_revision_checked_writes_exactly_one_wins(collection) -> None:
    """The archive's write: replace only if the revision is still the one read."""
    await collection.insert_one({"_id": "doc", "revision": "r0", "writer": None})

    async def write(worker: int) -> bool:
        replaced = await collection.replace_one(
            {"_id": "doc", "revision": "r0"}, {"revision": f"r{worker + 1}", "writer": worker}
        )
        return replaced.modified_count == 1

    outcomes = await asyncio.gather(*(write(worker) for worker in range(30)))
    assert outcomes.count(True) == 1
    stored = await collection.find_one({"_id": "doc"})
    assert stored["revision"] == f"r{outcomes.index(True) + 1}"


async def test_a_partial_unique_index_applies_only_where_its_filter_matches(collection) -> None:
    await collection.create_index(
        "external_ref", unique=True, partialFilterExpression={"open": True}
    )
    await collection.insert_many(
        [{"external_ref": "x", "open": False}] * 1 + [{"external_ref": "x", "open": False}]
    )
    await collection.insert_one({"external_ref": "x", "open": True})
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"external_ref": "x", "open": True})


async def test_a_ttl_index_deletes_an_expired_document(collection, mongo_client) -> None:
    """The TTL monitor runs every `ttlMonitorSleepSecs` (60 s by default); a second here."""
    admin = mongo_client.admin
    before = await admin.command({"getParameter": 1, "ttlMonitorSleepSecs": 1})
    await admin.command({"setParameter": 1, "ttlMonitorSleepSecs": 1})
    try:
        await collection.create_index("expire_at", expireAfterSeconds=0)
        now = datetime.now(UTC)
        await collection.insert_many(
            [
                {"_id": "expired", "expire_at": now - timedelta(minutes=1)},
                {"_id": "current", "expire_at": now + timedelta(days=1)},
            ]
        )
        for _ in range(600):  # the effect, waited for: at most a minute on a loaded machine
            if await collection.find_one({"_id": "expired"}) is None:
                break
            await asyncio.sleep(0.1)
        assert await collection.find_one({"_id": "expired"}) is None
        assert await collection.find_one({"_id": "current"}) is not None
    finally:
        await admin.command(
            {"setParameter": 1, "ttlMonitorSleepSecs": before["ttlMonitorSleepSecs"]}
        )
