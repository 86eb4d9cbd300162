"""All persistence of Lambda: functions, their versions ($LATEST included), aliases,
reserved concurrency, tags and the uploaded code zips (as blobs).

A version's configuration is kept as one JSON document: the FunctionConfiguration
output shape plus private keys starting with `_` (the code's hex digest). Everything is
scoped by account and region. Must not: validate requests or build API answers.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS lambda_functions (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        name TEXT NOT NULL, tags TEXT NOT NULL, reserved INTEGER,
        next_version INTEGER NOT NULL DEFAULT 1, created REAL NOT NULL,
        UNIQUE (account, region, name))""",
    """CREATE TABLE IF NOT EXISTS lambda_versions (
        function_id INTEGER NOT NULL, version TEXT NOT NULL, seq INTEGER NOT NULL,
        config TEXT NOT NULL, PRIMARY KEY (function_id, version))""",
    """CREATE TABLE IF NOT EXISTS lambda_event_configs (
        function_id INTEGER NOT NULL, qualifier TEXT NOT NULL, config TEXT NOT NULL,
        PRIMARY KEY (function_id, qualifier))""",
    """CREATE TABLE IF NOT EXISTS lambda_provisioned (
        function_id INTEGER NOT NULL, qualifier TEXT NOT NULL, config TEXT NOT NULL,
        PRIMARY KEY (function_id, qualifier))""",
    """CREATE TABLE IF NOT EXISTS lambda_aliases (
        function_id INTEGER NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL,
        PRIMARY KEY (function_id, name))""",
    # resource-based policies, one document per function qualifier ("" = unqualified)
    """CREATE TABLE IF NOT EXISTS lambda_policies (
        function_id INTEGER NOT NULL, qualifier TEXT NOT NULL, policy TEXT NOT NULL,
        revision TEXT NOT NULL, PRIMARY KEY (function_id, qualifier))""",
    # function URLs: one per function qualifier ($LATEST or an alias), found by url_id
    """CREATE TABLE IF NOT EXISTS lambda_urls (
        function_id INTEGER NOT NULL, qualifier TEXT NOT NULL, url_id TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL, PRIMARY KEY (function_id, qualifier))""",
)

LATEST = "$LATEST"


class FunctionRow(NamedTuple):
    id: int
    scope: Scope
    name: str
    tags: dict[str, str]
    reserved: int | None
    next_version: int


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _function(row: Any) -> FunctionRow:
    fid, account, region, name, tags, reserved, next_version = row
    return FunctionRow(fid, Scope(account, region), name, json.loads(tags), reserved, next_version)


_FUNCTION_COLUMNS = "id, account, region, name, tags, reserved, next_version"


class LambdaStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        storage.ensure_schema("lambda-4", SCHEMA)

    def transaction(self) -> Any:
        return self.storage.transaction()

    # -- functions ---------------------------------------------------------------------------
    def create_function(
        self, scope: Scope, name: str, tags: dict[str, str], latest: dict[str, Any], now: float
    ) -> int:
        with self.storage.transaction():
            fid = self.storage.insert(
                "INSERT INTO lambda_functions (account, region, name, tags, created)"
                " VALUES (?, ?, ?, ?, ?)",
                (scope.account, scope.region, name, _dumps(tags), now),
            )
            self.storage.execute(
                "INSERT INTO lambda_versions (function_id, version, seq, config)"
                " VALUES (?, ?, 0, ?)",
                (fid, LATEST, _dumps(latest)),
            )
        return fid

    def function(self, scope: Scope, name: str) -> FunctionRow | None:
        row = self.storage.query_one(
            f"SELECT {_FUNCTION_COLUMNS} FROM lambda_functions"
            " WHERE account = ? AND region = ? AND name = ?",
            (scope.account, scope.region, name),
        )
        return _function(row) if row else None

    def function_by_id(self, fid: int) -> FunctionRow | None:
        row = self.storage.query_one(
            f"SELECT {_FUNCTION_COLUMNS} FROM lambda_functions WHERE id = ?", (fid,)
        )
        return _function(row) if row else None

    def functions(self, scope: Scope) -> list[FunctionRow]:
        rows = self.storage.query(
            f"SELECT {_FUNCTION_COLUMNS} FROM lambda_functions"
            " WHERE account = ? AND region = ? ORDER BY name",
            (scope.account, scope.region),
        )
        return [_function(row) for row in rows]

    def delete_function(self, fid: int) -> None:
        with self.storage.transaction():
            for table in (
                "lambda_aliases",
                "lambda_versions",
                "lambda_event_configs",
                "lambda_provisioned",
                "lambda_policies",
                "lambda_urls",
            ):
                self.storage.execute(f"DELETE FROM {table} WHERE function_id = ?", (fid,))
            self.storage.execute("DELETE FROM lambda_functions WHERE id = ?", (fid,))

    def set_tags(self, fid: int, tags: dict[str, str]) -> None:
        self.storage.execute(
            "UPDATE lambda_functions SET tags = ? WHERE id = ?", (_dumps(tags), fid)
        )

    def set_reserved(self, fid: int, reserved: int | None) -> None:
        self.storage.execute(
            "UPDATE lambda_functions SET reserved = ? WHERE id = ?", (reserved, fid)
        )

    def reserved_total(self, scope: Scope, excluding: int) -> int:
        row = self.storage.query_one(
            "SELECT COALESCE(SUM(reserved), 0) FROM lambda_functions"
            " WHERE account = ? AND region = ? AND id != ?",
            (scope.account, scope.region, excluding),
        )
        return int(row[0]) if row else 0

    # -- versions ----------------------------------------------------------------------------
    def version(self, fid: int, version: str) -> dict[str, Any] | None:
        row = self.storage.query_one(
            "SELECT config FROM lambda_versions WHERE function_id = ? AND version = ?",
            (fid, version),
        )
        return json.loads(row[0]) if row else None

    def versions(self, fid: int) -> list[dict[str, Any]]:
        rows = self.storage.query(
            "SELECT config FROM lambda_versions WHERE function_id = ? ORDER BY seq", (fid,)
        )
        return [json.loads(row[0]) for row in rows]

    def save_latest(self, fid: int, config: dict[str, Any]) -> None:
        self.storage.execute(
            "UPDATE lambda_versions SET config = ? WHERE function_id = ? AND version = ?",
            (_dumps(config), fid, LATEST),
        )

    def add_version(self, fid: int, number: int, config: dict[str, Any]) -> None:
        with self.storage.transaction():
            self.storage.execute(
                "INSERT INTO lambda_versions (function_id, version, seq, config)"
                " VALUES (?, ?, ?, ?)",
                (fid, str(number), number, _dumps(config)),
            )
            self.storage.execute(
                "UPDATE lambda_functions SET next_version = ? WHERE id = ?", (number + 1, fid)
            )

    def delete_version(self, fid: int, version: str) -> None:
        with self.storage.transaction():
            self.storage.execute(
                "DELETE FROM lambda_versions WHERE function_id = ? AND version = ?", (fid, version)
            )
            self.delete_policy(fid, version)

    def code_in_use(self, fid: int, sha_hex: str) -> bool:
        return any(v.get("_CodeHex") == sha_hex for v in self.versions(fid))

    # -- aliases -----------------------------------------------------------------------------
    def alias(self, fid: int, name: str) -> dict[str, Any] | None:
        row = self.storage.query_one(
            "SELECT config FROM lambda_aliases WHERE function_id = ? AND name = ?", (fid, name)
        )
        return json.loads(row[0]) if row else None

    def aliases(self, fid: int) -> list[dict[str, Any]]:
        rows = self.storage.query(
            "SELECT config FROM lambda_aliases WHERE function_id = ? ORDER BY name", (fid,)
        )
        return [json.loads(row[0]) for row in rows]

    def put_alias(self, fid: int, name: str, config: dict[str, Any]) -> None:
        self.storage.execute(
            "INSERT INTO lambda_aliases (function_id, name, config) VALUES (?, ?, ?)"
            " ON CONFLICT (function_id, name) DO UPDATE SET config = excluded.config",
            (fid, name, _dumps(config)),
        )

    def delete_alias(self, fid: int, name: str) -> None:
        with self.storage.transaction():
            self.storage.execute(
                "DELETE FROM lambda_aliases WHERE function_id = ? AND name = ?", (fid, name)
            )
            self.delete_policy(fid, name)  # an alias takes its policy and URL with it
            self.delete_url_config(fid, name)

    # -- code --------------------------------------------------------------------------------
    @staticmethod
    def code_key(scope: Scope, name: str, sha_hex: str) -> str:
        return f"lambda/code/{scope.account}/{scope.region}/{name}/{sha_hex}.zip"

    def put_code(self, scope: Scope, name: str, sha_hex: str, data: bytes) -> None:
        self.storage.put_blob(self.code_key(scope, name, sha_hex), data)

    def get_code(self, scope: Scope, name: str, sha_hex: str) -> bytes | None:
        return self.storage.get_blob(self.code_key(scope, name, sha_hex))

    def delete_code(self, scope: Scope, name: str, sha_hex: str) -> None:
        self.storage.delete_blob(self.code_key(scope, name, sha_hex))

    def totals(self, scope: Scope) -> tuple[int, int]:
        """(function count, total code size) of a scope."""
        count = 0
        size = 0
        for fn in self.functions(scope):
            count += 1
            seen: set[str] = set()
            for config in self.versions(fn.id):
                if config.get("_CodeHex") not in seen:
                    seen.add(str(config.get("_CodeHex")))
                    size += int(config.get("CodeSize", 0))
        return count, size

    # -- per-qualifier settings: event invoke configs and provisioned concurrency -------
    def qualifier_setting(self, table: str, fid: int, qualifier: str) -> dict[str, Any] | None:
        row = self.storage.query_one(
            f"SELECT config FROM {table} WHERE function_id = ? AND qualifier = ?", (fid, qualifier)
        )
        return json.loads(row[0]) if row else None

    def qualifier_settings(
        self, table: str, fid: int | None = None
    ) -> list[tuple[int, str, dict[str, Any]]]:
        sql = f"SELECT function_id, qualifier, config FROM {table}"
        rows = (
            self.storage.query(sql + " WHERE function_id = ? ORDER BY qualifier", (fid,))
            if fid is not None
            else self.storage.query(sql)
        )
        return [(row[0], row[1], json.loads(row[2])) for row in rows]

    def put_qualifier_setting(
        self, table: str, fid: int, qualifier: str, config: dict[str, Any]
    ) -> None:
        self.storage.execute(
            f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?)", (fid, qualifier, _dumps(config))
        )

    def delete_qualifier_setting(self, table: str, fid: int, qualifier: str) -> None:
        self.storage.execute(
            f"DELETE FROM {table} WHERE function_id = ? AND qualifier = ?", (fid, qualifier)
        )

    # -- event invoke configs ------------------------------------------------------------
    def event_config(self, fid: int, qualifier: str) -> dict[str, Any] | None:
        return self.qualifier_setting("lambda_event_configs", fid, qualifier)

    def event_configs(self, fid: int) -> list[dict[str, Any]]:
        return [c for _, _, c in self.qualifier_settings("lambda_event_configs", fid)]

    def put_event_config(self, fid: int, qualifier: str, config: dict[str, Any]) -> None:
        self.put_qualifier_setting("lambda_event_configs", fid, qualifier, config)

    def delete_event_config(self, fid: int, qualifier: str) -> None:
        self.delete_qualifier_setting("lambda_event_configs", fid, qualifier)

    # -- resource-based policies ---------------------------------------------------------
    def policy(self, fid: int, qualifier: str) -> tuple[dict[str, Any], str] | None:
        """(policy document, revision id) of a function qualifier ("" = unqualified)."""
        row = self.storage.query_one(
            "SELECT policy, revision FROM lambda_policies WHERE function_id = ? AND qualifier = ?",
            (fid, qualifier),
        )
        return (json.loads(row[0]), str(row[1])) if row else None

    def put_policy(self, fid: int, qualifier: str, policy: dict[str, Any], revision: str) -> None:
        self.storage.execute(
            "INSERT OR REPLACE INTO lambda_policies VALUES (?, ?, ?, ?)",
            (fid, qualifier, json.dumps(policy, separators=(",", ":")), revision),
        )

    def delete_policy(self, fid: int, qualifier: str) -> None:
        self.storage.execute(
            "DELETE FROM lambda_policies WHERE function_id = ? AND qualifier = ?", (fid, qualifier)
        )

    # -- function URLs -------------------------------------------------------------------
    def url_config(self, fid: int, qualifier: str) -> tuple[str, dict[str, Any]] | None:
        """(url id, config) of a function qualifier's URL."""
        row = self.storage.query_one(
            "SELECT url_id, config FROM lambda_urls WHERE function_id = ? AND qualifier = ?",
            (fid, qualifier),
        )
        return (str(row[0]), json.loads(row[1])) if row else None

    def url_configs(self, fid: int) -> list[tuple[str, str, dict[str, Any]]]:
        """(qualifier, url id, config) of every URL of a function."""
        rows = self.storage.query(
            "SELECT qualifier, url_id, config FROM lambda_urls WHERE function_id = ?"
            " ORDER BY qualifier",
            (fid,),
        )
        return [(str(row[0]), str(row[1]), json.loads(row[2])) for row in rows]

    def url_by_id(self, url_id: str) -> tuple[int, str, dict[str, Any]] | None:
        """(function id, qualifier, config) of the URL with this id."""
        row = self.storage.query_one(
            "SELECT function_id, qualifier, config FROM lambda_urls WHERE url_id = ?", (url_id,)
        )
        return (int(row[0]), str(row[1]), json.loads(row[2])) if row else None

    def put_url_config(self, fid: int, qualifier: str, url_id: str, config: dict[str, Any]) -> None:
        self.storage.execute(
            "INSERT OR REPLACE INTO lambda_urls VALUES (?, ?, ?, ?)",
            (fid, qualifier, url_id, _dumps(config)),
        )

    def delete_url_config(self, fid: int, qualifier: str) -> None:
        self.storage.execute(
            "DELETE FROM lambda_urls WHERE function_id = ? AND qualifier = ?", (fid, qualifier)
        )
