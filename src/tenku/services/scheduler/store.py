"""All persistence of Scheduler: groups, schedules with their next firing, and the outbox.

The outbox holds one row per occurrence that has fired but is not yet delivered (or
dead-lettered): it is written in the same transaction that moves the schedule's
`next_fire` past that occurrence, so after a crash every occurrence is either still
ahead (it fires after the restart) or in the outbox (it is delivered after the
restart): at least once, never skipped. The row carries a copy of the target as it was
when the occurrence fired. The `default` group is a row like any other, created on
first use with no creation date.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.services.scheduler.models import DEFAULT_GROUP, StoredSchedule
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS scheduler_groups (
        account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
        created REAL, modified REAL, tags TEXT NOT NULL,
        PRIMARY KEY (account, region, name))""",
    """CREATE TABLE IF NOT EXISTS scheduler_schedules (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        group_name TEXT NOT NULL, name TEXT NOT NULL, spec TEXT NOT NULL,
        created REAL NOT NULL, modified REAL NOT NULL, version INTEGER NOT NULL,
        anchor REAL NOT NULL, next_fire REAL, next_due REAL,
        UNIQUE (account, region, group_name, name))""",
    """CREATE TABLE IF NOT EXISTS scheduler_outbox (
        id INTEGER PRIMARY KEY, schedule_id INTEGER NOT NULL, version INTEGER NOT NULL,
        account TEXT NOT NULL, region TEXT NOT NULL, schedule_arn TEXT NOT NULL,
        target TEXT NOT NULL, scheduled REAL NOT NULL, execution_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, due REAL NOT NULL, final INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS scheduler_outbox_due ON scheduler_outbox (due)",
)

_SCHEDULE_COLUMNS = (
    "id, account, region, group_name, name, spec, created, modified, version, anchor,"
    " next_fire, next_due"
)


class Group(NamedTuple):
    name: str
    created: float | None
    modified: float | None
    tags: list[dict[str, str]]


class Delivery(NamedTuple):
    """An occurrence waiting in the outbox."""

    id: int
    schedule_id: int
    version: int
    scope: Scope
    schedule_arn: str
    target: dict[str, Any]
    scheduled: float
    execution_id: str
    attempts: int
    final: bool


class Occurrence(NamedTuple):
    """An occurrence about to enter the outbox."""

    scheduled: float
    due: float
    execution_id: str
    final: bool


def _schedule(row: Any) -> StoredSchedule:
    return StoredSchedule(
        row[0], Scope(row[1], row[2]), row[3], row[4], json.loads(row[5]), *row[6:]
    )


def _delivery(row: Any) -> Delivery:
    scope = Scope(row[3], row[4])
    target = json.loads(row[6])
    scheduled, execution_id, attempts = row[7], row[8], row[9]
    return Delivery(
        row[0],
        row[1],
        row[2],
        scope,
        row[5],
        target,
        scheduled,
        execution_id,
        attempts,
        bool(row[10]),
    )


def _outbox_row(schedule: StoredSchedule, target: str, occurrence: Occurrence) -> tuple[Any, ...]:
    return (
        schedule.id,
        schedule.version,
        *schedule.scope,
        schedule.arn,
        target,
        occurrence.scheduled,
        occurrence.execution_id,
        occurrence.due,
        int(occurrence.final),
    )


class SchedulerStore:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("scheduler-1", SCHEMA)

    # -- groups ------------------------------------------------------------------------------
    def _ensure_default(self, scope: Scope) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO scheduler_groups (account, region, name, tags)"
            " VALUES (?, ?, ?, '[]')",
            (*scope, DEFAULT_GROUP),
        )

    def group(self, scope: Scope, name: str) -> Group | None:
        if name == DEFAULT_GROUP:
            self._ensure_default(scope)
        row = self.db.query_one(
            "SELECT name, created, modified, tags FROM scheduler_groups"
            " WHERE account=? AND region=? AND name=?",
            (*scope, name),
        )
        return Group(row[0], row[1], row[2], json.loads(row[3])) if row else None

    def groups(self, scope: Scope, prefix: str, after: str, limit: int) -> list[Group]:
        self._ensure_default(scope)
        rows = self.db.query(
            "SELECT name, created, modified, tags FROM scheduler_groups WHERE account=?"
            " AND region=? AND name>? AND substr(name, 1, ?)=? ORDER BY name LIMIT ?",
            (*scope, after, len(prefix), prefix, limit),
        )
        return [Group(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def create_group(self, scope: Scope, name: str, now: float, tags: list[dict[str, str]]) -> None:
        self.db.execute(
            "INSERT INTO scheduler_groups (account, region, name, created, modified, tags)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (*scope, name, now, now, json.dumps(tags)),
        )

    def set_group_tags(self, scope: Scope, name: str, tags: list[dict[str, str]]) -> None:
        self.db.execute(
            "UPDATE scheduler_groups SET tags=? WHERE account=? AND region=? AND name=?",
            (json.dumps(tags), *scope, name),
        )

    def delete_group(self, scope: Scope, name: str) -> list[int]:
        """Delete a group with its schedules and their pending deliveries; returns the
        ids of the schedules deleted."""
        ids = [
            row[0]
            for row in self.db.query(
                "SELECT id FROM scheduler_schedules WHERE account=? AND region=? AND group_name=?",
                (*scope, name),
            )
        ]
        with self.db.transaction():
            for schedule_id in ids:
                self._delete_schedule(schedule_id)
            self.db.execute(
                "DELETE FROM scheduler_groups WHERE account=? AND region=? AND name=?",
                (*scope, name),
            )
        return ids

    # -- schedules ---------------------------------------------------------------------------
    def schedule(self, scope: Scope, group: str, name: str) -> StoredSchedule | None:
        row = self.db.query_one(
            f"SELECT {_SCHEDULE_COLUMNS} FROM scheduler_schedules"
            " WHERE account=? AND region=? AND group_name=? AND name=?",
            (*scope, group, name),
        )
        return _schedule(row) if row else None

    def schedule_by_id(self, schedule_id: int) -> StoredSchedule | None:
        row = self.db.query_one(
            f"SELECT {_SCHEDULE_COLUMNS} FROM scheduler_schedules WHERE id=?", (schedule_id,)
        )
        return _schedule(row) if row else None

    def schedules(
        self,
        scope: Scope,
        group: str | None,
        prefix: str,
        state: str | None,
        after: tuple[str, str],
        limit: int,
    ) -> list[StoredSchedule]:
        """Schedules in (name, group) order after `after`, filtered as ListSchedules is."""
        sql = (
            f"SELECT {_SCHEDULE_COLUMNS} FROM scheduler_schedules WHERE account=? AND region=?"
            " AND (name, group_name) > (?, ?) AND substr(name, 1, ?)=?"
        )
        params: list[Any] = [*scope, *after, len(prefix), prefix]
        if group is not None:
            sql += " AND group_name=?"
            params.append(group)
        if state is not None:
            sql += " AND json_extract(spec, '$.State')=?"
            params.append(state)
        sql += " ORDER BY name, group_name LIMIT ?"
        params.append(limit)
        return [_schedule(row) for row in self.db.query(sql, params)]

    def pending(self) -> list[tuple[int, int, float]]:
        """(id, version, next_due) of every schedule with an occurrence ahead."""
        rows = self.db.query(
            "SELECT id, version, next_due FROM scheduler_schedules WHERE next_due IS NOT NULL"
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def put_schedule(
        self,
        scope: Scope,
        group: str,
        name: str,
        spec: dict[str, Any],
        now: float,
        anchor: float,
        next_fire: float | None,
        next_due: float | None,
    ) -> StoredSchedule:
        """Create the schedule, or replace its settings (a new version) if it exists."""
        existing = self.schedule(scope, group, name)
        with self.db.transaction():
            if existing is None:
                self.db.insert(
                    "INSERT INTO scheduler_schedules (account, region, group_name, name, spec,"
                    " created, modified, version, anchor, next_fire, next_due)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                    (*scope, group, name, json.dumps(spec), now, now, anchor, next_fire, next_due),
                )
            else:
                self.db.execute(
                    "UPDATE scheduler_schedules SET spec=?, modified=?, version=version+1,"
                    " anchor=?, next_fire=?, next_due=? WHERE id=?",
                    (json.dumps(spec), now, anchor, next_fire, next_due, existing.id),
                )
        stored = self.schedule(scope, group, name)
        assert stored is not None
        return stored

    def delete_schedule(self, schedule_id: int) -> None:
        with self.db.transaction():
            self._delete_schedule(schedule_id)

    def _delete_schedule(self, schedule_id: int) -> None:
        self.db.execute("DELETE FROM scheduler_outbox WHERE schedule_id=?", (schedule_id,))
        self.db.execute("DELETE FROM scheduler_schedules WHERE id=?", (schedule_id,))

    def delete_if_unchanged(self, schedule_id: int, version: int) -> bool:
        """Delete a completed schedule, unless it was updated since (ActionAfterCompletion)."""
        row = self.db.query_one(
            "SELECT version FROM scheduler_schedules WHERE id=?", (schedule_id,)
        )
        if row is None or row[0] != version:
            return False
        self.delete_schedule(schedule_id)
        return True

    def fire(
        self,
        schedule: StoredSchedule,
        occurrences: list[Occurrence],
        next_fire: float | None,
        next_due: float | None,
    ) -> None:
        """Move `occurrences` into the outbox and the schedule on to its next firing."""
        target = json.dumps(schedule.spec["Target"])
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO scheduler_outbox (schedule_id, version, account, region,"
                " schedule_arn, target, scheduled, execution_id, due, final)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_outbox_row(schedule, target, o) for o in occurrences],
            )
            self.db.execute(
                "UPDATE scheduler_schedules SET next_fire=?, next_due=? WHERE id=?",
                (next_fire, next_due, schedule.id),
            )

    # -- the outbox --------------------------------------------------------------------------
    def due_deliveries(self, now: float, limit: int) -> list[Delivery]:
        rows = self.db.query(
            "SELECT id, schedule_id, version, account, region, schedule_arn, target, scheduled,"
            " execution_id, attempts, final FROM scheduler_outbox WHERE due<=?"
            " ORDER BY due, id LIMIT ?",
            (now, limit),
        )
        return [_delivery(row) for row in rows]

    def next_delivery_due(self) -> float | None:
        row = self.db.query_one("SELECT MIN(due) FROM scheduler_outbox")
        return row[0] if row else None

    def retry_later(self, delivery_id: int, attempts: int, due: float) -> None:
        self.db.execute(
            "UPDATE scheduler_outbox SET attempts=?, due=? WHERE id=?",
            (attempts, due, delivery_id),
        )

    def finish(self, delivery_id: int) -> None:
        self.db.execute("DELETE FROM scheduler_outbox WHERE id=?", (delivery_id,))
