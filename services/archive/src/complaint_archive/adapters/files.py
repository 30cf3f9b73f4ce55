"""Attachments in GridFS: one file per attachment id, tagged with its complaint."""

from collections.abc import AsyncIterator
from typing import Any

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from ..service_layer.ports import StoredFile

BUCKET = "attachments"


class AttachmentFiles:
    def __init__(self, database: AsyncDatabase[Any]) -> None:
        self.bucket = AsyncGridFSBucket(database, bucket_name=BUCKET)
        self.files = database[f"{BUCKET}.files"]

    async def store(self, file: StoredFile, data: bytes) -> None:
        metadata = {
            "complaint_id": file.complaint_id,
            "content_type": file.content_type,
            "sha256": file.sha256,
        }
        await self.bucket.upload_from_stream_with_id(
            file.attachment_id, file.filename, data, metadata=metadata
        )

    async def find(self, complaint_id: str, attachment_id: str) -> StoredFile | None:
        found = await self.files.find_one({"_id": attachment_id})
        if found is None or found["metadata"]["complaint_id"] != complaint_id:
            return None
        return StoredFile(
            attachment_id=attachment_id,
            complaint_id=complaint_id,
            filename=found["filename"],
            content_type=found["metadata"]["content_type"],
            size_bytes=found["length"],
            sha256=found["metadata"]["sha256"],
        )

    async def chunks(self, attachment_id: str) -> AsyncIterator[bytes]:
        stream = await self.bucket.open_download_stream(attachment_id)
        while chunk := await stream.readchunk():
            yield chunk

    async def delete_for(self, complaint_id: str) -> int:
        """Every file of a purged complaint; returns how many."""
        ids = [doc["_id"] async for doc in self.files.find({"metadata.complaint_id": complaint_id})]
        for file_id in ids:
            try:
                await self.bucket.delete(file_id)
            except NoFile:  # removed by an earlier, interrupted purge
                continue
        return len(ids)
