"""Point reads by `_id` against the real MongoDB-protocol server of the test run."""

import pytest
from pymongo import AsyncMongoClient

from complaint_runtime import find_by_ids, is_ferretdb

pytestmark = pytest.mark.integration


async def test_find_by_ids_returns_each_stored_document_once_and_leaves_out_the_missing(
    mongo_client: AsyncMongoClient, database_name
) -> None:
    collection = mongo_client[database_name("runtime_reads")]["docs"]
    stored = [{"_id": f"c{n:03d}", "n": n, "body": "x" * 50} for n in range(40)]
    await collection.insert_many(stored)
    wanted = ["c005", "c005", "c039", "c017", "missing", "c000"]

    found = await find_by_ids(collection, wanted)
    narrow = await find_by_ids(collection, ["c017"], {"n": 1})

    assert sorted(found) == ["c000", "c005", "c017", "c039"]
    assert found["c017"] == {"_id": "c017", "n": 17, "body": "x" * 50}
    assert narrow == {"c017": {"_id": "c017", "n": 17}}
    assert await find_by_ids(collection, []) == {}


async def test_is_ferretdb_tells_the_servers_apart_by_build_info(
    mongo_client: AsyncMongoClient, database_name
) -> None:
    database = mongo_client[database_name("runtime_reads")]
    info = await database.command("buildInfo")

    assert await is_ferretdb(database) is ("ferretdbVersion" in info)
    assert await is_ferretdb(database) is ("ferretdb" in str(info).lower())
