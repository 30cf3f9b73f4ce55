"""The harness reaches a real MongoDB-protocol server through PyMongo's async API."""

import pytest
from pymongo.errors import DuplicateKeyError

pytestmark = pytest.mark.integration


@pytest.fixture
def collection(mongo_client, database_name):
    return mongo_client[database_name("harness")]["documents"]


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
    """The concurrency primitive the services build on (claims, idempotency keys, numbers).

    FerretDB 1.x applies updates as read-modify-write without isolation ($inc and conditional
    updates lose writes under concurrency), but a unique index is enforced atomically there
    as on MongoDB, so the services coordinate through inserts of unique keys.
    """
    import asyncio

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
