"""All persistence of SQS: queues, messages, FIFO message groups, dedup ids, move tasks.

Times in message rows are integer milliseconds. Messages are found through two indexes:
(queue, visible_at) for standard receives and counts, (queue, group, seq) for FIFO
groups; `sqs_groups` keeps, per FIFO group, the moment it can next be served, so a FIFO
receive never walks blocked messages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tenku.core.scope import Scope
from tenku.services.sqs.models import Queue
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS sqs_queues (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        name TEXT NOT NULL, attributes TEXT NOT NULL, tags TEXT NOT NULL,
        created REAL NOT NULL, modified REAL NOT NULL, last_purge REAL,
        UNIQUE (account, region, name))""",
    """CREATE TABLE IF NOT EXISTS sqs_deleted_queues (
        account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
        deleted REAL NOT NULL, PRIMARY KEY (account, region, name))""",
    # Rare fields (message attributes, trace header, dedup id, dead-letter source) share
    # one JSON column, `extra`: a narrow row makes the common insert markedly cheaper.
    """CREATE TABLE IF NOT EXISTS sqs_messages (
        seq INTEGER PRIMARY KEY, queue_id INTEGER NOT NULL, message_id TEXT NOT NULL,
        body TEXT NOT NULL, sent_ms INTEGER NOT NULL, visible_at INTEGER NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0, first_receive_ms INTEGER, receipt TEXT,
        group_id TEXT, sender TEXT, extra TEXT)""",
    "CREATE INDEX IF NOT EXISTS sqs_messages_visible ON sqs_messages (queue_id, visible_at)",
    """CREATE INDEX IF NOT EXISTS sqs_messages_group ON sqs_messages (queue_id, group_id, seq)
        WHERE group_id IS NOT NULL""",
    """CREATE TABLE IF NOT EXISTS sqs_groups (
        queue_id INTEGER NOT NULL, group_id TEXT NOT NULL, available_at INTEGER NOT NULL,
        PRIMARY KEY (queue_id, group_id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS sqs_groups_available ON sqs_groups (queue_id, available_at)",
    """CREATE TABLE IF NOT EXISTS sqs_dedup (
        queue_id INTEGER NOT NULL, dedup_key TEXT NOT NULL, message_id TEXT NOT NULL,
        seq INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
        PRIMARY KEY (queue_id, dedup_key)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS sqs_move_tasks (
        handle TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        source_arn TEXT NOT NULL, destination_arn TEXT, rate INTEGER, status TEXT NOT NULL,
        moved INTEGER NOT NULL DEFAULT 0, to_move INTEGER NOT NULL DEFAULT 0,
        failure TEXT, started REAL NOT NULL)""",
)

_MESSAGE_COLUMNS = (
    "seq, message_id, body, sent_ms, visible_at, receive_count, first_receive_ms, receipt,"
    " group_id, sender, extra"
)
# `extra` keys: a = message attributes (stored JSON), am = their MD5, t = AWSTraceHeader,
# sm = MD5 of the system attributes, d = deduplication id, q = dead-letter source ARN.
_EXTRA_KEYS = (
    ("a", "attributes"),
    ("am", "attributes_md5"),
    ("t", "trace"),
    ("sm", "system_md5"),
    ("d", "dedup_id"),
    ("q", "dlq_source"),
)


@dataclass(slots=True)
class Message:
    """A message as stored; `seq` is 0 until it has been inserted."""

    message_id: str
    body: str
    sent_ms: int
    visible_at: int
    sender: str = ""
    group_id: str | None = None
    attributes: str | None = None
    attributes_md5: str | None = None
    trace: str | None = None
    system_md5: str | None = None
    dedup_id: str | None = None
    dlq_source: str | None = None
    receive_count: int = 0
    first_receive_ms: int | None = None
    receipt: str | None = None
    seq: int = 0

    @property
    def body_md5(self) -> str:
        return hashlib.md5(self.body.encode()).hexdigest()

    def extra(self) -> str | None:
        if (
            self.attributes is None
            and self.trace is None
            and self.dedup_id is None
            and self.dlq_source is None
            and self.system_md5 is None
        ):
            return None  # the common case, kept cheap: it is on every send
        values = {key: getattr(self, name) for key, name in _EXTRA_KEYS}
        present = {key: value for key, value in values.items() if value is not None}
        return json.dumps(present, separators=(",", ":")) if present else None


_INSERT_MESSAGE = (
    "INSERT INTO sqs_messages (queue_id, message_id, body, sent_ms, visible_at,"
    " receive_count, first_receive_ms, group_id, sender, extra)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _message_row(queue_id: int, m: Message) -> tuple[Any, ...]:
    return (
        queue_id,
        m.message_id,
        m.body,
        m.sent_ms,
        m.visible_at,
        m.receive_count,
        m.first_receive_ms,
        m.group_id,
        m.sender,
        m.extra(),
    )


def _message(row: Any) -> Message:
    seq, message_id, body, sent_ms, visible_at, count, first, receipt, group, sender, extra = row
    message = Message(
        message_id,
        body,
        sent_ms,
        visible_at,
        sender or "",
        group,
        receive_count=count,
        first_receive_ms=first,
        receipt=receipt,
        seq=seq,
    )
    if extra:
        for key, value in json.loads(extra).items():
            setattr(message, dict(_EXTRA_KEYS)[key], value)
    return message


class SqsStore:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("sqs-2", SCHEMA)

    # -- queues ------------------------------------------------------------------------
    def _queue(self, row: Any, scope: Scope) -> Queue:
        return Queue(
            id=row[0],
            scope=scope,
            name=row[1],
            attributes=json.loads(row[2]),
            tags=json.loads(row[3]),
            created=row[4],
            modified=row[5],
            last_purge=row[6],
        )

    def get_queue(self, scope: Scope, name: str) -> Queue | None:
        row = self.db.query_one(
            "SELECT id, name, attributes, tags, created, modified, last_purge FROM sqs_queues"
            " WHERE account = ? AND region = ? AND name = ?",
            (scope.account, scope.region, name),
        )
        return self._queue(row, scope) if row else None

    def list_queues(self, scope: Scope, prefix: str = "") -> list[Queue]:
        rows = self.db.query(
            "SELECT id, name, attributes, tags, created, modified, last_purge FROM sqs_queues"
            " WHERE account = ? AND region = ? AND substr(name, 1, ?) = ? ORDER BY name",
            (scope.account, scope.region, len(prefix), prefix),
        )
        return [self._queue(row, scope) for row in rows]

    def create_queue(
        self,
        scope: Scope,
        name: str,
        attributes: dict[str, str],
        tags: dict[str, str],
        now: float,
    ) -> Queue:
        queue_id = self.db.insert(
            "INSERT INTO sqs_queues (account, region, name, attributes, tags, created, modified)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (scope.account, scope.region, name, json.dumps(attributes), json.dumps(tags), now, now),
        )
        return Queue(queue_id, scope, name, dict(attributes), dict(tags), now, now)

    def save_queue(self, queue: Queue) -> None:
        self.db.execute(
            "UPDATE sqs_queues SET attributes = ?, tags = ?, modified = ?, last_purge = ?"
            " WHERE id = ?",
            (
                json.dumps(queue.attributes),
                json.dumps(queue.tags),
                queue.modified,
                queue.last_purge,
                queue.id,
            ),
        )

    def delete_queue(self, queue: Queue, now: float) -> None:
        with self.db.transaction():
            for table in ("sqs_messages", "sqs_groups", "sqs_dedup"):
                self.db.execute(f"DELETE FROM {table} WHERE queue_id = ?", (queue.id,))
            self.db.execute("DELETE FROM sqs_queues WHERE id = ?", (queue.id,))
            self.db.execute(
                "INSERT OR REPLACE INTO sqs_deleted_queues VALUES (?, ?, ?, ?)",
                (queue.scope.account, queue.scope.region, queue.name, now),
            )

    def scopes(self) -> list[Scope]:
        rows = self.db.query("SELECT DISTINCT account, region FROM sqs_queues")
        return [Scope(account, region) for account, region in rows]

    def deleted_at(self, scope: Scope, name: str) -> float | None:
        row = self.db.query_one(
            "SELECT deleted FROM sqs_deleted_queues WHERE account = ? AND region = ? AND name = ?",
            (scope.account, scope.region, name),
        )
        return float(row[0]) if row else None

    # -- messages ------------------------------------------------------------------------
    def insert_message(self, queue_id: int, m: Message) -> int:
        m.seq = self.db.insert(_INSERT_MESSAGE, _message_row(queue_id, m))
        return m.seq

    def insert_messages(self, queue_id: int, batch: list[Message]) -> None:
        """Insert several messages with one statement (their `seq` stays unknown)."""
        self.db.executemany(_INSERT_MESSAGE, [_message_row(queue_id, m) for m in batch])

    def get_message(self, queue_id: int, seq: int) -> Message | None:
        row = self.db.query_one(
            f"SELECT {_MESSAGE_COLUMNS} FROM sqs_messages WHERE seq = ? AND queue_id = ?",
            (seq, queue_id),
        )
        return _message(row) if row else None

    def visible_messages(self, queue_id: int, now_ms: int, limit: int) -> list[Message]:
        rows = self.db.query(
            f"SELECT {_MESSAGE_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND visible_at <= ?"
            " ORDER BY visible_at LIMIT ?",
            (queue_id, now_ms, limit),
        )
        return [_message(row) for row in rows]

    def group_head(self, queue_id: int, group_id: str, limit: int) -> list[Message]:
        rows = self.db.query(
            f"SELECT {_MESSAGE_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND group_id = ?"
            " ORDER BY seq LIMIT ?",
            (queue_id, group_id, limit),
        )
        return [_message(row) for row in rows]

    def mark_received(self, seq: int, visible_at: int, receipt: str, now_ms: int) -> None:
        self.db.execute(
            "UPDATE sqs_messages SET visible_at = ?, receipt = ?,"
            " receive_count = receive_count + 1, first_receive_ms = coalesce(first_receive_ms, ?)"
            " WHERE seq = ?",
            (visible_at, receipt, now_ms, seq),
        )

    def set_visible_at(self, seq: int, visible_at: int) -> None:
        self.db.execute("UPDATE sqs_messages SET visible_at = ? WHERE seq = ?", (visible_at, seq))

    def delete_message(self, seq: int) -> None:
        self.db.execute("DELETE FROM sqs_messages WHERE seq = ?", (seq,))

    def next_visible_at(self, queue_id: int, now_ms: int) -> int | None:
        row = self.db.query_one(
            "SELECT min(visible_at) FROM sqs_messages WHERE queue_id = ? AND visible_at > ?",
            (queue_id, now_ms),
        )
        return int(row[0]) if row and row[0] is not None else None

    def counts(self, queue_id: int, now_ms: int) -> tuple[int, int, int]:
        """(visible, in flight, delayed) message counts."""
        row = self.db.query_one(
            "SELECT count(*) FILTER (WHERE visible_at <= ?),"
            " count(*) FILTER (WHERE visible_at > ? AND receive_count > 0),"
            " count(*) FILTER (WHERE visible_at > ? AND receive_count = 0)"
            " FROM sqs_messages WHERE queue_id = ?",
            (now_ms, now_ms, now_ms, queue_id),
        )
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    def purge(self, queue_id: int) -> None:
        """Delete every message of the queue (all were sent before the purge call)."""
        with self.db.transaction():
            self.db.execute("DELETE FROM sqs_messages WHERE queue_id = ?", (queue_id,))
            self.db.execute("DELETE FROM sqs_groups WHERE queue_id = ?", (queue_id,))

    def expire(self, queue_id: int, cutoff_ms: int) -> int:
        """Delete messages sent at or before `cutoff_ms`; returns how many went.

        Only messages that are also visible since the cutoff or earlier are found here, through
        the (queue, visible_at) index: `visible_at` is never earlier than `sent_ms`, so each
        of them has expired. An expired message that is in flight or delayed right now is
        dropped when a receive next reaches it."""
        with self.db.transaction():
            gone = self.db.execute(
                "DELETE FROM sqs_messages WHERE queue_id = ? AND visible_at <= ?",
                (queue_id, cutoff_ms),
            )
            if gone:
                self.prune_groups(queue_id)
        return gone

    # -- FIFO groups ---------------------------------------------------------------------
    def available_groups(self, queue_id: int, now_ms: int, limit: int) -> list[str]:
        rows = self.db.query(
            "SELECT group_id FROM sqs_groups WHERE queue_id = ? AND available_at <= ?"
            " ORDER BY available_at LIMIT ?",
            (queue_id, now_ms, limit),
        )
        return [row[0] for row in rows]

    def touch_group(self, queue_id: int, group_id: str, visible_at: int) -> None:
        """Record a new message of a group; a group already known keeps its own timing."""
        self.db.execute(
            "INSERT OR IGNORE INTO sqs_groups VALUES (?, ?, ?)", (queue_id, group_id, visible_at)
        )

    def set_group_available(self, queue_id: int, group_id: str, available_at: int | None) -> None:
        if available_at is None:
            self.db.execute(
                "DELETE FROM sqs_groups WHERE queue_id = ? AND group_id = ?", (queue_id, group_id)
            )
        else:
            self.db.execute(
                "INSERT OR REPLACE INTO sqs_groups VALUES (?, ?, ?)",
                (queue_id, group_id, available_at),
            )

    def prune_groups(self, queue_id: int) -> None:
        self.db.execute(
            "DELETE FROM sqs_groups WHERE queue_id = ? AND NOT EXISTS (SELECT 1 FROM sqs_messages"
            " m WHERE m.queue_id = sqs_groups.queue_id AND m.group_id = sqs_groups.group_id)",
            (queue_id,),
        )

    # -- deduplication ---------------------------------------------------------------------
    def find_duplicate(self, queue_id: int, key: str, now_ms: int) -> tuple[str, int] | None:
        row = self.db.query_one(
            "SELECT message_id, seq FROM sqs_dedup WHERE queue_id = ? AND dedup_key = ?"
            " AND expires_ms > ?",
            (queue_id, key, now_ms),
        )
        return (str(row[0]), int(row[1])) if row else None

    def remember_dedup(
        self, queue_id: int, key: str, message_id: str, seq: int, expires_ms: int
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sqs_dedup VALUES (?, ?, ?, ?, ?)",
            (queue_id, key, message_id, seq, expires_ms),
        )

    def forget_expired_dedup(self, now_ms: int) -> None:
        self.db.execute("DELETE FROM sqs_dedup WHERE expires_ms <= ?", (now_ms,))

    # -- move tasks ------------------------------------------------------------------------
    def save_move_task(self, task: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sqs_move_tasks (handle, account, region, source_arn,"
            " destination_arn, rate, status, moved, to_move, failure, started)"
            " VALUES (:handle, :account, :region, :source_arn, :destination_arn, :rate, :status,"
            " :moved, :to_move, :failure, :started)",
            task,  # type: ignore[arg-type]
        )

    def move_tasks(self, source_arn: str | None = None) -> list[dict[str, Any]]:
        columns = (
            "handle",
            "account",
            "region",
            "source_arn",
            "destination_arn",
            "rate",
            "status",
            "moved",
            "to_move",
            "failure",
            "started",
        )
        sql = f"SELECT {', '.join(columns)} FROM sqs_move_tasks"
        params: tuple[Any, ...] = ()
        if source_arn is not None:
            sql += " WHERE source_arn = ?"
            params = (source_arn,)
        return [
            dict(zip(columns, row, strict=True))
            for row in self.db.query(sql + " ORDER BY started DESC", params)
        ]
