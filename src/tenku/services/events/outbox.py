"""The delivery outbox and the archived events: EventBridge's durable work.

An outbox row is one (event, target) pair still owed a delivery. Rows are written in
the same transaction that accepts a PutEvents (or completes a replay), so an
acknowledged event always reaches every matching target at least once, restarts and
`kill -9` included; a row is deleted only after its delivery (or its dead-lettering)
succeeded. Archived events are kept with the event's own time for replay windows.
Must not: decide when or how to deliver (delivery.py does).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS events_outbox (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        rule_arn TEXT NOT NULL, target TEXT NOT NULL, event TEXT NOT NULL,
        first_ms INTEGER NOT NULL, due_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS events_outbox_due ON events_outbox (due_ms)",
    """CREATE TABLE IF NOT EXISTS events_archived (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        archive TEXT NOT NULL, time_ms INTEGER NOT NULL, stored_ms INTEGER NOT NULL,
        event TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS events_archived_time
        ON events_archived (account, region, archive, time_ms)""",
)


class Pending(NamedTuple):
    id: int
    scope: Scope
    rule_arn: str
    target: str  # the target's configuration (JSON), as it was when the event matched
    event: str  # the event envelope (JSON)
    first_ms: int
    attempts: int


class Outbox:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("events-outbox-1", SCHEMA)

    def add(self, scope: Scope, rows: Iterable[tuple[str, str, str]], now_ms: int) -> int:
        """Owe each (rule ARN, target JSON, event JSON) a delivery; returns how many."""
        batch = [(*scope, rule, target, event, now_ms, now_ms) for rule, target, event in rows]
        if batch:
            self.db.executemany(
                "INSERT INTO events_outbox (account, region, rule_arn, target, event, first_ms,"
                " due_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                batch,
            )
        return len(batch)

    def due(self, now_ms: int, limit: int) -> list[Pending]:
        rows = self.db.query(
            "SELECT id, account, region, rule_arn, target, event, first_ms, attempts FROM"
            " events_outbox WHERE due_ms <= ? ORDER BY due_ms, id LIMIT ?",
            (now_ms, limit),
        )
        return [Pending(r[0], Scope(r[1], r[2]), r[3], r[4], r[5], r[6], r[7]) for r in rows]

    def retry_at(self, item: int, attempts: int, due_ms: int) -> None:
        self.db.execute(
            "UPDATE events_outbox SET attempts=?, due_ms=? WHERE id=?", (attempts, due_ms, item)
        )

    def done(self, item: int) -> None:
        self.db.execute("DELETE FROM events_outbox WHERE id=?", (item,))

    def pending_count(self) -> int:
        row = self.db.query_one("SELECT COUNT(*) FROM events_outbox")
        return int(row[0]) if row else 0

    # -- archives --------------------------------------------------------------------------
    def archive(self, scope: Scope, archive: str, time_ms: int, now_ms: int, event: str) -> None:
        self.db.execute(
            "INSERT INTO events_archived (account, region, archive, time_ms, stored_ms, event)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (*scope, archive, time_ms, now_ms, event),
        )

    def archived(self, scope: Scope, archive: str, start_ms: int, end_ms: int) -> list[str]:
        rows = self.db.query(
            "SELECT event FROM events_archived WHERE account=? AND region=? AND archive=? AND"
            " time_ms >= ? AND time_ms <= ? ORDER BY time_ms, id",
            (*scope, archive, start_ms, end_ms),
        )
        return [r[0] for r in rows]

    def archive_stats(self, scope: Scope, archive: str) -> tuple[int, int]:
        row: Any = self.db.query_one(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(event AS BLOB))), 0) FROM events_archived"
            " WHERE account=? AND region=? AND archive=?",
            (*scope, archive),
        )
        return int(row[0]), int(row[1])

    def expire_archive(self, scope: Scope, archive: str, before_ms: int) -> None:
        self.db.execute(
            "DELETE FROM events_archived WHERE account=? AND region=? AND archive=? AND"
            " stored_ms < ?",
            (*scope, archive, before_ms),
        )

    def drop_archive(self, scope: Scope, archive: str) -> None:
        self.db.execute(
            "DELETE FROM events_archived WHERE account=? AND region=? AND archive=?",
            (*scope, archive),
        )
