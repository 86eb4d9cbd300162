"""Persistence of event-source mappings and of how far each has read its source.

A mapping is one JSON document (the EventSourceMappingConfiguration output shape) keyed
by its UUID and scoped by account and region. A stream mapping's position is the last
sequence number per shard whose batch was handled (succeeded or sent to the on-failure
destination), so a restart resumes after it and never skips an unhandled record.
Must not: validate requests or poll sources.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.core.scope import Scope
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS lambda_esm (
        uuid TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        function_arn TEXT NOT NULL, source_arn TEXT NOT NULL, config TEXT NOT NULL,
        created REAL NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS lambda_esm_scope ON lambda_esm (account, region, created)",
    """CREATE TABLE IF NOT EXISTS lambda_esm_positions (
        uuid TEXT NOT NULL, shard_id TEXT NOT NULL, sequence TEXT NOT NULL,
        PRIMARY KEY (uuid, shard_id))""",
)


class MappingStore:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("lambda-esm", SCHEMA)

    def put(self, scope: Scope, config: dict[str, Any], created: float) -> None:
        self.db.execute(
            "INSERT INTO lambda_esm (uuid, account, region, function_arn, source_arn, config,"
            " created) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
            " function_arn = excluded.function_arn, config = excluded.config",
            (
                config["UUID"],
                scope.account,
                scope.region,
                config["FunctionArn"],
                config.get("EventSourceArn", ""),
                json.dumps(config, sort_keys=True),
                created,
            ),
        )

    def get(self, scope: Scope, uuid: str) -> dict[str, Any] | None:
        row = self.db.query_one(
            "SELECT config FROM lambda_esm WHERE uuid = ? AND account = ? AND region = ?",
            (uuid, scope.account, scope.region),
        )
        return json.loads(row[0]) if row else None

    def in_scope(self, scope: Scope) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT config FROM lambda_esm WHERE account = ? AND region = ? ORDER BY created, uuid",
            (scope.account, scope.region),
        )
        return [json.loads(row[0]) for row in rows]

    def everywhere(self) -> list[tuple[Scope, dict[str, Any]]]:
        rows = self.db.query("SELECT account, region, config FROM lambda_esm ORDER BY created")
        return [(Scope(a, r), json.loads(c)) for a, r, c in rows]

    def delete(self, uuid: str) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM lambda_esm WHERE uuid = ?", (uuid,))
            self.db.execute("DELETE FROM lambda_esm_positions WHERE uuid = ?", (uuid,))

    def position(self, uuid: str, shard_id: str) -> str | None:
        row = self.db.query_one(
            "SELECT sequence FROM lambda_esm_positions WHERE uuid = ? AND shard_id = ?",
            (uuid, shard_id),
        )
        return str(row[0]) if row else None

    def set_position(self, uuid: str, shard_id: str, sequence: str) -> None:
        self.db.execute(
            "INSERT INTO lambda_esm_positions (uuid, shard_id, sequence) VALUES (?, ?, ?)"
            " ON CONFLICT (uuid, shard_id) DO UPDATE SET sequence = excluded.sequence",
            (uuid, shard_id, sequence),
        )
