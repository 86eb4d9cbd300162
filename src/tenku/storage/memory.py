"""In-memory backend for `--ephemeral` and tests: SQLite `:memory:`, blobs in a dict.

It runs the very same SQL as the disk backend, so stores need no second code path.
"""

from __future__ import annotations

from tenku.storage.sqlite import SqliteStorage


class MemoryStorage(SqliteStorage):
    def __init__(self) -> None:
        super().__init__(None)
        self._blobs: dict[str, bytes] = {}

    def put_blob(self, key: str, data: bytes) -> None:
        self._blobs[key] = bytes(data)

    def get_blob(self, key: str) -> bytes | None:
        return self._blobs.get(key)

    def delete_blob(self, key: str) -> None:
        self._blobs.pop(key, None)
