"""The control-plane operations: CreateTable, DescribeTable, ListTables, UpdateTable
(billing, GSIs with backfill, streams), DeleteTable, limits and endpoints, tags, TTL
and continuous-backup settings. Tables are ACTIVE at once.

Must not: read or write items except to backfill a new index or count a table.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.dynamodb import streams, tables
from tenku.services.dynamodb.catalog import ProviderBase
from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.items import index_entry
from tenku.services.dynamodb.store import decode_item
from tenku.services.dynamodb.tables import Table

_INVALID = "One or more parameter values were invalid: "


def _in_use(message: str) -> ServiceError:
    return ServiceError("ResourceInUseException", message, 400)


def _check_stream(spec: dict[str, Any] | None) -> None:
    if spec and spec.get("StreamEnabled") and not spec.get("StreamViewType"):
        raise validation(f"{_INVALID}You must specify a StreamViewType when enabling a stream")


class TableOperations(ProviderBase):
    def _describe(self, table: Table, status: str = "ACTIVE") -> dict[str, Any]:
        stats = self.store.table_stats(table.id)
        index_stats = {
            name: self.store.index_stats(table.id, index.id)
            for name, index in table.indexes.items()
        }
        return tables.describe_table(table, stats, index_stats, status)

    def create_table(
        self,
        ctx: RequestContext,
        table_name: str,
        attribute_definitions: list[dict[str, str]],
        key_schema: list[dict[str, str]],
        local_secondary_indexes: list[dict[str, Any]] | None = None,
        global_secondary_indexes: list[dict[str, Any]] | None = None,
        billing_mode: str | None = None,
        provisioned_throughput: dict[str, Any] | None = None,
        stream_specification: dict[str, Any] | None = None,
        sse_specification: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
        table_class: str | None = None,
        deletion_protection_enabled: bool | None = None,
        on_demand_throughput: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        billing = billing_mode or "PROVISIONED"
        tables.check_table_name(table_name, lengths=False)
        tables.check_table_key_schema(key_schema)
        gsis = copy.deepcopy(global_secondary_indexes or [])
        lsis = copy.deepcopy(local_secondary_indexes or [])
        tables.check_definitions(
            attribute_definitions, key_schema, [i["KeySchema"] for i in [*gsis, *lsis]]
        )
        tables.check_throughput(billing, provisioned_throughput)
        tables.check_indexes(key_schema, gsis, lsis, billing)
        _check_stream(stream_specification)
        scope = ctx.scope
        if self.catalog.find(scope, table_name) is not None:
            raise _in_use(f"Table already exists: {table_name}")
        spec: dict[str, Any] = {
            "AttributeDefinitions": attribute_definitions,
            "KeySchema": key_schema,
            "BillingMode": billing,
            "CreationDateTime": self.clock.now(),
            "TableId": str(uuid.uuid4()),
            "Tags": list(tags or []),
        }
        if provisioned_throughput:
            spec["ProvisionedThroughput"] = provisioned_throughput
        if on_demand_throughput:
            spec["OnDemandThroughput"] = on_demand_throughput
        if stream_specification and stream_specification.get("StreamEnabled"):
            spec["StreamSpecification"] = stream_specification
        if sse_specification:
            spec["SSESpecification"] = sse_specification
        if table_class:
            spec["TableClass"] = table_class
        if deletion_protection_enabled:
            spec["DeletionProtectionEnabled"] = True
        with self.store.storage.transaction():
            table_id = self.store.create_table(scope.account, scope.region, table_name, spec)
            for index in [*gsis, *lsis]:
                index["_id"] = self.store.new_index_id(table_id)
            if gsis:
                spec["GlobalSecondaryIndexes"] = gsis
            if lsis:
                spec["LocalSecondaryIndexes"] = lsis
            if "StreamSpecification" in spec:
                streams.open_stream(self.store, scope, table_name, spec, self.clock.now())
            self.store.save_table(table_id, spec)
        table = Table(table_id, scope.account, scope.region, table_name, spec)
        self.catalog.add(table)
        return {"TableDescription": self._describe(table)}

    def describe_table(self, ctx: RequestContext, table_name: str) -> dict[str, Any]:
        table = self.catalog.get_described(ctx.scope, table_name)
        return {"Table": self._describe(table)}

    def list_tables(
        self,
        ctx: RequestContext,
        exclusive_start_table_name: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        wanted = limit or 100
        names = self.store.table_names(
            ctx.scope.account, ctx.scope.region, exclusive_start_table_name or "", wanted + 1
        )
        result: dict[str, Any] = {"TableNames": names[:wanted]}
        if len(names) > wanted:
            result["LastEvaluatedTableName"] = names[wanted - 1]
        return result

    def delete_table(self, ctx: RequestContext, table_name: str) -> dict[str, Any]:
        table = self.catalog.get_described(ctx.scope, table_name)
        if table.spec.get("DeletionProtectionEnabled"):
            raise validation(
                "Resource cannot be deleted as it is currently protected against deletion. "
                "Disable deletion protection first."
            )
        description = self._describe(table, "DELETING")
        with self.store.storage.transaction():
            streams.close_stream(self.store, table.spec, self.clock.now())
            self.store.delete_table(table.id, [i.id for i in table.indexes.values()])
        self.catalog.forget(table)
        return {"TableDescription": description}

    def update_table(
        self,
        ctx: RequestContext,
        table_name: str,
        attribute_definitions: list[dict[str, str]] | None = None,
        billing_mode: str | None = None,
        provisioned_throughput: dict[str, Any] | None = None,
        global_secondary_index_updates: list[dict[str, Any]] | None = None,
        stream_specification: dict[str, Any] | None = None,
        sse_specification: dict[str, Any] | None = None,
        table_class: str | None = None,
        deletion_protection_enabled: bool | None = None,
        on_demand_throughput: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        table = self.catalog.get_described(ctx.scope, table_name)
        spec = copy.deepcopy(table.spec)
        changed = False
        if billing_mode is not None and billing_mode != spec.get("BillingMode"):
            spec["BillingMode"] = billing_mode
            if billing_mode == "PAY_PER_REQUEST":
                spec.pop("ProvisionedThroughput", None)
                spec["BillingModeUpdated"] = self.clock.now()
                for index in spec.get("GlobalSecondaryIndexes") or []:
                    index.pop("ProvisionedThroughput", None)
            elif provisioned_throughput is None:
                tables.check_throughput("PROVISIONED", None)
            changed = True
        billing = spec.get("BillingMode") or "PROVISIONED"
        if provisioned_throughput is not None:
            tables.check_throughput(billing, provisioned_throughput)
            spec["ProvisionedThroughput"] = provisioned_throughput
            changed = True
        if on_demand_throughput is not None:
            spec["OnDemandThroughput"] = on_demand_throughput
            changed = True
        if stream_specification is not None:
            self._update_stream(table, spec, stream_specification)
            changed = True
        if sse_specification is not None:
            spec["SSESpecification"] = sse_specification
            changed = True
        if table_class is not None:
            spec["TableClass"] = table_class
            changed = True
        if deletion_protection_enabled is not None:
            spec["DeletionProtectionEnabled"] = deletion_protection_enabled
            changed = True
        new_gsis: list[dict[str, Any]] = []
        dropped: list[int] = []
        if global_secondary_index_updates:
            new_gsis, dropped = self._gsi_updates(
                table, spec, global_secondary_index_updates, attribute_definitions or []
            )
            changed = True
        if not changed:
            raise validation(
                "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"
            )
        with self.store.storage.transaction():
            for index in new_gsis:
                index["_id"] = self.store.new_index_id(table.id)
            for index_id in dropped:
                self.store.delete_index(index_id)
            if stream_specification is not None:
                streams.close_stream(self.store, table.spec, self.clock.now())
                if spec["StreamSpecification"].get("StreamEnabled"):
                    streams.open_stream(self.store, ctx.scope, table.name, spec, self.clock.now())
            table = self.catalog.save(table, spec)
            for index in new_gsis:
                self._backfill(table, index["IndexName"])
        return {"TableDescription": self._describe(table)}

    def _update_stream(self, table: Table, spec: dict[str, Any], stream: dict[str, Any]) -> None:
        _check_stream(stream)
        enabled = table.stream_view is not None
        if stream.get("StreamEnabled"):
            if enabled:
                raise validation(
                    f"Table already has an enabled stream: {table.arn}/stream/"
                    f"{spec.get('StreamLabel')}"
                )
            spec["StreamSpecification"] = stream  # opened by update_table
        else:
            if not enabled:
                raise validation("Table already has no enabled stream")  # nothing to disable
            spec["StreamSpecification"] = {"StreamEnabled": False}
            spec.pop("StreamLabel", None)
            spec.pop("StreamId", None)

    def _gsi_updates(
        self,
        table: Table,
        spec: dict[str, Any],
        updates: list[dict[str, Any]],
        definitions: list[dict[str, str]],
    ) -> tuple[list[dict[str, Any]], list[int]]:
        gsis: list[dict[str, Any]] = spec.setdefault("GlobalSecondaryIndexes", [])
        created: list[dict[str, Any]] = []
        dropped: list[int] = []
        billing = spec.get("BillingMode") or "PROVISIONED"
        types = dict(table.types)
        for definition in definitions:
            name, kind = definition["AttributeName"], definition["AttributeType"]
            if name in types and types[name] != kind:
                raise validation(
                    f"{_INVALID}Cannot change the type of attribute {name} from "
                    f"{types[name]} to {kind}"
                )
            types[name] = kind
        for update in updates:
            if update.get("Create"):
                index = copy.deepcopy(update["Create"])
                name = index["IndexName"]
                if name in table.indexes or any(g["IndexName"] == name for g in created):
                    raise validation(f"{_INVALID}Index {name} already exists on table {table.name}")
                tables.check_key_schema(index["KeySchema"])
                tables.check_projection(index)
                tables.check_throughput(billing, index.get("ProvisionedThroughput"), name)
                missing = [
                    k["AttributeName"]
                    for k in index["KeySchema"]
                    if k["AttributeName"] not in types
                ]
                if missing:
                    raise validation(
                        f"{_INVALID}Some index key attributes are not defined in "
                        f"AttributeDefinitions. Keys: [{', '.join(missing)}], "
                        f"AttributeDefinitions: [{', '.join(types)}]"
                    )
                gsis.append(index)
                created.append(index)
            elif update.get("Delete"):
                name = update["Delete"]["IndexName"]
                found = [g for g in gsis if g["IndexName"] == name]
                if not found:
                    raise ServiceError(
                        "ResourceNotFoundException",
                        f"Requested resource not found: Index: {name} not found",
                        400,
                    )
                gsis.remove(found[0])
                dropped.append(int(found[0]["_id"]))
            elif update.get("Update"):
                name = update["Update"]["IndexName"]
                found = [g for g in gsis if g["IndexName"] == name]
                if not found:
                    raise ServiceError(
                        "ResourceNotFoundException",
                        f"Requested resource not found: Index: {name} not found",
                        400,
                    )
                if update["Update"].get("ProvisionedThroughput"):
                    found[0]["ProvisionedThroughput"] = update["Update"]["ProvisionedThroughput"]
        used = set(table.key_names)
        for index in gsis + (spec.get("LocalSecondaryIndexes") or []):
            used.update(k["AttributeName"] for k in index["KeySchema"])
        spec["AttributeDefinitions"] = [
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in types.items()
            if name in used
        ]
        if not gsis:
            spec.pop("GlobalSecondaryIndexes")
        return created, dropped

    def _backfill(self, table: Table, index_name: str) -> None:
        index = table.indexes[index_name]
        for pk, sk, text in list(self.store.scan_items(table.id)):
            try:
                entry = index_entry(table, index, decode_item(text))
            except ServiceError:
                continue  # an item whose index key has the wrong type is left out
            if entry is not None:
                self.store.put_index_entry(index.id, entry[0], entry[1], pk, sk)

    # -- limits and endpoints -------------------------------------------------------------
    def describe_limits(self, ctx: RequestContext) -> dict[str, Any]:
        return {
            "AccountMaxReadCapacityUnits": 80000,
            "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000,
            "TableMaxWriteCapacityUnits": 40000,
        }

    def describe_endpoints(self, ctx: RequestContext) -> dict[str, Any]:
        return {"Endpoints": [{"Address": ctx.host, "CachePeriodInMinutes": 1440}]}

    # -- tags -------------------------------------------------------------------------------
    def tag_resource(
        self, ctx: RequestContext, resource_arn: str, tags: list[dict[str, str]]
    ) -> dict[str, Any]:
        table = self.catalog.by_arn(ctx.scope, resource_arn)
        spec = copy.deepcopy(table.spec)
        merged = {t["Key"]: t["Value"] for t in spec.get("Tags") or []}
        merged.update({t["Key"]: t["Value"] for t in tags})
        if len(merged) > 50:
            raise validation("One or more parameter values were invalid: Too many tags")
        spec["Tags"] = [{"Key": k, "Value": v} for k, v in merged.items()]
        self.catalog.save(table, spec)
        return {}

    def untag_resource(
        self, ctx: RequestContext, resource_arn: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        table = self.catalog.by_arn(ctx.scope, resource_arn)
        spec = copy.deepcopy(table.spec)
        spec["Tags"] = [t for t in spec.get("Tags") or [] if t["Key"] not in set(tag_keys)]
        self.catalog.save(table, spec)
        return {}

    def list_tags_of_resource(
        self, ctx: RequestContext, resource_arn: str, next_token: str | None = None
    ) -> dict[str, Any]:
        table = self.catalog.by_arn(ctx.scope, resource_arn)
        return {"Tags": list(table.spec.get("Tags") or [])}

    # -- time to live and backups ----------------------------------------------------------
    def update_time_to_live(
        self, ctx: RequestContext, table_name: str, time_to_live_specification: dict[str, Any]
    ) -> dict[str, Any]:
        table = self.catalog.get_described(ctx.scope, table_name)
        spec = copy.deepcopy(table.spec)
        current = spec.get("TimeToLive") or {}
        enable = bool(time_to_live_specification.get("Enabled"))
        if enable and current.get("Enabled"):
            raise validation("TimeToLive is already enabled")
        if not enable and not current.get("Enabled"):
            raise validation("TimeToLive is already disabled")
        spec["TimeToLive"] = dict(time_to_live_specification)
        self.catalog.save(table, spec)
        return {"TimeToLiveSpecification": time_to_live_specification}

    def describe_time_to_live(self, ctx: RequestContext, table_name: str) -> dict[str, Any]:
        table = self.catalog.get_described(ctx.scope, table_name)
        ttl = table.spec.get("TimeToLive") or {}
        if not ttl.get("Enabled"):
            return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
        return {
            "TimeToLiveDescription": {
                "TimeToLiveStatus": "ENABLED",
                "AttributeName": ttl["AttributeName"],
            }
        }

    def _backups(self, table: Table) -> dict[str, Any]:
        pitr = table.spec.get("PointInTimeRecovery") or {}
        description: dict[str, Any] = {"PointInTimeRecoveryStatus": "DISABLED"}
        if pitr.get("PointInTimeRecoveryEnabled"):
            now = self.clock.now()
            description = {
                "PointInTimeRecoveryStatus": "ENABLED",
                "RecoveryPeriodInDays": int(pitr.get("RecoveryPeriodInDays") or 35),
                "EarliestRestorableDateTime": pitr.get("Since", now),
                "LatestRestorableDateTime": now,
            }
        return {
            "ContinuousBackupsDescription": {
                "ContinuousBackupsStatus": "ENABLED",
                "PointInTimeRecoveryDescription": description,
            }
        }

    def _backup_table(self, ctx: RequestContext, table_name: str) -> Table:
        table = self.catalog.find(ctx.scope, table_name)
        if table is None:
            raise ServiceError("TableNotFoundException", f"Table not found: {table_name}", 400)
        return table

    def update_continuous_backups(
        self,
        ctx: RequestContext,
        table_name: str,
        point_in_time_recovery_specification: dict[str, Any],
    ) -> dict[str, Any]:
        table = self._backup_table(ctx, table_name)
        spec = copy.deepcopy(table.spec)
        setting = dict(point_in_time_recovery_specification)
        setting["Since"] = self.clock.now()
        spec["PointInTimeRecovery"] = setting
        return self._backups(self.catalog.save(table, spec))

    def describe_continuous_backups(self, ctx: RequestContext, table_name: str) -> dict[str, Any]:
        return self._backups(self._backup_table(ctx, table_name))
