"""Background WAL checkpoints for the SQLite backend.

SQLite normally checkpoints inside whichever commit fills the WAL past its threshold;
for Tenku that is the event-loop thread, which would stall every request for the copy
and its fsyncs. Here a thread of its own, on a connection of its own, runs PASSIVE
checkpoints instead (they never block the writer), and SQLite releases the GIL while
it works, so the copy runs on another core. Committed data is in the WAL already, so
checkpoint timing never affects durability.

Under sustained writes a PASSIVE checkpoint may never catch up with the writer, and the
WAL cannot restart until it does; past `WAL_BYTES_LIMIT` a TRUNCATE checkpoint makes the
writer wait once while the WAL is emptied, which bounds its size.
"""

from __future__ import annotations

import os
import sqlite3
import threading

CHECK_INTERVAL_SECONDS = 0.2
WAL_BYTES_BEFORE_CHECKPOINT = 4 * 1024 * 1024
WAL_BYTES_LIMIT = 256 * 1024 * 1024


class Checkpointer:
    def __init__(self, database: str) -> None:
        self._database = database
        self._wal = database + "-wal"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tenku-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self._database, isolation_level=None)
        connection.execute("PRAGMA busy_timeout=5000")
        try:
            while not self._stop.wait(CHECK_INTERVAL_SECONDS):
                try:
                    size = os.path.getsize(self._wal)
                    if size >= WAL_BYTES_LIMIT:
                        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    elif size >= WAL_BYTES_BEFORE_CHECKPOINT:
                        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except (OSError, sqlite3.Error):
                    continue  # busy or briefly missing: the next round tries again
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
