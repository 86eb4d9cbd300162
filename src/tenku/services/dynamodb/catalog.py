"""The table catalog: every table's parsed `Table`, cached in memory and loaded from the
store on a miss, plus the state the operation mixins share (`ProviderBase`).

The cache is the hot path's only table lookup; every table change goes through
`Catalog.save`/`Catalog.forget`, so the cache never goes stale within this process.
Must not: hold items or build responses.
"""

from __future__ import annotations

from typing import Any

from tenku.core.clock import Clock
from tenku.core.errors import ServiceError
from tenku.core.events import EventBus
from tenku.core.scope import Scope
from tenku.services.dynamodb.items import Writer, not_found
from tenku.services.dynamodb.store import DynamoStore
from tenku.services.dynamodb.tables import Table, check_table_name


class Catalog:
    def __init__(self, store: DynamoStore) -> None:
        self.store = store
        self._tables: dict[tuple[str, str, str], Table] = {}

    def find(self, scope: Scope, name: str) -> Table | None:
        key = (scope.account, scope.region, name)
        table = self._tables.get(key)
        if table is None:
            loaded = self.store.load_table(scope.account, scope.region, name)
            if loaded is None:
                return None
            table = self._tables[key] = Table(
                loaded[0], scope.account, scope.region, name, loaded[1]
            )
        return table

    def get(self, scope: Scope, name: str | None) -> Table:
        """The table (by name or table ARN), or ResourceNotFoundException "Requested
        resource not found"."""
        name = name or ""
        if name.startswith("arn:"):
            prefix = f"arn:aws:dynamodb:{scope.region}:{scope.account}:table/"
            if not name.startswith(prefix):
                raise not_found()
            name = name[len(prefix) :]
        table = self.find(scope, name)
        if table is None:
            check_table_name(name)  # a malformed name is a ValidationException
            raise not_found()
        return table

    def get_described(self, scope: Scope, name: str) -> Table:
        """The table, or the control-plane flavour of ResourceNotFoundException."""
        table = self.find(scope, name)
        if table is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Requested resource not found: Table: {name} not found",
                400,
            )
        return table

    def by_arn(self, scope: Scope, arn: str) -> Table:
        prefix = f"arn:aws:dynamodb:{scope.region}:{scope.account}:table/"
        if not arn.startswith(prefix):
            raise ServiceError(
                "ResourceNotFoundException",
                f"Requested resource not found: ResourcArn: {arn} not found",
                400,
            )
        name = arn[len(prefix) :].split("/", 1)[0]
        table = self.find(scope, name)
        if table is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"Requested resource not found: ResourcArn: {arn} not found",
                400,
            )
        return table

    def save(self, table: Table, spec: dict[str, Any]) -> Table:
        """Store a changed spec; returns the new cached `Table`."""
        self.store.save_table(table.id, spec)
        fresh = Table(table.id, table.account, table.region, table.name, spec)
        self._tables[(table.account, table.region, table.name)] = fresh
        return fresh

    def add(self, table: Table) -> None:
        self._tables[(table.account, table.region, table.name)] = table

    def forget(self, table: Table) -> None:
        self._tables.pop((table.account, table.region, table.name), None)


class ProviderBase:
    """What every operation mixin of the provider shares."""

    store: DynamoStore
    catalog: Catalog
    writer: Writer
    clock: Clock
    bus: EventBus

    def now_ms(self) -> int:
        return int(self.clock.now() * 1000)
