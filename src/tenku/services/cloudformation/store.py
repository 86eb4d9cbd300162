"""All persistence of CloudFormation: stacks, their resource records (the deploy
engine's `Record`s), resource statuses, stack events and change sets.

Stacks and change sets are JSON documents beside a few indexed columns; records are
rewritten whenever the engine reports a change, so that a restart finds every resource
an operation had made by then.
Must not: decide CloudFormation semantics (the provider does).
"""

from __future__ import annotations

import json
from typing import Any

from tenku.core.scope import Scope
from tenku.deploy.records import Record
from tenku.services.cloudformation.models import ChangeSet, ResourceState, Stack
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS cfn_stacks (
        stack_id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        name TEXT NOT NULL, status TEXT NOT NULL, created REAL NOT NULL, data TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS cfn_stacks_name ON cfn_stacks (account, region, name)",
    """CREATE TABLE IF NOT EXISTS cfn_records (
        stack_id TEXT NOT NULL, logical_id TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (stack_id, logical_id))""",
    """CREATE TABLE IF NOT EXISTS cfn_resource_states (
        stack_id TEXT NOT NULL, logical_id TEXT NOT NULL, type TEXT NOT NULL,
        physical_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
        updated REAL NOT NULL, PRIMARY KEY (stack_id, logical_id))""",
    """CREATE TABLE IF NOT EXISTS cfn_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, stack_id TEXT NOT NULL, data TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS cfn_events_stack ON cfn_events (stack_id, seq)",
    """CREATE TABLE IF NOT EXISTS cfn_change_sets (
        change_set_id TEXT PRIMARY KEY, stack_id TEXT NOT NULL, name TEXT NOT NULL,
        created REAL NOT NULL, data TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS cfn_change_sets_stack ON cfn_change_sets (stack_id, name)",
)


class CloudFormationStore:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("cloudformation-1", SCHEMA)

    # -- stacks -------------------------------------------------------------------------------
    def save_stack(self, scope: Scope, stack: Stack) -> None:
        data = json.dumps(stack.to_json())
        changed = self.db.execute(
            "UPDATE cfn_stacks SET status = ?, data = ? WHERE stack_id = ?",
            (stack.status, data, stack.stack_id),
        )
        if not changed:
            self.db.execute(
                "INSERT INTO cfn_stacks (stack_id, account, region, name, status, created, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    stack.stack_id,
                    scope.account,
                    scope.region,
                    stack.name,
                    stack.status,
                    stack.created,
                    data,
                ),
            )

    def stack(self, stack_id: str) -> Stack | None:
        row = self.db.query_one("SELECT data FROM cfn_stacks WHERE stack_id = ?", (stack_id,))
        return Stack.from_json(json.loads(row[0])) if row else None

    def live_stack_named(self, scope: Scope, name: str) -> Stack | None:
        row = self.db.query_one(
            "SELECT data FROM cfn_stacks WHERE account = ? AND region = ? AND name = ?"
            " AND status != 'DELETE_COMPLETE' ORDER BY created DESC LIMIT 1",
            (scope.account, scope.region, name),
        )
        return Stack.from_json(json.loads(row[0])) if row else None

    def stacks(self, scope: Scope, live_only: bool) -> list[Stack]:
        sql = "SELECT data FROM cfn_stacks WHERE account = ? AND region = ?"
        if live_only:
            sql += " AND status != 'DELETE_COMPLETE'"
        rows = self.db.query(sql + " ORDER BY created DESC", (scope.account, scope.region))
        return [Stack.from_json(json.loads(r[0])) for r in rows]

    def busy_stacks(self) -> list[tuple[Scope, Stack]]:
        """Stacks whose last operation had not finished (restart recovery)."""
        rows = self.db.query(
            "SELECT account, region, data FROM cfn_stacks WHERE status LIKE '%IN_PROGRESS'"
        )
        return [(Scope(r[0], r[1]), Stack.from_json(json.loads(r[2]))) for r in rows]

    # -- records ------------------------------------------------------------------------------
    def save_records(self, stack_id: str, records: dict[str, Record]) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM cfn_records WHERE stack_id = ?", (stack_id,))
            self.db.executemany(
                "INSERT INTO cfn_records (stack_id, logical_id, data) VALUES (?, ?, ?)",
                [(stack_id, lid, json.dumps(r.to_json())) for lid, r in records.items()],
            )

    def records(self, stack_id: str) -> dict[str, Record]:
        rows = self.db.query(
            "SELECT logical_id, data FROM cfn_records WHERE stack_id = ?", (stack_id,)
        )
        return {str(r[0]): Record.from_json(json.loads(r[1])) for r in rows}

    # -- resource statuses --------------------------------------------------------------------
    def set_state(self, stack_id: str, state: ResourceState) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO cfn_resource_states (stack_id, logical_id, type,"
            " physical_id, status, reason, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                stack_id,
                state.logical_id,
                state.type,
                state.physical_id,
                state.status,
                state.reason,
                state.updated,
            ),
        )

    def states(self, stack_id: str) -> list[ResourceState]:
        rows = self.db.query(
            "SELECT logical_id, type, physical_id, status, reason, updated"
            " FROM cfn_resource_states WHERE stack_id = ? ORDER BY logical_id",
            (stack_id,),
        )
        return [ResourceState(r[0], r[1], r[2], r[3], r[4], float(r[5])) for r in rows]

    def drop_states(self, stack_id: str, keep: set[str]) -> None:
        for state in self.states(stack_id):
            if state.logical_id not in keep:
                self.db.execute(
                    "DELETE FROM cfn_resource_states WHERE stack_id = ? AND logical_id = ?",
                    (stack_id, state.logical_id),
                )

    # -- events -------------------------------------------------------------------------------
    def add_event(self, stack_id: str, event: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO cfn_events (stack_id, data) VALUES (?, ?)",
            (stack_id, json.dumps(event)),
        )

    def events(self, stack_id: str, offset: int, limit: int) -> list[dict[str, Any]]:
        """Newest first."""
        rows = self.db.query(
            "SELECT data FROM cfn_events WHERE stack_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
            (stack_id, limit, offset),
        )
        return [json.loads(r[0]) for r in rows]

    # -- change sets --------------------------------------------------------------------------
    def save_change_set(self, change_set: ChangeSet) -> None:
        data = json.dumps(change_set.to_json())
        changed = self.db.execute(
            "UPDATE cfn_change_sets SET data = ? WHERE change_set_id = ?",
            (data, change_set.change_set_id),
        )
        if not changed:
            self.db.execute(
                "INSERT INTO cfn_change_sets (change_set_id, stack_id, name, created, data)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    change_set.change_set_id,
                    change_set.stack_id,
                    change_set.name,
                    change_set.created,
                    data,
                ),
            )

    def change_set(self, change_set_id: str) -> ChangeSet | None:
        row = self.db.query_one(
            "SELECT data FROM cfn_change_sets WHERE change_set_id = ?", (change_set_id,)
        )
        return ChangeSet.from_json(json.loads(row[0])) if row else None

    def change_set_named(self, stack_id: str, name: str) -> ChangeSet | None:
        rows = self.db.query(
            "SELECT data FROM cfn_change_sets WHERE stack_id = ? AND name = ?", (stack_id, name)
        )
        found = [ChangeSet.from_json(json.loads(r[0])) for r in rows]
        return next((c for c in found if not c.retired), None)

    def change_sets(self, stack_id: str) -> list[ChangeSet]:
        """The stack's change sets that were not executed."""
        rows = self.db.query(
            "SELECT data FROM cfn_change_sets WHERE stack_id = ? ORDER BY created", (stack_id,)
        )
        found = [ChangeSet.from_json(json.loads(r[0])) for r in rows]
        return [c for c in found if not c.retired]

    def unfinished_change_sets(self) -> list[ChangeSet]:
        rows = self.db.query("SELECT data FROM cfn_change_sets")
        sets = [ChangeSet.from_json(json.loads(r[0])) for r in rows]
        return [
            c
            for c in sets
            if c.status in ("CREATE_PENDING", "CREATE_IN_PROGRESS")
            or c.execution_status == "EXECUTE_IN_PROGRESS"
        ]

    def delete_change_set(self, change_set_id: str) -> None:
        self.db.execute("DELETE FROM cfn_change_sets WHERE change_set_id = ?", (change_set_id,))
