"""All persistence of CloudWatch Logs: groups, streams and events.

Events are read through two indexes, so every read is a range scan: (stream, timestamp,
id) for GetLogEvents and (group, timestamp, id) for FilterLogEvents across streams.
Streams keep running summaries (first/last event, last ingestion, stored bytes, upload
count) so DescribeLogStreams never scans events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.services.logs.models import EVENT_OVERHEAD_BYTES, Cursor
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS logs_groups (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        name TEXT NOT NULL, created_ms INTEGER NOT NULL, retention_days INTEGER,
        kms_key_id TEXT, log_class TEXT NOT NULL, tags TEXT NOT NULL,
        UNIQUE (account, region, name))""",
    """CREATE TABLE IF NOT EXISTS logs_streams (
        id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, name TEXT NOT NULL,
        created_ms INTEGER NOT NULL, first_ts INTEGER, last_ts INTEGER,
        last_ingest INTEGER, stored_bytes INTEGER NOT NULL DEFAULT 0,
        uploads INTEGER NOT NULL DEFAULT 0, UNIQUE (group_id, name))""",
    """CREATE TABLE IF NOT EXISTS logs_events (
        id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL,
        timestamp INTEGER NOT NULL, ingested INTEGER NOT NULL, message TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS logs_events_stream
        ON logs_events (group_id, stream_id, timestamp, id)""",
    "CREATE INDEX IF NOT EXISTS logs_events_group ON logs_events (group_id, timestamp, id)",
)


class Group(NamedTuple):
    id: int
    name: str
    created_ms: int
    retention_days: int | None
    kms_key_id: str | None
    log_class: str
    tags: dict[str, str]


class Stream(NamedTuple):
    id: int
    name: str
    created_ms: int
    first_ts: int | None
    last_ts: int | None
    last_ingest: int | None
    stored_bytes: int
    uploads: int


class Event(NamedTuple):
    cursor: Cursor
    stream: str
    ingested: int
    message: str


_GROUP_COLS = "id, name, created_ms, retention_days, kms_key_id, log_class, tags"
_STREAM_COLS = "id, name, created_ms, first_ts, last_ts, last_ingest, stored_bytes, uploads"


def _group(row: Any) -> Group:
    return Group(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]))


class LogsStore:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("logs-1", SCHEMA)

    # -- groups ----------------------------------------------------------------------------
    def create_group(
        self, scope: Scope, name: str, now_ms: int, tags: dict[str, str],
        kms_key_id: str | None = None, log_class: str = "STANDARD",
    ) -> int:  # fmt: skip
        return self.db.insert(
            "INSERT INTO logs_groups (account, region, name, created_ms, kms_key_id, log_class,"
            " tags) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*scope, name, now_ms, kms_key_id, log_class, json.dumps(tags)),
        )

    def group(self, scope: Scope, name: str) -> Group | None:
        row = self.db.query_one(
            f"SELECT {_GROUP_COLS} FROM logs_groups WHERE account=? AND region=? AND name=?",
            (*scope, name),
        )
        return _group(row) if row else None

    def groups(
        self, scope: Scope, prefix: str, contains: str, after: str, limit: int
    ) -> list[Group]:
        """Groups named `prefix...` (containing `contains`, any case) after `after`."""
        rows = self.db.query(
            f"SELECT {_GROUP_COLS} FROM logs_groups WHERE account=? AND region=? AND name>?"
            " AND substr(name, 1, ?)=? AND instr(lower(name), ?) > 0 ORDER BY name LIMIT ?",
            (*scope, after, len(prefix), prefix, contains.lower(), limit),
        )
        return [_group(r) for r in rows]

    def all_groups(self) -> list[tuple[int, int | None]]:
        rows = self.db.query("SELECT id, retention_days FROM logs_groups")
        return [(r[0], r[1]) for r in rows]

    def delete_group(self, group_id: int) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM logs_events WHERE group_id=?", (group_id,))
            self.db.execute("DELETE FROM logs_streams WHERE group_id=?", (group_id,))
            self.db.execute("DELETE FROM logs_groups WHERE id=?", (group_id,))

    def set_retention(self, group_id: int, days: int | None) -> None:
        self.db.execute("UPDATE logs_groups SET retention_days=? WHERE id=?", (days, group_id))

    def set_tags(self, group_id: int, tags: dict[str, str]) -> None:
        self.db.execute("UPDATE logs_groups SET tags=? WHERE id=?", (json.dumps(tags), group_id))

    def group_bytes(self, group_id: int) -> int:
        row = self.db.query_one(
            "SELECT COALESCE(SUM(stored_bytes), 0) FROM logs_streams WHERE group_id=?",
            (group_id,),
        )
        return int(row[0]) if row else 0

    # -- streams ---------------------------------------------------------------------------
    def create_stream(self, group_id: int, name: str, now_ms: int) -> int:
        return self.db.insert(
            "INSERT INTO logs_streams (group_id, name, created_ms) VALUES (?, ?, ?)",
            (group_id, name, now_ms),
        )

    def stream(self, group_id: int, name: str) -> Stream | None:
        row = self.db.query_one(
            f"SELECT {_STREAM_COLS} FROM logs_streams WHERE group_id=? AND name=?",
            (group_id, name),
        )
        return Stream(*row) if row else None

    def streams(self, group_id: int) -> list[Stream]:
        rows = self.db.query(
            f"SELECT {_STREAM_COLS} FROM logs_streams WHERE group_id=? ORDER BY name",
            (group_id,),
        )
        return [Stream(*r) for r in rows]

    def delete_stream(self, stream_id: int) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM logs_events WHERE stream_id=?", (stream_id,))
            self.db.execute("DELETE FROM logs_streams WHERE id=?", (stream_id,))

    # -- events ----------------------------------------------------------------------------
    def append(
        self, group_id: int, stream: Stream, events: list[tuple[int, str]], now_ms: int
    ) -> None:
        """Store `events` (timestamp ms, message) and update the stream's summary."""
        with self.db.transaction():
            if not events:
                self.db.execute(
                    "UPDATE logs_streams SET uploads = uploads + 1 WHERE id=?", (stream.id,)
                )
                return
            self.db.executemany(
                "INSERT INTO logs_events (group_id, stream_id, timestamp, ingested, message)"
                " VALUES (?, ?, ?, ?, ?)",
                [(group_id, stream.id, ts, now_ms, msg) for ts, msg in events],
            )
            size = sum(len(m.encode()) + EVENT_OVERHEAD_BYTES for _, m in events)
            low = min(ts for ts, _ in events)
            high = max(ts for ts, _ in events)
            self.db.execute(
                "UPDATE logs_streams SET uploads = uploads + 1, stored_bytes = stored_bytes + ?,"
                " first_ts = MIN(COALESCE(first_ts, ?), ?), last_ts = MAX(COALESCE(last_ts, ?), ?),"
                " last_ingest = ? WHERE id=?",
                (size, low, low, high, high, now_ms, stream.id),
            )

    def stream_events(
        self, group_id: int, stream_id: int, low: int, high: int,
        after: Cursor | None, before: Cursor | None, limit: int, descending: bool,
    ) -> list[Event]:  # fmt: skip
        """Events of one stream with low <= timestamp < high, strictly between cursors."""
        sql = (
            "SELECT id, timestamp, ingested, message FROM logs_events"
            " WHERE group_id=? AND stream_id=? AND timestamp>=? AND timestamp<?"
        )
        params: list[Any] = [group_id, stream_id, low, high]
        if after is not None:
            sql += " AND (timestamp, id) > (?, ?)"
            params += [after.timestamp, after.event_id]
        if before is not None:
            sql += " AND (timestamp, id) < (?, ?)"
            params += [before.timestamp, before.event_id]
        order = "DESC" if descending else "ASC"
        sql += f" ORDER BY timestamp {order}, id {order} LIMIT ?"
        params.append(limit)
        return [Event(Cursor(r[1], r[0]), "", r[2], r[3]) for r in self.db.query(sql, params)]

    def group_events(
        self, group_id: int, low: int, high: int, after: Cursor | None
    ) -> Iterator[Event]:
        """Events of a whole group with low <= timestamp <= high, in timestamp order."""
        sql = (
            "SELECT e.id, e.timestamp, e.ingested, e.message, s.name FROM logs_events e"
            " JOIN logs_streams s ON s.id = e.stream_id"
            " WHERE e.group_id=? AND e.timestamp>=? AND e.timestamp<=?"
        )
        params: list[Any] = [group_id, low, high]
        if after is not None:
            sql += " AND (e.timestamp, e.id) > (?, ?)"
            params += [after.timestamp, after.event_id]
        sql += " ORDER BY e.timestamp, e.id"
        for r in self.db.iterate(sql, params):
            yield Event(Cursor(r[1], r[0]), r[4], r[2], r[3])

    def expire(self, group_id: int, before_ms: int) -> int:
        return self.db.execute(
            "DELETE FROM logs_events WHERE group_id=? AND timestamp<?", (group_id, before_ms)
        )
