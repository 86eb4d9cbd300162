"""Storage: the small interface every service store is written against, and its backends.

`open_storage(settings-like args)` picks the backend: SQLite on disk (WAL) by default,
SQLite in memory for `--ephemeral` and tests. SQL lives only in the services' `store.py`
modules and in these backends.
"""

from __future__ import annotations

from pathlib import Path

from tenku.storage.base import Row, Storage
from tenku.storage.memory import MemoryStorage
from tenku.storage.sqlite import SqliteStorage


def open_storage(data_dir: Path | None, *, durability: str = "normal") -> Storage:
    """SQLite under `data_dir`, or an in-memory store when `data_dir` is None."""
    if data_dir is None:
        return MemoryStorage()
    return SqliteStorage(data_dir, durability=durability)


__all__ = ["MemoryStorage", "Row", "SqliteStorage", "Storage", "open_storage"]
