"""Table metadata: the in-memory `Table`/`Index` model, CreateTable's schema validation
with DynamoDB's messages, and the TableDescription shape.

A table's whole definition is one JSON `spec` (stored by `store.py`); `Table` is the
parsed, cached view the item path uses (key names, attribute types, indexes).
Must not: touch storage or items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tenku.protocol.validate import java_repr
from tenku.services.dynamodb.errors import validation

_INVALID = "One or more parameter values were invalid: "


@dataclass(slots=True)
class Index:
    name: str
    kind: str  # "GSI" or "LSI"
    id: int
    hash_key: str
    range_key: str | None
    projection: str  # ALL, KEYS_ONLY, INCLUDE
    non_key: tuple[str, ...] = ()

    @property
    def key_names(self) -> tuple[str, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)


@dataclass(slots=True)
class Table:
    id: int
    account: str
    region: str
    name: str
    spec: dict[str, Any]
    hash_key: str = ""
    range_key: str | None = None
    types: dict[str, str] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.hash_key, self.range_key = key_names(self.spec["KeySchema"])
        self.types = {
            d["AttributeName"]: d["AttributeType"] for d in self.spec["AttributeDefinitions"]
        }
        self.indexes = {}
        for kind, member in (("GSI", "GlobalSecondaryIndexes"), ("LSI", "LocalSecondaryIndexes")):
            for raw in self.spec.get(member) or ():
                hash_key, range_key = key_names(raw["KeySchema"])
                projection = raw.get("Projection") or {}
                self.indexes[raw["IndexName"]] = Index(
                    raw["IndexName"],
                    kind,
                    int(raw["_id"]),
                    hash_key,
                    range_key,
                    projection.get("ProjectionType") or "ALL",
                    tuple(projection.get("NonKeyAttributes") or ()),
                )

    @property
    def arn(self) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{self.name}"

    @property
    def key_names(self) -> tuple[str, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    @property
    def stream_view(self) -> str | None:
        """The stream's view type when a stream is enabled, else None."""
        stream = self.spec.get("StreamSpecification") or {}
        if stream.get("StreamEnabled"):
            return str(stream.get("StreamViewType") or "NEW_AND_OLD_IMAGES")
        return None


def key_names(schema: list[dict[str, str]]) -> tuple[str, str | None]:
    hash_key = schema[0]["AttributeName"]
    range_key = schema[1]["AttributeName"] if len(schema) > 1 else None
    return hash_key, range_key


_TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]+")


def _constraint_errors(broken: list[str]) -> None:
    if broken:
        count = f"{len(broken)} validation error{'s' if len(broken) > 1 else ''} detected: "
        raise validation(count + "; ".join(broken))


def check_table_name(name: str, lengths: bool = True) -> None:
    """DynamoDB's table name rules: 3 to 255 of [a-zA-Z0-9_.-] (a table ARN is let through).

    botocore's model now types most TableName members as a 1..1024 string (an ARN is
    allowed), so the model-driven validation does not catch a bad plain name.
    `lengths=False` checks the characters only (CreateTable, whose unit tests use a
    one-letter table)."""
    if name.startswith("arn:"):
        return
    texts = []
    if lengths and len(name) < 3:
        texts.append("Member must have length greater than or equal to 3")
    if lengths and len(name) > 255:
        texts.append("Member must have length less than or equal to 255")
    if not _TABLE_NAME.fullmatch(name):
        texts.append("Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
    _constraint_errors(
        [f"Value '{name}' at 'tableName' failed to satisfy constraint: {text}" for text in texts]
    )


def check_table_key_schema(schema: list[dict[str, str]]) -> None:
    """At most two elements (the model no longer says so), then `check_key_schema`."""
    if len(schema) > 2:
        _constraint_errors(
            [
                f"Value '{java_repr(schema)}' at 'keySchema' failed to satisfy constraint: "
                "Member must have length less than or equal to 2"
            ]
        )
    check_key_schema(schema)


def check_key_schema(schema: list[dict[str, str]]) -> None:
    """HASH first, then at most one RANGE with another name."""
    if not schema or schema[0].get("KeyType") != "HASH":
        raise validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(schema) > 1:
        if schema[1].get("KeyType") != "RANGE":
            raise validation(
                "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
            )
        if schema[0]["AttributeName"] == schema[1]["AttributeName"]:
            raise validation(
                "Both the Hash Key and the Range Key element in the KeySchema have the same name"
            )


def check_throughput(
    billing_mode: str, throughput: dict[str, Any] | None, index: str | None = None
) -> None:
    """ProvisionedThroughput present exactly when the billing mode is PROVISIONED."""
    if billing_mode == "PAY_PER_REQUEST":
        if throughput is not None:
            if index is not None:
                raise validation(
                    f"{_INVALID}ProvisionedThroughput should not be specified for index: {index} "
                    "when BillingMode is PAY_PER_REQUEST"
                )
            raise validation(
                f"{_INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
                "when BillingMode is PAY_PER_REQUEST"
            )
        return
    if throughput is None:
        if index is not None:
            raise validation(
                f"{_INVALID}ProvisionedThroughput must be specified for index: {index}"
            )
        raise validation("No provisioned throughput specified for the table")
    for unit in ("ReadCapacityUnits", "WriteCapacityUnits"):
        if int(throughput.get(unit) or 0) < 1:
            raise validation(
                f"{_INVALID}{unit} must be greater than 0 for "
                + (f"index: {index}" if index else "the table")
            )


def check_projection(index: dict[str, Any]) -> None:
    projection = index.get("Projection") or {}
    kind = projection.get("ProjectionType")
    non_key = projection.get("NonKeyAttributes")
    name = index["IndexName"]
    if kind is None:
        raise validation(f"{_INVALID}Unknown ProjectionType: null")
    if kind != "INCLUDE" and non_key is not None:
        raise validation(f"{_INVALID}ProjectionType is {kind}, but NonKeyAttributes is specified")
    if kind == "INCLUDE" and not non_key:
        raise validation(
            f"{_INVALID}NonKeyAttributes must not be empty when ProjectionType is INCLUDE "
            f"for index: {name}"
        )


def check_indexes(
    table_schema: list[dict[str, str]],
    gsis: list[dict[str, Any]],
    lsis: list[dict[str, Any]],
    billing_mode: str,
) -> None:
    hash_key, range_key = key_names(table_schema)
    names: set[str] = set()
    for index in [*gsis, *lsis]:
        name = index["IndexName"]
        if name in names:
            raise validation(f"{_INVALID}Duplicate index name: {name}")
        names.add(name)
        check_key_schema(index["KeySchema"])
        check_projection(index)
    for index in gsis:
        check_throughput(billing_mode, index.get("ProvisionedThroughput"), index["IndexName"])
    if len(gsis) > 20:
        raise validation(f"{_INVALID}GlobalSecondaryIndex count exceeds the per-table limit of 20")
    if lsis and range_key is None:
        raise validation(
            f"{_INVALID}Table KeySchema does not have a range key, which is required when "
            "specifying a LocalSecondaryIndex"
        )
    if len(lsis) > 5:
        raise validation(f"{_INVALID}LocalSecondaryIndex count exceeds the per-table limit of 5")
    for index in lsis:
        name = index["IndexName"]
        index_hash, index_range = key_names(index["KeySchema"])
        if index_range is None:
            raise validation(
                f"{_INVALID}Index KeySchema does not have a range key for index: {name}"
            )
        if index_hash != hash_key:
            raise validation(
                f"{_INVALID}Index KeySchema does not have the same leading hash key as table "
                f"KeySchema for index: {name}. index hash key: {index_hash}, "
                f"table hash key: {hash_key}"
            )


def check_definitions(
    definitions: list[dict[str, str]],
    table_schema: list[dict[str, str]],
    index_schemas: list[list[dict[str, str]]],
) -> None:
    """Every key attribute defined once; no definition unused."""
    defined = [d["AttributeName"] for d in definitions]
    if len(set(defined)) != len(defined):
        raise validation(f"{_INVALID}Cannot have two attributes with the same name")
    table_keys = [k["AttributeName"] for k in table_schema]
    if any(k not in defined for k in table_keys):
        raise validation("Invalid KeySchema: Some index key attribute have no definition")
    used = list(dict.fromkeys(table_keys))
    for schema in index_schemas:
        keys = [k["AttributeName"] for k in schema]
        if any(k not in defined for k in keys):
            raise validation(
                f"{_INVALID}Some index key attributes are not defined in AttributeDefinitions. "
                f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(defined)}]"
            )
        used.extend(k for k in keys if k not in used)
    if len(used) != len(defined):
        if not index_schemas:
            raise validation(
                f"{_INVALID}Number of attributes in KeySchema does not exactly match number of "
                "attributes defined in AttributeDefinitions"
            )
        raise validation(
            f"{_INVALID}Some AttributeDefinitions are not used. AttributeDefinitions: "
            f"[{', '.join(defined)}], keys used: [{', '.join(used)}]"
        )


def _throughput_description(throughput: dict[str, Any] | None) -> dict[str, Any]:
    throughput = throughput or {}
    return {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": int(throughput.get("ReadCapacityUnits") or 0),
        "WriteCapacityUnits": int(throughput.get("WriteCapacityUnits") or 0),
    }


def describe_index(
    table: Table, raw: dict[str, Any], stats: tuple[int, int], gsi: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "IndexName": raw["IndexName"],
        "KeySchema": raw["KeySchema"],
        "Projection": raw["Projection"],
        "IndexSizeBytes": stats[1],
        "ItemCount": stats[0],
        "IndexArn": f"{table.arn}/index/{raw['IndexName']}",
    }
    if gsi:
        out["IndexStatus"] = "ACTIVE"
        out["ProvisionedThroughput"] = _throughput_description(raw.get("ProvisionedThroughput"))
        if table.spec.get("BillingMode") == "PAY_PER_REQUEST":
            out["OnDemandThroughput"] = raw.get("OnDemandThroughput") or {
                "MaxReadRequestUnits": -1,
                "MaxWriteRequestUnits": -1,
            }
    return out


def describe_table(
    table: Table,
    stats: tuple[int, int],
    index_stats: dict[str, tuple[int, int]],
    status: str = "ACTIVE",
) -> dict[str, Any]:
    """The TableDescription of `table`, with item count and size from `stats`."""
    spec = table.spec
    billing = spec.get("BillingMode") or "PROVISIONED"
    out: dict[str, Any] = {
        "AttributeDefinitions": spec["AttributeDefinitions"],
        "TableName": table.name,
        "KeySchema": spec["KeySchema"],
        "TableStatus": status,
        "CreationDateTime": spec["CreationDateTime"],
        "ProvisionedThroughput": _throughput_description(spec.get("ProvisionedThroughput")),
        "TableSizeBytes": stats[1],
        "ItemCount": stats[0],
        "TableArn": table.arn,
        "TableId": spec["TableId"],
        "DeletionProtectionEnabled": bool(spec.get("DeletionProtectionEnabled")),
    }
    if billing == "PAY_PER_REQUEST":
        out["BillingModeSummary"] = {
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": spec.get("BillingModeUpdated")
            or spec["CreationDateTime"],
        }
        out["OnDemandThroughput"] = spec.get("OnDemandThroughput") or {
            "MaxReadRequestUnits": -1,
            "MaxWriteRequestUnits": -1,
        }
    gsis = spec.get("GlobalSecondaryIndexes") or []
    if gsis:
        out["GlobalSecondaryIndexes"] = [
            describe_index(table, raw, index_stats.get(raw["IndexName"], (0, 0)), True)
            for raw in gsis
        ]
    lsis = spec.get("LocalSecondaryIndexes") or []
    if lsis:
        out["LocalSecondaryIndexes"] = [
            describe_index(table, raw, index_stats.get(raw["IndexName"], (0, 0)), False)
            for raw in lsis
        ]
    stream = spec.get("StreamSpecification")
    if stream:
        out["StreamSpecification"] = stream
    if spec.get("StreamLabel"):
        out["LatestStreamLabel"] = spec["StreamLabel"]
        out["LatestStreamArn"] = f"{table.arn}/stream/{spec['StreamLabel']}"
    sse = spec.get("SSESpecification")
    if sse and sse.get("Enabled"):
        out["SSEDescription"] = {
            "Status": "ENABLED",
            "SSEType": sse.get("SSEType") or "KMS",
            "KMSMasterKeyArn": sse.get("KMSMasterKeyId")
            or f"arn:aws:kms:{table.region}:{table.account}:key/tenku-dynamodb",
        }
    if spec.get("TableClass"):
        out["TableClassSummary"] = {"TableClass": spec["TableClass"]}
    return out
