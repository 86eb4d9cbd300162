"""SQLite backend: WAL journal, one connection owned by the server's event-loop thread.

Durability: with `durability="normal"` (the default) SQLite runs `synchronous=NORMAL`
in WAL mode: a commit has been written to the WAL file (the OS page cache) before it
returns, so it survives a crash or `kill -9` of Tenku; only a power cut can lose the
last transactions. `durability="full"` fsyncs the WAL on every commit as well.
WAL checkpoints run on a background thread (`checkpoint.py`), not inside commits.
Large bodies live as files under `blobs/`, written atomically (temp file + rename).

Group commit: once `set_commit_scheduler` is given a callback, writes no longer commit
one by one. The first write opens a batch transaction and calls the scheduler, which
arranges for `flush()` soon (the gateway does it on the next event-loop turn); every
`transaction()` inside the batch is a savepoint, so it still succeeds or fails whole.
Callers that acknowledge a write wait for the flush first, so what is acknowledged is
committed, at a fraction of the cost of one commit per request.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tenku.storage.base import Params, Row
from tenku.storage.checkpoint import Checkpointer


class SqliteStorage:
    def __init__(self, data_dir: Path | str | None, *, durability: str = "normal") -> None:
        if data_dir is None:
            self._blob_dir: Path | None = None
            target = ":memory:"
        else:
            root = Path(data_dir)
            root.mkdir(parents=True, exist_ok=True)
            self._blob_dir = root / "blobs"
            self._blob_dir.mkdir(exist_ok=True)
            target = str(root / "tenku.db")
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so single statements
        # outside a transaction() commit at once.
        self._conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        self._depth = 0
        self._schemas: set[str] = set()
        self._schedule_commit: Callable[[], None] | None = None
        self._batch_open = False
        self._checkpointer: Checkpointer | None = None
        if target != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            sync = "FULL" if durability == "full" else "NORMAL"
            self._conn.execute(f"PRAGMA synchronous={sync}")
            self._conn.execute("PRAGMA wal_autocheckpoint=0")
            # Once checkpointed, a WAL larger than this is cut back when it restarts.
            self._conn.execute("PRAGMA journal_size_limit=67108864")
            self._checkpointer = Checkpointer(target)
        self._conn.execute("PRAGMA temp_store=MEMORY")
        self._conn.execute("PRAGMA busy_timeout=5000")

    # -- transactions and group commit ------------------------------------------------
    def set_commit_scheduler(self, schedule: Callable[[], None] | None) -> None:
        """Turn group commit on (a callback that arranges a `flush()`) or off (None)."""
        self.flush()
        self._schedule_commit = schedule

    @property
    def pending(self) -> bool:
        """True while a batch holds writes that are not committed yet."""
        return self._batch_open

    def flush(self) -> None:
        """Commit the open batch, if any; on failure its writes are rolled back."""
        if not self._batch_open:
            return
        self._batch_open = False
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error:
            self._conn.execute("ROLLBACK")
            raise

    def _before_write(self) -> None:
        if self._schedule_commit is not None and not self._batch_open and self._depth == 0:
            self._conn.execute("BEGIN IMMEDIATE")
            self._batch_open = True
            self._schedule_commit()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        conn = self._conn
        self._before_write()
        batched = self._batch_open
        depth = self._depth
        if depth == 0 and not batched:
            conn.execute("BEGIN IMMEDIATE")
        else:
            conn.execute(f"SAVEPOINT sp{depth}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth = depth
            if depth == 0 and not batched:
                conn.execute("ROLLBACK")
            else:
                conn.execute(f"ROLLBACK TO sp{depth}")
                conn.execute(f"RELEASE sp{depth}")
            raise
        self._depth = depth
        if depth == 0 and not batched:
            conn.execute("COMMIT")
        else:
            conn.execute(f"RELEASE sp{depth}")

    def execute(self, sql: str, params: Params = ()) -> int:
        self._before_write()
        return self._conn.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._before_write()
        self._conn.executemany(sql, rows)

    def insert(self, sql: str, params: Params = ()) -> int:
        self._before_write()
        rowid = self._conn.execute(sql, params).lastrowid
        return int(rowid or 0)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return self._conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = self._conn.execute(sql, params).fetchone()
        return row

    def iterate(self, sql: str, params: Params = ()) -> Iterator[Row]:
        yield from self._conn.execute(sql, params)

    def ensure_schema(self, name: str, statements: Sequence[str]) -> None:
        if name in self._schemas:
            return
        with self.transaction():
            for statement in statements:
                self._conn.execute(statement)
        self._schemas.add(name)

    # -- blobs ---------------------------------------------------------------------
    def _blob_path(self, key: str) -> Path:
        assert self._blob_dir is not None
        safe = key.replace("/", "_").replace("..", "_")
        return self._blob_dir / safe

    def put_blob(self, key: str, data: bytes) -> None:
        target = self._blob_path(key)
        import tempfile  # here, not at the top: it costs start-up several milliseconds

        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)

    def get_blob(self, key: str) -> bytes | None:
        try:
            return self._blob_path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete_blob(self, key: str) -> None:
        self._blob_path(key).unlink(missing_ok=True)

    def close(self) -> None:
        self.flush()
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._conn.close()
