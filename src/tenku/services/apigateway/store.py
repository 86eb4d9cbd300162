"""All persistence of API Gateway REST APIs.

A REST API's working copy (its properties, resource tree with methods, integrations and
responses, and its authorizers) is one JSON document, written whole: an API is small,
and one row per API makes every change atomic. Deployments keep the snapshot they took;
stages, API keys, usage plans and their keys are one document each. API ids are unique
across accounts and regions, so the data plane can find an API from its id alone.
Must not: validate requests or shape API answers.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from tenku.core.scope import Scope
from tenku.storage import Storage

Doc = dict[str, Any]

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS apigw_rest_apis (
        api_id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        seq INTEGER NOT NULL, doc TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS apigw_rest_apis_scope ON apigw_rest_apis
        (account, region, seq)""",
    """CREATE TABLE IF NOT EXISTS apigw_deployments (
        api_id TEXT NOT NULL, deployment_id TEXT NOT NULL, seq INTEGER NOT NULL,
        doc TEXT NOT NULL, PRIMARY KEY (api_id, deployment_id))""",
    """CREATE TABLE IF NOT EXISTS apigw_stages (
        api_id TEXT NOT NULL, stage_name TEXT NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (api_id, stage_name))""",
    """CREATE TABLE IF NOT EXISTS apigw_api_keys (
        key_id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        value TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS apigw_api_keys_value ON apigw_api_keys (value)""",
    """CREATE TABLE IF NOT EXISTS apigw_usage_plans (
        plan_id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        seq INTEGER NOT NULL, doc TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS apigw_usage_plan_keys (
        plan_id TEXT NOT NULL, key_id TEXT NOT NULL, PRIMARY KEY (plan_id, key_id))""",
)


class Owned(NamedTuple):
    """A stored document and the scope that owns it."""

    scope: Scope
    doc: Doc


def _dumps(doc: Doc) -> str:
    return json.dumps(doc, separators=(",", ":"))


class ApiGatewayStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        storage.ensure_schema("apigateway-1", SCHEMA)

    def transaction(self) -> Any:
        return self.storage.transaction()

    def _next_seq(self, table: str) -> int:
        row = self.storage.query_one(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}")
        return int(row[0]) if row else 1

    # -- REST APIs -----------------------------------------------------------------------
    def add_api(self, scope: Scope, api_id: str, doc: Doc) -> None:
        self.storage.execute(
            "INSERT INTO apigw_rest_apis (api_id, account, region, seq, doc)"
            " VALUES (?, ?, ?, ?, ?)",
            (api_id, scope.account, scope.region, self._next_seq("apigw_rest_apis"), _dumps(doc)),
        )

    def api(self, api_id: str) -> Owned | None:
        row = self.storage.query_one(
            "SELECT account, region, doc FROM apigw_rest_apis WHERE api_id = ?", (api_id,)
        )
        return Owned(Scope(row[0], row[1]), json.loads(row[2])) if row else None

    def apis(self, scope: Scope) -> list[Doc]:
        rows = self.storage.query(
            "SELECT doc FROM apigw_rest_apis WHERE account = ? AND region = ? ORDER BY seq",
            (scope.account, scope.region),
        )
        return [json.loads(row[0]) for row in rows]

    def save_api(self, api_id: str, doc: Doc) -> None:
        self.storage.execute(
            "UPDATE apigw_rest_apis SET doc = ? WHERE api_id = ?", (_dumps(doc), api_id)
        )

    def delete_api(self, api_id: str) -> None:
        with self.storage.transaction():
            for table in ("apigw_rest_apis", "apigw_deployments", "apigw_stages"):
                self.storage.execute(f"DELETE FROM {table} WHERE api_id = ?", (api_id,))

    # -- deployments ---------------------------------------------------------------------
    def add_deployment(self, api_id: str, deployment_id: str, doc: Doc) -> None:
        self.storage.execute(
            "INSERT INTO apigw_deployments (api_id, deployment_id, seq, doc) VALUES (?, ?, ?, ?)",
            (api_id, deployment_id, self._next_seq("apigw_deployments"), _dumps(doc)),
        )

    def deployment(self, api_id: str, deployment_id: str) -> Doc | None:
        row = self.storage.query_one(
            "SELECT doc FROM apigw_deployments WHERE api_id = ? AND deployment_id = ?",
            (api_id, deployment_id),
        )
        return json.loads(row[0]) if row else None

    def deployments(self, api_id: str) -> list[Doc]:
        rows = self.storage.query(
            "SELECT doc FROM apigw_deployments WHERE api_id = ? ORDER BY seq", (api_id,)
        )
        return [json.loads(row[0]) for row in rows]

    def save_deployment(self, api_id: str, deployment_id: str, doc: Doc) -> None:
        self.storage.execute(
            "UPDATE apigw_deployments SET doc = ? WHERE api_id = ? AND deployment_id = ?",
            (_dumps(doc), api_id, deployment_id),
        )

    def delete_deployment(self, api_id: str, deployment_id: str) -> None:
        self.storage.execute(
            "DELETE FROM apigw_deployments WHERE api_id = ? AND deployment_id = ?",
            (api_id, deployment_id),
        )

    # -- stages --------------------------------------------------------------------------
    def put_stage(self, api_id: str, stage_name: str, doc: Doc) -> None:
        self.storage.execute(
            "INSERT OR REPLACE INTO apigw_stages (api_id, stage_name, doc) VALUES (?, ?, ?)",
            (api_id, stage_name, _dumps(doc)),
        )

    def stage(self, api_id: str, stage_name: str) -> Doc | None:
        row = self.storage.query_one(
            "SELECT doc FROM apigw_stages WHERE api_id = ? AND stage_name = ?",
            (api_id, stage_name),
        )
        return json.loads(row[0]) if row else None

    def stages(self, api_id: str) -> list[Doc]:
        rows = self.storage.query(
            "SELECT doc FROM apigw_stages WHERE api_id = ? ORDER BY stage_name", (api_id,)
        )
        return [json.loads(row[0]) for row in rows]

    def delete_stage(self, api_id: str, stage_name: str) -> None:
        self.storage.execute(
            "DELETE FROM apigw_stages WHERE api_id = ? AND stage_name = ?", (api_id, stage_name)
        )

    # -- API keys ------------------------------------------------------------------------
    def add_key(self, scope: Scope, doc: Doc) -> None:
        self.storage.execute(
            "INSERT INTO apigw_api_keys (key_id, account, region, value, seq, doc)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                doc["id"],
                scope.account,
                scope.region,
                doc["value"],
                self._next_seq("apigw_api_keys"),
                _dumps(doc),
            ),
        )

    def key(self, scope: Scope, key_id: str) -> Doc | None:
        row = self.storage.query_one(
            "SELECT doc FROM apigw_api_keys WHERE key_id = ? AND account = ? AND region = ?",
            (key_id, scope.account, scope.region),
        )
        return json.loads(row[0]) if row else None

    def keys_with_value(self, value: str) -> list[Owned]:
        rows = self.storage.query(
            "SELECT account, region, doc FROM apigw_api_keys WHERE value = ?", (value,)
        )
        return [Owned(Scope(row[0], row[1]), json.loads(row[2])) for row in rows]

    def keys(self, scope: Scope) -> list[Doc]:
        rows = self.storage.query(
            "SELECT doc FROM apigw_api_keys WHERE account = ? AND region = ? ORDER BY seq",
            (scope.account, scope.region),
        )
        return [json.loads(row[0]) for row in rows]

    def save_key(self, doc: Doc) -> None:
        self.storage.execute(
            "UPDATE apigw_api_keys SET doc = ?, value = ? WHERE key_id = ?",
            (_dumps(doc), doc["value"], doc["id"]),
        )

    def delete_key(self, key_id: str) -> None:
        with self.storage.transaction():
            self.storage.execute("DELETE FROM apigw_api_keys WHERE key_id = ?", (key_id,))
            self.storage.execute("DELETE FROM apigw_usage_plan_keys WHERE key_id = ?", (key_id,))

    # -- usage plans ---------------------------------------------------------------------
    def add_plan(self, scope: Scope, doc: Doc) -> None:
        self.storage.execute(
            "INSERT INTO apigw_usage_plans (plan_id, account, region, seq, doc)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                doc["id"],
                scope.account,
                scope.region,
                self._next_seq("apigw_usage_plans"),
                _dumps(doc),
            ),
        )

    def plan(self, scope: Scope, plan_id: str) -> Doc | None:
        row = self.storage.query_one(
            "SELECT doc FROM apigw_usage_plans WHERE plan_id = ? AND account = ? AND region = ?",
            (plan_id, scope.account, scope.region),
        )
        return json.loads(row[0]) if row else None

    def plans(self, scope: Scope) -> list[Doc]:
        rows = self.storage.query(
            "SELECT doc FROM apigw_usage_plans WHERE account = ? AND region = ? ORDER BY seq",
            (scope.account, scope.region),
        )
        return [json.loads(row[0]) for row in rows]

    def save_plan(self, doc: Doc) -> None:
        self.storage.execute(
            "UPDATE apigw_usage_plans SET doc = ? WHERE plan_id = ?", (_dumps(doc), doc["id"])
        )

    def delete_plan(self, plan_id: str) -> None:
        with self.storage.transaction():
            self.storage.execute("DELETE FROM apigw_usage_plans WHERE plan_id = ?", (plan_id,))
            self.storage.execute("DELETE FROM apigw_usage_plan_keys WHERE plan_id = ?", (plan_id,))

    def add_plan_key(self, plan_id: str, key_id: str) -> None:
        self.storage.execute(
            "INSERT OR IGNORE INTO apigw_usage_plan_keys (plan_id, key_id) VALUES (?, ?)",
            (plan_id, key_id),
        )

    def plan_key_ids(self, plan_id: str) -> list[str]:
        rows = self.storage.query(
            "SELECT key_id FROM apigw_usage_plan_keys WHERE plan_id = ? ORDER BY key_id",
            (plan_id,),
        )
        return [str(row[0]) for row in rows]

    def plans_of_key(self, key_id: str) -> list[str]:
        rows = self.storage.query(
            "SELECT plan_id FROM apigw_usage_plan_keys WHERE key_id = ? ORDER BY plan_id",
            (key_id,),
        )
        return [str(row[0]) for row in rows]

    def delete_plan_key(self, plan_id: str, key_id: str) -> None:
        self.storage.execute(
            "DELETE FROM apigw_usage_plan_keys WHERE plan_id = ? AND key_id = ?",
            (plan_id, key_id),
        )
