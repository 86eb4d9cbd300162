"""All persistence of SNS: topics, subscriptions, the delivery outbox, FIFO dedup ids,
the inbox of email/SMS-like deliveries, and the signing key.

A publish writes its message row and one outbox row per matching subscription in the
transaction that acknowledges it; the deliverer deletes an outbox row once its delivery
is done (and the message row with the last of them). FIFO outbox rows carry a group key
(subscription + MessageGroupId) so that a group is delivered in order.
Must not: decide SNS semantics; that is the provider's and models' job.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.services.sns.models import Subscription, Topic
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS sns_topics (
        id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, account TEXT NOT NULL,
        region TEXT NOT NULL, name TEXT NOT NULL, attributes TEXT NOT NULL,
        tags TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0,
        deleted_subscriptions INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX IF NOT EXISTS sns_topics_scope ON sns_topics (account, region, id)",
    """CREATE TABLE IF NOT EXISTS sns_subscriptions (
        id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, topic_arn TEXT NOT NULL,
        account TEXT NOT NULL, region TEXT NOT NULL, protocol TEXT NOT NULL,
        endpoint TEXT NOT NULL, owner TEXT NOT NULL, attributes TEXT NOT NULL,
        confirmed INTEGER NOT NULL, token TEXT)""",
    "CREATE INDEX IF NOT EXISTS sns_subscriptions_topic ON sns_subscriptions (topic_arn, id)",
    "CREATE INDEX IF NOT EXISTS sns_subscriptions_scope ON sns_subscriptions (account, region, id)",
    """CREATE TABLE IF NOT EXISTS sns_messages (
        id INTEGER PRIMARY KEY, topic_arn TEXT NOT NULL, data TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sns_outbox (
        id INTEGER PRIMARY KEY, message INTEGER, subscription TEXT NOT NULL,
        kind TEXT NOT NULL, group_key TEXT, attempts INTEGER NOT NULL DEFAULT 0,
        first_ms INTEGER NOT NULL, due_ms INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS sns_outbox_due ON sns_outbox (due_ms) WHERE group_key IS NULL",
    """CREATE INDEX IF NOT EXISTS sns_outbox_group ON sns_outbox (group_key, id)
        WHERE group_key IS NOT NULL""",
    """CREATE TABLE IF NOT EXISTS sns_dedup (
        topic_arn TEXT NOT NULL, dedup_id TEXT NOT NULL, message_id TEXT NOT NULL,
        sequence TEXT, expires_ms INTEGER NOT NULL,
        PRIMARY KEY (topic_arn, dedup_id)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS sns_inbox (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        protocol TEXT NOT NULL, endpoint TEXT NOT NULL, subscription TEXT,
        topic_arn TEXT, message_id TEXT NOT NULL, subject TEXT, body TEXT NOT NULL,
        at_ms INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS sns_inbox_endpoint ON sns_inbox (endpoint, id)",
    """CREATE TABLE IF NOT EXISTS sns_signing (
        id INTEGER PRIMARY KEY CHECK (id = 1), key_pem TEXT NOT NULL, cert_pem TEXT NOT NULL)""",
)


class OutboxRow(NamedTuple):
    id: int
    message: int | None
    subscription: str
    kind: str  # "notification" or "confirmation"
    group_key: str | None
    attempts: int
    first_ms: int


_OUTBOX = "id, message, subscription, kind, group_key, attempts, first_ms"
_SUB = "arn, topic_arn, protocol, endpoint, owner, attributes, confirmed, token"


def _subscription(row: Any) -> Subscription:
    arn, topic, protocol, endpoint, owner, attributes, confirmed, token = row
    return Subscription(
        arn, topic, protocol, endpoint, owner, json.loads(attributes), bool(confirmed), token
    )


class SnsStore:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("sns-1", SCHEMA)

    # -- topics -------------------------------------------------------------------------------
    def topic(self, arn: str) -> Topic | None:
        row = self.db.query_one(
            "SELECT arn, name, account, region, attributes, tags FROM sns_topics WHERE arn = ?",
            (arn,),
        )
        if row is None:
            return None
        return Topic(row[0], row[1], Scope(row[2], row[3]), json.loads(row[4]), json.loads(row[5]))

    def save_topic(self, topic: Topic) -> None:
        attributes, tags = json.dumps(topic.attributes), json.dumps(topic.tags)
        changed = self.db.execute(
            "UPDATE sns_topics SET attributes = ?, tags = ? WHERE arn = ?",
            (attributes, tags, topic.arn),
        )
        if not changed:
            self.db.execute(
                "INSERT INTO sns_topics (arn, account, region, name, attributes, tags)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (topic.arn, topic.scope.account, topic.scope.region, topic.name, attributes, tags),
            )

    def topics_page(self, scope: Scope, after: int, limit: int) -> list[tuple[int, str]]:
        rows = self.db.query(
            "SELECT id, arn FROM sns_topics WHERE account = ? AND region = ? AND id > ?"
            " ORDER BY id LIMIT ?",
            (scope.account, scope.region, after, limit),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def delete_topic(self, arn: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM sns_subscriptions WHERE topic_arn = ?", (arn,))
            self.db.execute("DELETE FROM sns_topics WHERE arn = ?", (arn,))
            self.db.execute("DELETE FROM sns_dedup WHERE topic_arn = ?", (arn,))

    def next_sequence(self, arn: str) -> int:
        self.db.execute("UPDATE sns_topics SET seq = seq + 1 WHERE arn = ?", (arn,))
        row = self.db.query_one("SELECT seq FROM sns_topics WHERE arn = ?", (arn,))
        return int(row[0]) if row else 0

    def subscription_counts(self, arn: str) -> tuple[int, int, int]:
        """(confirmed, pending, deleted) subscriptions of a topic."""
        row = self.db.query_one(
            "SELECT COALESCE(SUM(confirmed), 0), COUNT(*) - COALESCE(SUM(confirmed), 0)"
            " FROM sns_subscriptions WHERE topic_arn = ?",
            (arn,),
        )
        deleted = self.db.query_one(
            "SELECT deleted_subscriptions FROM sns_topics WHERE arn = ?", (arn,)
        )
        confirmed, pending = (int(row[0]), int(row[1])) if row else (0, 0)
        return confirmed, pending, int(deleted[0]) if deleted else 0

    # -- subscriptions ------------------------------------------------------------------------
    def subscription(self, arn: str) -> Subscription | None:
        row = self.db.query_one(f"SELECT {_SUB} FROM sns_subscriptions WHERE arn = ?", (arn,))
        return _subscription(row) if row else None

    def subscription_by_token(self, topic_arn: str, token: str) -> Subscription | None:
        row = self.db.query_one(
            f"SELECT {_SUB} FROM sns_subscriptions WHERE topic_arn = ? AND token = ?",
            (topic_arn, token),
        )
        return _subscription(row) if row else None

    def find_subscription(
        self, topic_arn: str, protocol: str, endpoint: str
    ) -> Subscription | None:
        row = self.db.query_one(
            f"SELECT {_SUB} FROM sns_subscriptions"
            " WHERE topic_arn = ? AND protocol = ? AND endpoint = ?",
            (topic_arn, protocol, endpoint),
        )
        return _subscription(row) if row else None

    def save_subscription(self, sub: Subscription, scope: Scope) -> None:
        attributes = json.dumps(sub.attributes)
        changed = self.db.execute(
            "UPDATE sns_subscriptions SET attributes = ?, confirmed = ?, token = ? WHERE arn = ?",
            (attributes, int(sub.confirmed), sub.token, sub.arn),
        )
        if not changed:
            self.db.execute(
                f"INSERT INTO sns_subscriptions (account, region, {_SUB})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    scope.account, scope.region, sub.arn, sub.topic_arn, sub.protocol,
                    sub.endpoint, sub.owner, attributes, int(sub.confirmed), sub.token,
                ),
            )  # fmt: skip

    def delete_subscription(self, sub: Subscription) -> None:
        with self.db.transaction():
            if self.db.execute("DELETE FROM sns_subscriptions WHERE arn = ?", (sub.arn,)):
                self.db.execute(
                    "UPDATE sns_topics SET deleted_subscriptions = deleted_subscriptions + 1"
                    " WHERE arn = ?",
                    (sub.topic_arn,),
                )

    def subscriptions_page(
        self, scope: Scope, topic_arn: str | None, after: int, limit: int
    ) -> list[tuple[int, Subscription]]:
        if topic_arn is None:
            where, params = "account = ? AND region = ?", [scope.account, scope.region]
        else:
            where, params = "topic_arn = ?", [topic_arn]
        rows = self.db.query(
            f"SELECT id, {_SUB} FROM sns_subscriptions WHERE {where} AND id > ?"
            " ORDER BY id LIMIT ?",
            (*params, after, limit),
        )
        return [(int(r[0]), _subscription(r[1:])) for r in rows]

    def topic_subscriptions(self, topic_arn: str) -> list[Subscription]:
        return [s for _, s in self.subscriptions_page(Scope(), topic_arn, 0, 1_000_000)]

    # -- messages and the outbox --------------------------------------------------------------
    def add_message(self, topic_arn: str, data: dict[str, Any]) -> int:
        return self.db.insert(
            "INSERT INTO sns_messages (topic_arn, data) VALUES (?, ?)",
            (topic_arn, json.dumps(data, separators=(",", ":"))),
        )

    def message(self, row_id: int) -> dict[str, Any] | None:
        row = self.db.query_one("SELECT data FROM sns_messages WHERE id = ?", (row_id,))
        return json.loads(row[0]) if row else None

    def add_outbox(
        self, message: int | None, subscription: str, kind: str, group_key: str | None, now_ms: int
    ) -> None:
        self.db.execute(
            "INSERT INTO sns_outbox (message, subscription, kind, group_key, first_ms, due_ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (message, subscription, kind, group_key, now_ms, now_ms),
        )

    def due(self, now_ms: int, limit: int) -> list[OutboxRow]:
        """Due rows: standard ones by due time, then the head of every FIFO group if due."""
        rows = self.db.query(
            f"SELECT {_OUTBOX} FROM sns_outbox WHERE group_key IS NULL AND due_ms <= ?"
            " ORDER BY due_ms LIMIT ?",
            (now_ms, limit),
        )
        rows += self.db.query(
            f"SELECT {_OUTBOX} FROM sns_outbox WHERE id IN (SELECT MIN(id) FROM sns_outbox"
            " WHERE group_key IS NOT NULL GROUP BY group_key) AND due_ms <= ? LIMIT ?",
            (now_ms, limit),
        )
        return [OutboxRow(*r) for r in rows]

    def next_due_ms(self) -> int | None:
        row = self.db.query_one("SELECT MIN(due_ms) FROM sns_outbox")
        return int(row[0]) if row and row[0] is not None else None

    def finish(self, row: OutboxRow) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM sns_outbox WHERE id = ?", (row.id,))
            if row.message is not None:
                self.db.execute(
                    "DELETE FROM sns_messages WHERE id = ? AND NOT EXISTS"
                    " (SELECT 1 FROM sns_outbox WHERE message = ?)",
                    (row.message, row.message),
                )

    def reschedule(self, row: OutboxRow, due_ms: int) -> None:
        self.db.execute(
            "UPDATE sns_outbox SET attempts = ?, due_ms = ? WHERE id = ?",
            (row.attempts + 1, due_ms, row.id),
        )

    # -- FIFO deduplication --------------------------------------------------------------------
    def dedup(self, topic_arn: str, dedup_id: str, now_ms: int) -> tuple[str, str | None] | None:
        row = self.db.query_one(
            "SELECT message_id, sequence FROM sns_dedup"
            " WHERE topic_arn = ? AND dedup_id = ? AND expires_ms > ?",
            (topic_arn, dedup_id, now_ms),
        )
        return (str(row[0]), row[1]) if row else None

    def remember_dedup(
        self, topic_arn: str, dedup_id: str, message_id: str, sequence: str | None, expires: int
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sns_dedup (topic_arn, dedup_id, message_id, sequence,"
            " expires_ms) VALUES (?, ?, ?, ?, ?)",
            (topic_arn, dedup_id, message_id, sequence, expires),
        )

    def forget_expired_dedup(self, now_ms: int) -> None:
        self.db.execute("DELETE FROM sns_dedup WHERE expires_ms <= ?", (now_ms,))

    # -- inbox (email, email-json, sms, application, firehose) ---------------------------------
    def deliver_to_inbox(self, scope: Scope, entry: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO sns_inbox (account, region, protocol, endpoint, subscription, topic_arn,"
            " message_id, subject, body, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                scope.account, scope.region, entry["protocol"], entry["endpoint"],
                entry.get("subscriptionArn"), entry.get("topicArn"), entry["messageId"],
                entry.get("subject"), entry["body"], entry["timestamp"],
            ),
        )  # fmt: skip

    def inbox(self, endpoint: str | None, limit: int = 1000) -> list[dict[str, Any]]:
        columns = (
            "account, region, protocol, endpoint, subscription, topic_arn, message_id, subject,"
            " body, at_ms"
        )
        if endpoint is None:
            rows = self.db.query(f"SELECT {columns} FROM sns_inbox ORDER BY id LIMIT ?", (limit,))
        else:
            rows = self.db.query(
                f"SELECT {columns} FROM sns_inbox WHERE endpoint = ? ORDER BY id LIMIT ?",
                (endpoint, limit),
            )
        names = (
            "account", "region", "protocol", "endpoint", "subscriptionArn", "topicArn",
            "messageId", "subject", "body", "timestamp",
        )  # fmt: skip
        return [dict(zip(names, row, strict=True)) for row in rows]

    # -- signing key ----------------------------------------------------------------------------
    def signing_key(self) -> tuple[str, str] | None:
        row = self.db.query_one("SELECT key_pem, cert_pem FROM sns_signing WHERE id = 1")
        return (str(row[0]), str(row[1])) if row else None

    def save_signing_key(self, key_pem: str, cert_pem: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO sns_signing (id, key_pem, cert_pem) VALUES (1, ?, ?)",
            (key_pem, cert_pem),
        )
