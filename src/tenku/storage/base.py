"""The storage interface: transactions, a few SQL primitives, schemas and blobs.

Stores (`services/<svc>/store.py`) speak a small, portable subset of SQL through this
interface. A backend must make a committed transaction durable before `transaction()`
returns, so that whatever the server acknowledged survives a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = tuple[Any, ...]
Params = Sequence[Any]


class Storage(Protocol):
    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all; nests (inner = savepoint)."""
        ...

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows changed."""
        ...

    def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new row's integer id."""
        ...

    def query(self, sql: str, params: Params = ()) -> list[Row]: ...

    def query_one(self, sql: str, params: Params = ()) -> Row | None: ...

    def iterate(self, sql: str, params: Params = ()) -> Iterator[Row]:
        """Rows one at a time, for scans that may stop early."""
        ...

    def ensure_schema(self, name: str, statements: Sequence[str]) -> None:
        """Apply `statements` (idempotent DDL) once per storage for schema `name`."""
        ...

    def put_blob(self, key: str, data: bytes) -> None: ...

    def get_blob(self, key: str) -> bytes | None: ...

    def delete_blob(self, key: str) -> None: ...

    def set_commit_scheduler(self, schedule: Callable[[], None] | None) -> None:
        """Group commit: `schedule` is called when a batch of writes opens; it must
        arrange for `flush()` to run soon. None commits every write on its own."""
        ...

    @property
    def pending(self) -> bool:
        """Whether writes are waiting for the next `flush()`."""
        ...

    def flush(self) -> None:
        """Commit what the open batch holds."""
        ...

    def close(self) -> None: ...
