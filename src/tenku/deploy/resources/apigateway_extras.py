"""AWS::ApiGateway::Deployment, Stage, Authorizer and Account through the API Gateway
(REST) API (API keys and usage plans are in `apigateway_keys`).

A deployment with `StageName` creates (or repoints) that stage, as CreateDeployment does;
deleting the deployment deletes that stage only while it still points at it (SAM's
implicit `Stage` stage moves to each new deployment). `StageDescription` and a stage's
`MethodSettings` (`ResourcePath` + `HttpMethod` -> `/~1path/GET/metrics/enabled`...),
`Variables`, `AccessLogSetting` and tracing become CreateStage members or UpdateStage patch
operations. `Ref`: a deployment's id (`DeploymentId`), a stage's name, an authorizer's id
(`AuthorizerId`). `AWS::ApiGateway::Account` (the account's CloudWatch role) is accepted
and recorded; Tenku has nothing to set.
"""

from __future__ import annotations

from typing import Any

from tenku.deploy.errors import ResourceFailure
from tenku.deploy.resources.apigateway import escape
from tenku.deploy.resources.base import Handler, Made, ResourceContext, require, tag_list

# MethodSetting property -> patch path tail
_METHOD_SETTINGS = (
    ("LoggingLevel", "logging/loglevel"),
    ("MetricsEnabled", "metrics/enabled"),
    ("DataTraceEnabled", "logging/dataTrace"),
    ("ThrottlingBurstLimit", "throttling/burstLimit"),
    ("ThrottlingRateLimit", "throttling/rateLimit"),
    ("CachingEnabled", "caching/enabled"),
    ("CacheTtlInSeconds", "caching/ttlInSeconds"),
    ("CacheDataEncrypted", "caching/dataEncrypted"),
)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def method_setting_ops(settings: list[dict[str, Any]]) -> list[dict[str, str]]:
    ops = []
    for setting in settings:
        path = str(setting.get("ResourcePath") or "/*")
        resource = "*" if path == "/*" else escape(path)
        base = f"/{resource}/{setting.get('HttpMethod') or '*'}"
        for prop, tail in _METHOD_SETTINGS:
            if setting.get(prop) is not None:
                ops.append(
                    {"op": "replace", "path": f"{base}/{tail}", "value": _value(setting[prop])}
                )
    return ops


def stage_ops(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    """UpdateStage operations from a stage's (or StageDescription's) old to new settings."""
    ops: list[dict[str, str]] = []
    for prop, path in (
        ("DeploymentId", "/deploymentId"),
        ("Description", "/description"),
        ("TracingEnabled", "/tracingEnabled"),
        ("CacheClusterEnabled", "/cacheClusterEnabled"),
        ("CacheClusterSize", "/cacheClusterSize"),
        ("ClientCertificateId", "/clientCertificateId"),
        ("DocumentationVersion", "/documentationVersion"),
    ):
        if new.get(prop) is not None and new.get(prop) != old.get(prop):
            ops.append({"op": "replace", "path": path, "value": _value(new[prop])})
    before, after = old.get("Variables") or {}, new.get("Variables") or {}
    ops += [{"op": "remove", "path": f"/variables/{k}"} for k in before if k not in after]
    ops += [
        {"op": "replace", "path": f"/variables/{k}", "value": str(v)}
        for k, v in after.items()
        if before.get(k) != v
    ]
    log, old_log = new.get("AccessLogSetting") or {}, old.get("AccessLogSetting") or {}
    if log != old_log:
        if not log:
            ops.append({"op": "remove", "path": "/accessLogSettings"})
        for prop, path in (("DestinationArn", "/accessLogSettings/destinationArn"),
                           ("Format", "/accessLogSettings/format")):  # fmt: skip
            if log.get(prop) is not None:
                ops.append({"op": "replace", "path": path, "value": str(log[prop])})
    if (old.get("MethodSettings") or []) != (new.get("MethodSettings") or []):
        ops += method_setting_ops(new.get("MethodSettings") or [])
    return ops


class Deployment(Handler):
    type_name = "AWS::ApiGateway::Deployment"
    replace_on = ("RestApiId", "StageName", "DeploymentCanarySettings")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        api_id = require(props, "RestApiId", self.type_name)
        params: dict[str, Any] = {"restApiId": api_id}
        if props.get("Description") is not None:
            params["description"] = props["Description"]
        stage = props.get("StageName")
        settings = props.get("StageDescription") or {}
        if stage:
            params["stageName"] = stage
            for prop, member in (("Description", "stageDescription"), ("Variables", "variables"),
                                 ("TracingEnabled", "tracingEnabled"),
                                 ("CacheClusterEnabled", "cacheClusterEnabled"),
                                 ("CacheClusterSize", "cacheClusterSize")):  # fmt: skip
                if settings.get(prop) is not None:
                    params[member] = settings[prop]
        deployment_id = (await ctx.call("apigateway", "CreateDeployment", params))["id"]
        if stage:
            ops = stage_ops({}, {k: v for k, v in settings.items() if k in _STAGE_ONLY})
            if ops:
                await ctx.call(
                    "apigateway",
                    "UpdateStage",
                    {"restApiId": api_id, "stageName": stage, "patchOperations": ops},
                )
        return Made(deployment_id, {"DeploymentId": deployment_id})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        if old.get("Description") != new.get("Description"):
            await ctx.call(
                "apigateway",
                "UpdateDeployment",
                {"restApiId": new["RestApiId"], "deploymentId": current.physical_id,
                 "patchOperations": [{"op": "replace", "path": "/description",
                                      "value": str(new.get("Description") or "")}]},
            )  # fmt: skip
        if new.get("StageName") and old.get("StageDescription") != new.get("StageDescription"):
            ops = stage_ops(old.get("StageDescription") or {}, new.get("StageDescription") or {})
            if ops:
                await ctx.call(
                    "apigateway",
                    "UpdateStage",
                    {"restApiId": new["RestApiId"], "stageName": new["StageName"],
                     "patchOperations": ops},
                )  # fmt: skip
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        api_id = props["RestApiId"]
        stage = props.get("StageName")
        if stage:
            try:
                found = await ctx.call(
                    "apigateway", "GetStage", {"restApiId": api_id, "stageName": stage}
                )
            except ResourceFailure:
                found = {}
            if found.get("deploymentId") == current.physical_id:
                await ctx.call(
                    "apigateway", "DeleteStage", {"restApiId": api_id, "stageName": stage}
                )
        await ctx.call(
            "apigateway",
            "DeleteDeployment",
            {"restApiId": api_id, "deploymentId": current.physical_id},
        )


# StageDescription settings that CreateDeployment cannot carry itself.
_STAGE_ONLY = ("MethodSettings", "AccessLogSetting", "ClientCertificateId", "DocumentationVersion")


class Stage(Handler):
    type_name = "AWS::ApiGateway::Stage"
    replace_on = ("RestApiId", "StageName")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        api_id = require(props, "RestApiId", self.type_name)
        name = props.get("StageName") or ctx.physical_name(128)
        params: dict[str, Any] = {
            "restApiId": api_id,
            "stageName": name,
            "deploymentId": require(props, "DeploymentId", self.type_name),
        }
        for prop, member in (("Description", "description"), ("Variables", "variables"),
                             ("TracingEnabled", "tracingEnabled"),
                             ("CacheClusterEnabled", "cacheClusterEnabled"),
                             ("CacheClusterSize", "cacheClusterSize"),
                             ("DocumentationVersion", "documentationVersion")):  # fmt: skip
            if props.get(prop) is not None:
                params[member] = props[prop]
        tags = tag_list(props)
        if tags:
            params["tags"] = tags
        await ctx.call("apigateway", "CreateStage", params)
        ops = stage_ops({}, {k: v for k, v in props.items() if k in _STAGE_ONLY})
        if ops:
            await ctx.call(
                "apigateway",
                "UpdateStage",
                {"restApiId": api_id, "stageName": name, "patchOperations": ops},
            )
        return Made(name, {})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        ops = stage_ops(old, new)
        if ops:
            await ctx.call(
                "apigateway",
                "UpdateStage",
                {"restApiId": new["RestApiId"], "stageName": current.physical_id,
                 "patchOperations": ops},
            )  # fmt: skip
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "apigateway",
            "DeleteStage",
            {"restApiId": props["RestApiId"], "stageName": current.physical_id},
        )


_AUTHORIZER_MEMBERS = (
    ("Name", "name", "/name"),
    ("Type", "type", "/type"),
    ("AuthType", "authType", "/authType"),
    ("AuthorizerUri", "authorizerUri", "/authorizerUri"),
    ("AuthorizerCredentials", "authorizerCredentials", "/authorizerCredentials"),
    ("IdentitySource", "identitySource", "/identitySource"),
    ("IdentityValidationExpression", "identityValidationExpression",
     "/identityValidationExpression"),
    ("AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds",
     "/authorizerResultTtlInSeconds"),
)  # fmt: skip


class Authorizer(Handler):
    type_name = "AWS::ApiGateway::Authorizer"
    replace_on = ("RestApiId",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params: dict[str, Any] = {
            "restApiId": require(props, "RestApiId", self.type_name),
            "name": props.get("Name") or ctx.physical_name(128),
            "type": require(props, "Type", self.type_name),
        }
        for prop, member, _path in _AUTHORIZER_MEMBERS[2:]:
            if props.get(prop) is not None:
                params[member] = props[prop]
        if props.get("ProviderARNs"):
            params["providerARNs"] = props["ProviderARNs"]
        made = await ctx.call("apigateway", "CreateAuthorizer", params)
        return Made(made["id"], {"AuthorizerId": made["id"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        ops = [
            {"op": "replace", "path": path, "value": _value(new.get(prop) or "")}
            for prop, _member, path in _AUTHORIZER_MEMBERS
            if old.get(prop) != new.get(prop)
        ]
        before, after = set(old.get("ProviderARNs") or []), set(new.get("ProviderARNs") or [])
        ops += [{"op": "add", "path": f"/providerARNs/{a}"} for a in sorted(after - before)]
        ops += [{"op": "remove", "path": f"/providerARNs/{a}"} for a in sorted(before - after)]
        if ops:
            await ctx.call(
                "apigateway",
                "UpdateAuthorizer",
                {"restApiId": new["RestApiId"], "authorizerId": current.physical_id,
                 "patchOperations": ops},
            )  # fmt: skip
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "apigateway",
            "DeleteAuthorizer",
            {"restApiId": props["RestApiId"], "authorizerId": current.physical_id},
        )


class Account(Handler):
    """Accepted and recorded: the account's CloudWatch Logs role has no effect in Tenku."""

    type_name = "AWS::ApiGateway::Account"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = ctx.physical_name()
        return Made(name, {"Id": name})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None
