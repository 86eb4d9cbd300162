"""Persistence of EventBridge's resources: buses, rules, targets, connections, API
destinations, archives and replays (the delivery outbox lives in outbox.py).

Every resource is one row keyed by (account, region, name[, bus]); the parts that are
only ever read and written whole (targets, auth parameters, tags, destinations) are
JSON columns. Names sort with SQL, so listings page by name.
Must not: hold logic about what is valid (the provider decides).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS events_buses (
        account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
        description TEXT, policy TEXT, tags TEXT NOT NULL DEFAULT '{}',
        created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL,
        PRIMARY KEY (account, region, name))""",
    """CREATE TABLE IF NOT EXISTS events_rules (
        account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, name TEXT NOT NULL,
        pattern TEXT, schedule TEXT, state TEXT NOT NULL, description TEXT, role_arn TEXT,
        managed_by TEXT, tags TEXT NOT NULL DEFAULT '{}', created_ms INTEGER NOT NULL,
        PRIMARY KEY (account, region, bus, name))""",
    """CREATE TABLE IF NOT EXISTS events_targets (
        account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, rule TEXT NOT NULL,
        id TEXT NOT NULL, arn TEXT NOT NULL, config TEXT NOT NULL,
        PRIMARY KEY (account, region, bus, rule, id))""",
    """CREATE TABLE IF NOT EXISTS events_resources (
        account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
        body TEXT NOT NULL, PRIMARY KEY (account, region, kind, name))""",
)
DEFAULT_BUS = "default"


class Bus(NamedTuple):
    name: str
    description: str | None
    policy: str | None
    tags: dict[str, str]
    created_ms: int
    modified_ms: int


class Rule(NamedTuple):
    bus: str
    name: str
    pattern: str | None
    schedule: str | None
    state: str
    description: str | None
    role_arn: str | None
    managed_by: str | None
    tags: dict[str, str]
    created_ms: int


_RULE_COLS = (
    "bus, name, pattern, schedule, state, description, role_arn, managed_by, tags, created_ms"
)


def _rule(row: Any) -> Rule:
    return Rule(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], json.loads(row[8]), row[9]
    )


class EventsStore:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("events-1", SCHEMA)

    # -- buses ---------------------------------------------------------------------------
    def ensure_default_bus(self, scope: Scope, now_ms: int) -> None:
        if self.bus(scope, DEFAULT_BUS) is None:
            self.db.execute(
                "INSERT OR IGNORE INTO events_buses (account, region, name, created_ms,"
                " modified_ms) VALUES (?, ?, ?, ?, ?)",
                (*scope, DEFAULT_BUS, now_ms, now_ms),
            )

    def create_bus(
        self, scope: Scope, name: str, description: str | None, tags: dict[str, str], now_ms: int
    ) -> None:
        self.db.execute(
            "INSERT INTO events_buses (account, region, name, description, tags, created_ms,"
            " modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*scope, name, description, json.dumps(tags), now_ms, now_ms),
        )

    def bus(self, scope: Scope, name: str) -> Bus | None:
        row = self.db.query_one(
            "SELECT name, description, policy, tags, created_ms, modified_ms FROM events_buses"
            " WHERE account=? AND region=? AND name=?",
            (*scope, name),
        )
        return Bus(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5]) if row else None

    def buses(self, scope: Scope, prefix: str, after: str, limit: int) -> list[Bus]:
        rows = self.db.query(
            "SELECT name, description, policy, tags, created_ms, modified_ms FROM events_buses"
            " WHERE account=? AND region=? AND name>? AND substr(name, 1, ?)=? ORDER BY name"
            " LIMIT ?",
            (*scope, after, len(prefix), prefix, limit),
        )
        return [Bus(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def update_bus(self, scope: Scope, name: str, now_ms: int, **fields: Any) -> None:
        for column, value in fields.items():
            stored = json.dumps(value) if column == "tags" else value
            self.db.execute(
                f"UPDATE events_buses SET {column}=?, modified_ms=? WHERE account=? AND"
                " region=? AND name=?",
                (stored, now_ms, *scope, name),
            )

    def delete_bus(self, scope: Scope, name: str) -> None:
        with self.db.transaction():
            for table in ("events_targets", "events_rules"):
                self.db.execute(
                    f"DELETE FROM {table} WHERE account=? AND region=? AND bus=?", (*scope, name)
                )
            self.db.execute(
                "DELETE FROM events_buses WHERE account=? AND region=? AND name=?", (*scope, name)
            )

    # -- rules ---------------------------------------------------------------------------
    def put_rule(self, scope: Scope, rule: Rule) -> None:
        self.db.execute(
            f"INSERT OR REPLACE INTO events_rules (account, region, {_RULE_COLS})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*scope, *rule[:8], json.dumps(rule.tags), rule.created_ms),
        )

    def rule(self, scope: Scope, bus: str, name: str) -> Rule | None:
        row = self.db.query_one(
            f"SELECT {_RULE_COLS} FROM events_rules WHERE account=? AND region=? AND bus=?"
            " AND name=?",
            (*scope, bus, name),
        )
        return _rule(row) if row else None

    def rules(
        self, scope: Scope, bus: str, prefix: str = "", after: str = "", limit: int = -1
    ) -> list[Rule]:
        rows = self.db.query(
            f"SELECT {_RULE_COLS} FROM events_rules WHERE account=? AND region=? AND bus=?"
            " AND name>? AND substr(name, 1, ?)=? ORDER BY name LIMIT ?",
            (*scope, bus, after, len(prefix), prefix, limit),
        )
        return [_rule(r) for r in rows]

    def enabled_pattern_rules(self, scope: Scope, bus: str) -> list[Rule]:
        rows = self.db.query(
            f"SELECT {_RULE_COLS} FROM events_rules WHERE account=? AND region=? AND bus=?"
            " AND state != 'DISABLED' AND pattern IS NOT NULL",
            (*scope, bus),
        )
        return [_rule(r) for r in rows]

    def scheduled_rules(self) -> list[tuple[Scope, Rule]]:
        rows = self.db.query(
            f"SELECT account, region, {_RULE_COLS} FROM events_rules WHERE schedule IS NOT NULL"
            " AND state != 'DISABLED'"
        )
        return [(Scope(r[0], r[1]), _rule(r[2:])) for r in rows]

    def set_rule_state(self, scope: Scope, bus: str, name: str, state: str) -> None:
        self.db.execute(
            "UPDATE events_rules SET state=? WHERE account=? AND region=? AND bus=? AND name=?",
            (state, *scope, bus, name),
        )

    def set_rule_tags(self, scope: Scope, bus: str, name: str, tags: dict[str, str]) -> None:
        self.db.execute(
            "UPDATE events_rules SET tags=? WHERE account=? AND region=? AND bus=? AND name=?",
            (json.dumps(tags), *scope, bus, name),
        )

    def delete_rule(self, scope: Scope, bus: str, name: str) -> None:
        with self.db.transaction():
            self.db.execute(
                "DELETE FROM events_targets WHERE account=? AND region=? AND bus=? AND rule=?",
                (*scope, bus, name),
            )
            self.db.execute(
                "DELETE FROM events_rules WHERE account=? AND region=? AND bus=? AND name=?",
                (*scope, bus, name),
            )

    # -- targets -------------------------------------------------------------------------
    def targets(self, scope: Scope, bus: str, rule: str) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT config FROM events_targets WHERE account=? AND region=? AND bus=? AND"
            " rule=? ORDER BY id",
            (*scope, bus, rule),
        )
        return [json.loads(r[0]) for r in rows]

    def put_target(self, scope: Scope, bus: str, rule: str, target: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO events_targets (account, region, bus, rule, id, arn, config)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*scope, bus, rule, target["Id"], target["Arn"], json.dumps(target)),
        )

    def delete_target(self, scope: Scope, bus: str, rule: str, target_id: str) -> bool:
        return (
            self.db.execute(
                "DELETE FROM events_targets WHERE account=? AND region=? AND bus=? AND rule=?"
                " AND id=?",
                (*scope, bus, rule, target_id),
            )
            > 0
        )

    def rules_by_target(self, scope: Scope, bus: str, arn: str) -> list[str]:
        rows = self.db.query(
            "SELECT DISTINCT rule FROM events_targets WHERE account=? AND region=? AND bus=?"
            " AND arn=? ORDER BY rule",
            (*scope, bus, arn),
        )
        return [r[0] for r in rows]

    # -- other resources (connections, API destinations, archives, replays) -------------------
    def put_resource(self, scope: Scope, kind: str, name: str, body: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO events_resources (account, region, kind, name, body)"
            " VALUES (?, ?, ?, ?, ?)",
            (*scope, kind, name, json.dumps(body)),
        )

    def resource(self, scope: Scope, kind: str, name: str) -> dict[str, Any] | None:
        row = self.db.query_one(
            "SELECT body FROM events_resources WHERE account=? AND region=? AND kind=? AND name=?",
            (*scope, kind, name),
        )
        return json.loads(row[0]) if row else None

    def resources(self, scope: Scope, kind: str, prefix: str = "") -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT body FROM events_resources WHERE account=? AND region=? AND kind=? AND"
            " substr(name, 1, ?)=? ORDER BY name",
            (*scope, kind, len(prefix), prefix),
        )
        return [json.loads(r[0]) for r in rows]

    def all_resources(self, kind: str) -> list[tuple[Scope, dict[str, Any]]]:
        rows = self.db.query(
            "SELECT account, region, body FROM events_resources WHERE kind=?", (kind,)
        )
        return [(Scope(r[0], r[1]), json.loads(r[2])) for r in rows]

    def delete_resource(self, scope: Scope, kind: str, name: str) -> None:
        self.db.execute(
            "DELETE FROM events_resources WHERE account=? AND region=? AND kind=? AND name=?",
            (*scope, kind, name),
        )
