"""All persistence of Lambda: functions, their versions ($LATEST included), aliases,
reserved concurrency, tags, layers and their versions (with their permission policies)
and the uploaded code and layer zips (as blobs).

A version's configuration is kept as one JSON document: the FunctionConfiguration
output shape plus private keys starting with `_` (the code's hex digest). Everything is
scoped by account and region. Must not: validate requests or build API answers.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any, NamedTuple, cast

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
    """CREATE TABLE IF NOT EXISTS lambda_layers (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        name TEXT NOT NULL, next_version INTEGER NOT NULL DEFAULT 1,
        UNIQUE (account, region, name))""",
    """CREATE TABLE IF NOT EXISTS lambda_layer_versions (
        layer_id INTEGER NOT NULL, version INTEGER NOT NULL, config TEXT NOT NULL,
        policy TEXT, deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (layer_id, version))""",
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


class _CountedWrites:
    """The storage, seen through a counter of writes and transactions, so callers can
    cache what they read and know when it may have changed (`LambdaStore.generation`).
    A transaction bumps it again when it ends, so nothing read inside one that rolls
    back outlives it."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self.writes = 0

    def execute(self, sql: str, params: Any = ()) -> int:
        self.writes += 1
        return self._storage.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> None:
        self.writes += 1
        self._storage.executemany(sql, rows)

    def insert(self, sql: str, params: Any = ()) -> int:
        self.writes += 1
        return self._storage.insert(sql, params)

    def put_blob(self, key: str, data: bytes) -> None:
        self.writes += 1
        self._storage.put_blob(key, data)

    def delete_blob(self, key: str) -> None:
        self.writes += 1
        self._storage.delete_blob(key)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.writes += 1
        try:
            with self._storage.transaction():
                yield
        finally:
            self.writes += 1

    def __getattr__(self, name: str) -> Any:  # reads go straight through
        return getattr(self._storage, name)


class LambdaStore:
    def __init__(self, storage: Storage) -> None:
        self._counted = _CountedWrites(storage)
        self.storage = cast(Storage, self._counted)
        storage.ensure_schema("lambda-5", SCHEMA)

    @property
    def generation(self) -> int:
        """Changes whenever anything in the Lambda tables may have changed."""
        return self._counted.writes

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

    # -- layers ------------------------------------------------------------------------------
    # A deleted layer version that functions still use stays as a row marked `deleted`
    # (Lambda keeps a copy for them); it is invisible to the layer API.
    def add_layer_version(self, scope: Scope, name: str, config: dict[str, Any]) -> int:
        """Store a new version of layer `name` (created on first use); returns its number.
        Numbers only grow: a deleted version's number is never handed out again."""
        with self.storage.transaction():
            self.storage.execute(
                "INSERT INTO lambda_layers (account, region, name) VALUES (?, ?, ?)"
                " ON CONFLICT (account, region, name) DO NOTHING",
                (scope.account, scope.region, name),
            )
            row = self.storage.query_one(
                "SELECT id, next_version FROM lambda_layers"
                " WHERE account = ? AND region = ? AND name = ?",
                (scope.account, scope.region, name),
            )
            assert row is not None
            lid, number = int(row[0]), int(row[1])
            self.storage.execute(
                "INSERT INTO lambda_layer_versions (layer_id, version, config) VALUES (?, ?, ?)",
                (lid, number, _dumps({**config, "Version": number})),
            )
            self.storage.execute(
                "UPDATE lambda_layers SET next_version = ? WHERE id = ?", (number + 1, lid)
            )
        return number

    _LAYER_VERSION = (
        " FROM lambda_layer_versions v JOIN lambda_layers l ON l.id = v.layer_id"
        " WHERE l.account = ? AND l.region = ? AND l.name = ? AND v.version = ?"
    )
    _THE_LAYER = (
        " WHERE version = ? AND layer_id IN"
        " (SELECT id FROM lambda_layers WHERE account = ? AND region = ? AND name = ?)"
    )

    def layer_version(
        self, scope: Scope, name: str, version: int, *, deleted: bool = False
    ) -> dict[str, Any] | None:
        """A layer version's document; `deleted=True` also finds one kept for its users."""
        row = self.storage.query_one(
            "SELECT v.config, v.deleted" + self._LAYER_VERSION,
            (scope.account, scope.region, name, version),
        )
        if row is None or (row[1] and not deleted):
            return None
        return dict(json.loads(row[0]))

    def layer_versions(self, scope: Scope, name: str | None = None) -> list[dict[str, Any]]:
        """Live versions of one layer (or of every layer): by layer name, newest first."""
        sql = (
            "SELECT v.config FROM lambda_layer_versions v JOIN lambda_layers l"
            " ON l.id = v.layer_id WHERE l.account = ? AND l.region = ? AND v.deleted = 0"
        )
        params: tuple[Any, ...] = (scope.account, scope.region)
        if name is not None:
            sql += " AND l.name = ?"
            params += (name,)
        rows = self.storage.query(sql + " ORDER BY l.name, v.version DESC", params)
        return [json.loads(row[0]) for row in rows]

    def delete_layer_version(self, scope: Scope, name: str, version: int, *, keep: bool) -> None:
        """Forget a layer version; `keep` leaves it (hidden) for the functions using it."""
        sql = (
            "UPDATE lambda_layer_versions SET deleted = 1, policy = NULL"
            if keep
            else ("DELETE FROM lambda_layer_versions")
        )
        self.storage.execute(sql + self._THE_LAYER, (version, scope.account, scope.region, name))

    def layer_policy(self, scope: Scope, name: str, version: int) -> dict[str, Any] | None:
        row = self.storage.query_one(
            "SELECT v.policy" + self._LAYER_VERSION, (scope.account, scope.region, name, version)
        )
        return dict(json.loads(row[0])) if row and row[0] else None

    def set_layer_policy(
        self, scope: Scope, name: str, version: int, policy: dict[str, Any] | None
    ) -> None:
        self.storage.execute(
            "UPDATE lambda_layer_versions SET policy = ?" + self._THE_LAYER,
            (_dumps(policy) if policy else None, version, scope.account, scope.region, name),
        )

    def layer_in_use(self, layer_version_arn: str) -> bool:
        """Whether any function version (of any scope) lists this layer version."""
        row = self.storage.query_one(
            "SELECT 1 FROM lambda_versions WHERE instr(config, ?) > 0 LIMIT 1",
            (_dumps(layer_version_arn),),
        )
        return row is not None

    @staticmethod
    def layer_key(scope: Scope, name: str, version: int) -> str:
        return f"lambda/layers/{scope.account}/{scope.region}/{name}/{version}.zip"

    def put_layer_zip(self, scope: Scope, name: str, version: int, data: bytes) -> None:
        self.storage.put_blob(self.layer_key(scope, name, version), data)

    def get_layer_zip(self, scope: Scope, name: str, version: int) -> bytes | None:
        return self.storage.get_blob(self.layer_key(scope, name, version))

    def delete_layer_zip(self, scope: Scope, name: str, version: int) -> None:
        self.storage.delete_blob(self.layer_key(scope, name, version))

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
