"""AWS::DynamoDB::Table through the DynamoDB API.

`Ref` is the table name; `Fn::GetAtt` gives `Arn` and `StreamArn`. Changing the name,
key schema or local indexes replaces the table; billing, throughput, stream, global
index and TTL changes are made in place (indexes one UpdateTable call each, as DynamoDB
requires).
"""

from __future__ import annotations

from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext, require

_CREATE_MEMBERS = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
    "SSESpecification",
    "TableClass",
    "DeletionProtectionEnabled",
    "OnDemandThroughput",
)


def _stream(props: dict[str, Any]) -> dict[str, Any] | None:
    spec = props.get("StreamSpecification")
    if not spec:
        return None
    # CloudFormation's StreamSpecification has no StreamEnabled: its presence enables it.
    return {"StreamEnabled": True, "StreamViewType": spec.get("StreamViewType")}


class Table(Handler):
    type_name = "AWS::DynamoDB::Table"
    replace_on = ("TableName", "KeySchema", "LocalSecondaryIndexes")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        require(props, "KeySchema", self.type_name)
        name = props.get("TableName") or ctx.physical_name(255)
        params: dict[str, Any] = {k: props[k] for k in _CREATE_MEMBERS if props.get(k)}
        params["TableName"] = name
        params.setdefault("BillingMode", "PROVISIONED")
        stream = _stream(props)
        if stream:
            params["StreamSpecification"] = stream
        if props.get("Tags"):
            params["Tags"] = props["Tags"]
        description = (await ctx.call("dynamodb", "CreateTable", params))["TableDescription"]
        await self._ttl(ctx, name, None, props.get("TimeToLiveSpecification"))
        return self._made(description)

    def _made(self, description: dict[str, Any]) -> Made:
        attributes = {"Arn": description["TableArn"]}
        if description.get("LatestStreamArn"):
            attributes["StreamArn"] = description["LatestStreamArn"]
        return Made(description["TableName"], attributes)

    async def _ttl(
        self, ctx: ResourceContext, name: str, old: dict[str, Any] | None, new: Any
    ) -> None:
        if new == old or (not new and not old):
            return
        spec = new or {"AttributeName": (old or {}).get("AttributeName"), "Enabled": False}
        await ctx.call(
            "dynamodb",
            "UpdateTimeToLive",
            {"TableName": name, "TimeToLiveSpecification": spec},
        )

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        name = current.physical_id
        changes: dict[str, Any] = {}
        if (old.get("BillingMode") or "PROVISIONED") != (new.get("BillingMode") or "PROVISIONED"):
            changes["BillingMode"] = new.get("BillingMode") or "PROVISIONED"
        if new.get("ProvisionedThroughput") and old.get("ProvisionedThroughput") != new.get(
            "ProvisionedThroughput"
        ):
            changes["ProvisionedThroughput"] = new["ProvisionedThroughput"]
        if _stream(old) != _stream(new):
            if _stream(old):  # a stream's view type changes by disabling it first
                await ctx.call(
                    "dynamodb",
                    "UpdateTable",
                    {"TableName": name, "StreamSpecification": {"StreamEnabled": False}},
                )
            if _stream(new):
                changes["StreamSpecification"] = _stream(new)
        if changes:
            await ctx.call("dynamodb", "UpdateTable", {"TableName": name, **changes})
        await self._indexes(ctx, name, old, new)
        await self._ttl(
            ctx, name, old.get("TimeToLiveSpecification"), new.get("TimeToLiveSpecification")
        )
        description = (await ctx.call("dynamodb", "DescribeTable", {"TableName": name}))["Table"]
        return self._made(description)

    async def _indexes(
        self, ctx: ResourceContext, name: str, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        before = {i["IndexName"]: i for i in old.get("GlobalSecondaryIndexes") or []}
        after = {i["IndexName"]: i for i in new.get("GlobalSecondaryIndexes") or []}
        for index in before:
            if index not in after or before[index] != after[index]:
                await ctx.call(
                    "dynamodb",
                    "UpdateTable",
                    {
                        "TableName": name,
                        "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": index}}],
                    },
                )
        for index, spec in after.items():
            if index not in before or before[index] != spec:
                await ctx.call(
                    "dynamodb",
                    "UpdateTable",
                    {
                        "TableName": name,
                        "AttributeDefinitions": new.get("AttributeDefinitions") or [],
                        "GlobalSecondaryIndexUpdates": [{"Create": spec}],
                    },
                )

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("dynamodb", "DeleteTable", {"TableName": current.physical_id})
