"""The Lambda types around a function: permissions, event-source mappings, versions,
aliases (with provisioned concurrency), layer versions, function URLs and event invoke
configs, each through the Lambda API.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext, require
from tenku.deploy.resources.packages import package_bytes


def _split_function(reference: str) -> tuple[str, str | None]:
    """A function name or ARN, and the qualifier an ARN carries (if any)."""
    parts = reference.split(":")
    if reference.startswith("arn:") and len(parts) == 8:
        return ":".join(parts[:7]), parts[7]
    return reference, None


class Permission(Handler):
    type_name = "AWS::Lambda::Permission"
    replace_on = (
        "FunctionName", "Action", "Principal", "SourceArn", "SourceAccount",
        "EventSourceToken", "FunctionUrlAuthType", "PrincipalOrgID",
    )  # fmt: skip

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        function, qualifier = _split_function(str(require(props, "FunctionName", self.type_name)))
        # A replacement (new SourceArn, ...) is created before the old one is deleted, so
        # its statement id must differ: the properties' digest tells the two apart.
        digest = hashlib.sha256(json.dumps(props, sort_keys=True, default=str).encode())
        statement = f"{ctx.physical_name(91)}-{digest.hexdigest()[:8]}"
        params: dict[str, Any] = {
            "FunctionName": function,
            "StatementId": statement,
            "Action": require(props, "Action", self.type_name),
            "Principal": require(props, "Principal", self.type_name),
        }
        for member in (
            "SourceArn",
            "SourceAccount",
            "EventSourceToken",
            "FunctionUrlAuthType",
            "PrincipalOrgID",
        ):
            if props.get(member):
                params[member] = props[member]
        if qualifier:
            params["Qualifier"] = qualifier
        await ctx.call("lambda", "AddPermission", params)
        return Made(statement, {})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        function, qualifier = _split_function(str(props.get("FunctionName")))
        params: dict[str, Any] = {"FunctionName": function, "StatementId": current.physical_id}
        if qualifier:
            params["Qualifier"] = qualifier
        await ctx.call("lambda", "RemovePermission", params)


_MAPPING_MEMBERS = (
    "BatchSize", "Enabled", "FilterCriteria", "MaximumBatchingWindowInSeconds",
    "ParallelizationFactor", "DestinationConfig", "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError", "MaximumRetryAttempts", "TumblingWindowInSeconds",
    "FunctionResponseTypes", "ScalingConfig",
)  # fmt: skip
# What names the source (set at creation): topics, queues, brokers and their settings.
_SOURCE_MEMBERS = (
    "Topics", "Queues", "SourceAccessConfigurations", "SelfManagedEventSource",
    "AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig",
    "DocumentDBEventSourceConfig",
)  # fmt: skip


class EventSourceMapping(Handler):
    type_name = "AWS::Lambda::EventSourceMapping"
    replace_on = (
        "EventSourceArn", "StartingPosition", "StartingPositionTimestamp", *_SOURCE_MEMBERS,
    )  # fmt: skip

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params = {k: props[k] for k in _MAPPING_MEMBERS if props.get(k) is not None}
        params["FunctionName"] = require(props, "FunctionName", self.type_name)
        for member in (
            "EventSourceArn",
            "StartingPosition",
            "StartingPositionTimestamp",
            *_SOURCE_MEMBERS,
        ):
            if props.get(member) is not None:
                params[member] = props[member]
        created = await ctx.call("lambda", "CreateEventSourceMapping", params)
        return Made(created["UUID"], {"Id": created["UUID"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        params = {k: new[k] for k in _MAPPING_MEMBERS if new.get(k) is not None}
        params.update(UUID=current.physical_id, FunctionName=new["FunctionName"])
        if "Enabled" not in params:
            params["Enabled"] = True
        await ctx.call("lambda", "UpdateEventSourceMapping", params)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("lambda", "DeleteEventSourceMapping", {"UUID": current.physical_id})


async def _provisioned(
    ctx: ResourceContext, function: str, qualifier: str, old: Any, new: Any
) -> None:
    before = (old or {}).get("ProvisionedConcurrentExecutions")
    after = (new or {}).get("ProvisionedConcurrentExecutions")
    if before == after:
        return
    target = {"FunctionName": function, "Qualifier": qualifier}
    if after:
        await ctx.call(
            "lambda",
            "PutProvisionedConcurrencyConfig",
            {**target, "ProvisionedConcurrentExecutions": after},
        )
    else:
        await ctx.call("lambda", "DeleteProvisionedConcurrencyConfig", target)


class Version(Handler):
    type_name = "AWS::Lambda::Version"
    replace_on = ("FunctionName", "Description", "CodeSha256")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        function = str(require(props, "FunctionName", self.type_name))
        params: dict[str, Any] = {"FunctionName": function}
        for member in ("Description", "CodeSha256"):
            if props.get(member):
                params[member] = props[member]
        published = await ctx.call("lambda", "PublishVersion", params)
        version = str(published["Version"])
        await _provisioned(ctx, function, version, None, props.get("ProvisionedConcurrencyConfig"))
        arn = published["FunctionArn"]
        return Made(arn, {"Version": version, "FunctionArn": arn})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        await _provisioned(
            ctx,
            str(new["FunctionName"]),
            current.attributes["Version"],
            old.get("ProvisionedConcurrencyConfig"),
            new.get("ProvisionedConcurrencyConfig"),
        )
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        function, _ = _split_function(current.physical_id)
        await ctx.call(
            "lambda",
            "DeleteFunction",
            {"FunctionName": function, "Qualifier": current.attributes["Version"]},
        )


class Alias(Handler):
    type_name = "AWS::Lambda::Alias"
    replace_on = ("FunctionName", "Name")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        function = str(require(props, "FunctionName", self.type_name))
        name = str(require(props, "Name", self.type_name))
        params: dict[str, Any] = {
            "FunctionName": function,
            "Name": name,
            "FunctionVersion": require(props, "FunctionVersion", self.type_name),
        }
        for member in ("Description", "RoutingConfig"):
            if props.get(member):
                params[member] = props[member]
        created = await ctx.call("lambda", "CreateAlias", params)
        await _provisioned(ctx, function, name, None, props.get("ProvisionedConcurrencyConfig"))
        return Made(created["AliasArn"], {"AliasArn": created["AliasArn"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        params: dict[str, Any] = {
            "FunctionName": new["FunctionName"],
            "Name": new["Name"],
            "FunctionVersion": new["FunctionVersion"],
            "Description": new.get("Description") or "",
            "RoutingConfig": new.get("RoutingConfig") or {"AdditionalVersionWeights": {}},
        }
        await ctx.call("lambda", "UpdateAlias", params)
        await _provisioned(
            ctx,
            str(new["FunctionName"]),
            str(new["Name"]),
            old.get("ProvisionedConcurrencyConfig"),
            new.get("ProvisionedConcurrencyConfig"),
        )
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "lambda", "DeleteAlias", {"FunctionName": props["FunctionName"], "Name": props["Name"]}
        )


class LayerVersion(Handler):
    type_name = "AWS::Lambda::LayerVersion"
    replace_on = (
        "LayerName", "Content", "CompatibleRuntimes", "CompatibleArchitectures",
        "Description", "LicenseInfo",
    )  # fmt: skip

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        content = require(props, "Content", self.type_name)
        data = await package_bytes(
            ctx, content["S3Bucket"], content["S3Key"], content.get("S3ObjectVersion")
        )
        params: dict[str, Any] = {
            "LayerName": props.get("LayerName") or ctx.physical_name(64),
            "Content": {"ZipFile": data},
        }
        for member in (
            "CompatibleRuntimes",
            "CompatibleArchitectures",
            "Description",
            "LicenseInfo",
        ):
            if props.get(member):
                params[member] = props[member]
        published = await ctx.call("lambda", "PublishLayerVersion", params)
        arn = published["LayerVersionArn"]
        return Made(arn, {"LayerVersionArn": arn})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        layer_arn, _, number = current.physical_id.rpartition(":")
        await ctx.call(
            "lambda",
            "DeleteLayerVersion",
            {"LayerName": layer_arn, "VersionNumber": int(number)},
        )


class Url(Handler):
    type_name = "AWS::Lambda::Url"
    replace_on = ("TargetFunctionArn", "Qualifier")

    def _target(self, props: dict[str, Any]) -> dict[str, Any]:
        function, qualifier = _split_function(str(props["TargetFunctionArn"]))
        target: dict[str, Any] = {"FunctionName": function}
        if props.get("Qualifier") or qualifier:
            target["Qualifier"] = props.get("Qualifier") or qualifier
        return target

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        require(props, "TargetFunctionArn", self.type_name)
        params = {**self._target(props), "AuthType": require(props, "AuthType", self.type_name)}
        for member in ("Cors", "InvokeMode"):
            if props.get(member):
                params[member] = props[member]
        created = await ctx.call("lambda", "CreateFunctionUrlConfig", params)
        url = created["FunctionUrl"]
        return Made(url, {"FunctionUrl": url, "FunctionArn": created["FunctionArn"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        params = {**self._target(new), "AuthType": new["AuthType"]}
        params["Cors"] = new.get("Cors") or {}
        if new.get("InvokeMode"):
            params["InvokeMode"] = new["InvokeMode"]
        await ctx.call("lambda", "UpdateFunctionUrlConfig", params)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("lambda", "DeleteFunctionUrlConfig", self._target(props))


class EventInvokeConfig(Handler):
    type_name = "AWS::Lambda::EventInvokeConfig"
    replace_on = ("FunctionName", "Qualifier")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        await self._put(ctx, props)
        return Made(ctx.physical_name(), {})

    async def _put(self, ctx: ResourceContext, props: dict[str, Any]) -> None:
        params = {
            k: props[k]
            for k in ("FunctionName", "Qualifier", "MaximumRetryAttempts",
                      "MaximumEventAgeInSeconds", "DestinationConfig")
            if props.get(k) is not None
        }  # fmt: skip
        await ctx.call("lambda", "PutFunctionEventInvokeConfig", params)

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        await self._put(ctx, new)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        params = {"FunctionName": props["FunctionName"], "Qualifier": props.get("Qualifier")}
        await ctx.call(
            "lambda",
            "DeleteFunctionEventInvokeConfig",
            {k: v for k, v in params.items() if v},
        )
