"""All persistence of API Gateway V2: APIs and their children (routes, integrations,
integration responses, authorizers, stages, deployments with their snapshots).

Each thing is one JSON document: the output shape AWS returns plus private keys starting
with `_`. API ids are unique across accounts and regions (as in AWS, where they name a
host), so every lookup is by API id through the primary key; the scope is kept to check
that the caller may see it. `seq` orders listings and carries pagination.
Every write calls `on_change(api_id)` so that readers caching what they read (the data
plane's served snapshots) drop it. Must not: validate requests or build API answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.storage import Storage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS apigwv2_apis (
        seq INTEGER PRIMARY KEY, api_id TEXT NOT NULL UNIQUE, account TEXT NOT NULL,
        region TEXT NOT NULL, doc TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS apigwv2_apis_scope ON apigwv2_apis (account, region, seq)",
    # kind: route, integration, intresp, authorizer, stage, deployment
    """CREATE TABLE IF NOT EXISTS apigwv2_children (
        api_id TEXT NOT NULL, kind TEXT NOT NULL, child_id TEXT NOT NULL,
        seq INTEGER NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (api_id, kind, child_id))""",
    "CREATE INDEX IF NOT EXISTS apigwv2_children_seq ON apigwv2_children (api_id, kind, seq)",
)


class ApiRow(NamedTuple):
    api_id: str
    scope: Scope
    doc: dict[str, Any]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


class ApiGatewayV2Store:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        storage.ensure_schema("apigatewayv2-1", SCHEMA)
        self.on_change: Callable[[str], None] = lambda _api_id: None

    def transaction(self) -> Any:
        return self.storage.transaction()

    # -- APIs --------------------------------------------------------------------------
    def create_api(self, scope: Scope, api_id: str, doc: dict[str, Any]) -> None:
        self.storage.execute(
            "INSERT INTO apigwv2_apis (api_id, account, region, doc) VALUES (?, ?, ?, ?)",
            (api_id, scope.account, scope.region, _dumps(doc)),
        )
        self.on_change(api_id)

    def api(self, api_id: str) -> ApiRow | None:
        row = self.storage.query_one(
            "SELECT account, region, doc FROM apigwv2_apis WHERE api_id = ?", (api_id,)
        )
        return ApiRow(api_id, Scope(row[0], row[1]), json.loads(row[2])) if row else None

    def api_exists(self, api_id: str) -> bool:
        return (
            self.storage.query_one("SELECT 1 FROM apigwv2_apis WHERE api_id = ?", (api_id,))
            is not None
        )

    def apis_page(self, scope: Scope, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        rows = self.storage.query(
            "SELECT seq, doc FROM apigwv2_apis WHERE account = ? AND region = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (scope.account, scope.region, after, limit),
        )
        return [(int(seq), json.loads(doc)) for seq, doc in rows]

    def save_api(self, api_id: str, doc: dict[str, Any]) -> None:
        self.storage.execute(
            "UPDATE apigwv2_apis SET doc = ? WHERE api_id = ?", (_dumps(doc), api_id)
        )
        self.on_change(api_id)

    def delete_api(self, api_id: str) -> None:
        with self.storage.transaction():
            self.storage.execute("DELETE FROM apigwv2_children WHERE api_id = ?", (api_id,))
            self.storage.execute("DELETE FROM apigwv2_apis WHERE api_id = ?", (api_id,))
        self.on_change(api_id)

    # -- children ------------------------------------------------------------------------
    def put_child(self, api_id: str, kind: str, child_id: str, doc: dict[str, Any]) -> None:
        """Insert a child (last in order) or replace its document (keeping its place)."""
        self.storage.execute(
            "INSERT INTO apigwv2_children (api_id, kind, child_id, seq, doc) VALUES"
            " (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM apigwv2_children"
            " WHERE api_id = ? AND kind = ?), ?)"
            " ON CONFLICT (api_id, kind, child_id) DO UPDATE SET doc = excluded.doc",
            (api_id, kind, child_id, api_id, kind, _dumps(doc)),
        )
        self.on_change(api_id)

    def child(self, api_id: str, kind: str, child_id: str) -> dict[str, Any] | None:
        row = self.storage.query_one(
            "SELECT doc FROM apigwv2_children WHERE api_id = ? AND kind = ? AND child_id = ?",
            (api_id, kind, child_id),
        )
        return dict(json.loads(row[0])) if row else None

    def children(self, api_id: str, kind: str) -> list[dict[str, Any]]:
        rows = self.storage.query(
            "SELECT doc FROM apigwv2_children WHERE api_id = ? AND kind = ? ORDER BY seq",
            (api_id, kind),
        )
        return [json.loads(row[0]) for row in rows]

    def children_page(
        self, api_id: str, kind: str, after: int, limit: int
    ) -> list[tuple[int, dict[str, Any]]]:
        rows = self.storage.query(
            "SELECT seq, doc FROM apigwv2_children WHERE api_id = ? AND kind = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (api_id, kind, after, limit),
        )
        return [(int(seq), json.loads(doc)) for seq, doc in rows]

    def delete_child(self, api_id: str, kind: str, child_id: str) -> None:
        self.storage.execute(
            "DELETE FROM apigwv2_children WHERE api_id = ? AND kind = ? AND child_id = ?",
            (api_id, kind, child_id),
        )
        self.on_change(api_id)

    def delete_children(self, api_id: str, kind: str) -> None:
        self.storage.execute(
            "DELETE FROM apigwv2_children WHERE api_id = ? AND kind = ?", (api_id, kind)
        )
        self.on_change(api_id)
