"""All persistence of Parameter Store: parameters, their versions (with labels) and tags.

A parameter is one row in `ssm_parameters` (name and tags) and one row per kept version
in `ssm_versions`; the current version is the highest. Scoped by account and region.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS ssm_parameters (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        name TEXT NOT NULL, tags TEXT NOT NULL, UNIQUE (account, region, name))""",
    """CREATE TABLE IF NOT EXISTS ssm_versions (
        parameter_id INTEGER NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
        value TEXT NOT NULL, key_id TEXT, description TEXT, allowed_pattern TEXT,
        tier TEXT NOT NULL, policies TEXT, data_type TEXT NOT NULL,
        modified REAL NOT NULL, user TEXT NOT NULL, labels TEXT NOT NULL,
        PRIMARY KEY (parameter_id, version))""",
)


class Version(NamedTuple):
    """One version of a parameter, with the parameter's name and id."""

    parameter_id: int
    name: str
    version: int
    type: str
    value: str
    key_id: str | None
    description: str | None
    allowed_pattern: str | None
    tier: str
    policies: str | None
    data_type: str
    modified: float
    user: str
    labels: list[str]


class NewVersion(NamedTuple):
    type: str
    value: str
    key_id: str | None
    description: str | None
    allowed_pattern: str | None
    tier: str
    policies: str | None
    data_type: str
    modified: float
    user: str


_COLS = (
    "p.id, p.name, v.version, v.type, v.value, v.key_id, v.description, v.allowed_pattern,"
    " v.tier, v.policies, v.data_type, v.modified, v.user, v.labels"
)
_LATEST = (
    f"SELECT {_COLS} FROM ssm_parameters p JOIN ssm_versions v ON v.parameter_id = p.id"
    " AND v.version = (SELECT MAX(version) FROM ssm_versions WHERE parameter_id = p.id)"
)


def _version(row: Any) -> Version:
    return Version._make((*row[:13], json.loads(row[13])))


class SsmStore:
    def __init__(self, storage: Storage) -> None:
        self.db = storage
        storage.ensure_schema("ssm-1", SCHEMA)

    def latest(self, scope: Scope, name: str) -> Version | None:
        row = self.db.query_one(
            f"{_LATEST} WHERE p.account=? AND p.region=? AND p.name=?", (*scope, name)
        )
        return _version(row) if row else None

    def versions(self, parameter_id: int, after: int, limit: int) -> list[Version]:
        rows = self.db.query(
            f"SELECT {_COLS} FROM ssm_parameters p JOIN ssm_versions v ON v.parameter_id = p.id"
            " WHERE p.id=? AND v.version>? ORDER BY v.version LIMIT ?",
            (parameter_id, after, limit),
        )
        return [_version(r) for r in rows]

    def version_count(self, parameter_id: int) -> tuple[int, int]:
        """(how many versions are kept, the oldest one)."""
        row = self.db.query_one(
            "SELECT COUNT(*), MIN(version) FROM ssm_versions WHERE parameter_id=?",
            (parameter_id,),
        )
        return (int(row[0]), int(row[1] or 0)) if row else (0, 0)

    def page(self, scope: Scope, prefix: str, after: str, limit: int) -> list[Version]:
        """Current versions of parameters named `prefix...`, by name, after `after`."""
        rows = self.db.query(
            f"{_LATEST} WHERE p.account=? AND p.region=? AND p.name>? AND substr(p.name, 1, ?)=?"
            " ORDER BY p.name LIMIT ?",
            (*scope, after, len(prefix), prefix, limit),
        )
        return [_version(r) for r in rows]

    def create(self, scope: Scope, name: str, tags: dict[str, str], first: NewVersion) -> int:
        with self.db.transaction():
            parameter_id = self.db.insert(
                "INSERT INTO ssm_parameters (account, region, name, tags) VALUES (?, ?, ?, ?)",
                (*scope, name, json.dumps(tags)),
            )
            self._add(parameter_id, 1, first)
        return 1

    def add_version(self, current: Version, new: NewVersion, drop_oldest: int | None) -> int:
        number = current.version + 1
        with self.db.transaction():
            if drop_oldest is not None:
                self.db.execute(
                    "DELETE FROM ssm_versions WHERE parameter_id=? AND version=?",
                    (current.parameter_id, drop_oldest),
                )
            self._add(current.parameter_id, number, new)
        return number

    def _add(self, parameter_id: int, number: int, new: NewVersion) -> None:
        self.db.execute(
            "INSERT INTO ssm_versions (parameter_id, version, type, value, key_id, description,"
            " allowed_pattern, tier, policies, data_type, modified, user, labels)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]')",
            (parameter_id, number, *new),
        )

    def delete(self, parameter_id: int) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM ssm_versions WHERE parameter_id=?", (parameter_id,))
            self.db.execute("DELETE FROM ssm_parameters WHERE id=?", (parameter_id,))

    def set_labels(self, parameter_id: int, changes: dict[int, list[str]]) -> None:
        with self.db.transaction():
            for number, labels in changes.items():
                self.db.execute(
                    "UPDATE ssm_versions SET labels=? WHERE parameter_id=? AND version=?",
                    (json.dumps(labels), parameter_id, number),
                )

    def tags(self, parameter_id: int) -> dict[str, str]:
        row = self.db.query_one("SELECT tags FROM ssm_parameters WHERE id=?", (parameter_id,))
        return dict(json.loads(row[0])) if row else {}

    def set_tags(self, parameter_id: int, tags: dict[str, str]) -> None:
        self.db.execute(
            "UPDATE ssm_parameters SET tags=? WHERE id=?", (json.dumps(tags), parameter_id)
        )
