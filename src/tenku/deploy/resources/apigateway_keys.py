"""AWS::ApiGateway::ApiKey, UsagePlan and UsagePlanKey through the API Gateway (REST) API.

`Ref`: an API key's id (`Fn::GetAtt APIKeyId`), a usage plan's id (`Id`), a usage plan
key's key id (`Id`). Stage keys, API stages, throttles and quotas change in place through
UpdateApiKey/UpdateUsagePlan patch operations; a key's name or value replaces it.
"""

from __future__ import annotations

from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext, require, tag_list


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stage_keys(props: dict[str, Any]) -> list[str]:
    return [f"{k['RestApiId']}/{k['StageName']}" for k in props.get("StageKeys") or []]


class ApiKey(Handler):
    type_name = "AWS::ApiGateway::ApiKey"
    replace_on = ("Name", "Value", "GenerateDistinctId")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params: dict[str, Any] = {"name": props.get("Name") or ctx.physical_name(128)}
        for prop, member in (("Description", "description"), ("Enabled", "enabled"),
                             ("GenerateDistinctId", "generateDistinctId"), ("Value", "value"),
                             ("CustomerId", "customerId")):  # fmt: skip
            if props.get(prop) is not None:
                params[member] = props[prop]
        if props.get("StageKeys"):
            params["stageKeys"] = [
                {"restApiId": k["RestApiId"], "stageName": k["StageName"]}
                for k in props["StageKeys"]
            ]
        tags = tag_list(props)
        if tags:
            params["tags"] = tags
        made = await ctx.call("apigateway", "CreateApiKey", params)
        return Made(made["id"], {"APIKeyId": made["id"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        ops = [
            {"op": "replace", "path": path, "value": _value(new.get(prop, default))}
            for prop, path, default in (("Description", "/description", ""),
                                        ("Enabled", "/enabled", False),
                                        ("CustomerId", "/customerId", ""))
            if old.get(prop) != new.get(prop)
        ]  # fmt: skip
        before, after = set(_stage_keys(old)), set(_stage_keys(new))
        ops += [{"op": "add", "path": "/stages", "value": k} for k in sorted(after - before)]
        ops += [{"op": "remove", "path": "/stages", "value": k} for k in sorted(before - after)]
        if ops:
            await ctx.call(
                "apigateway",
                "UpdateApiKey",
                {"apiKey": current.physical_id, "patchOperations": ops},
            )
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("apigateway", "DeleteApiKey", {"apiKey": current.physical_id})


def _api_stages(props: dict[str, Any]) -> list[dict[str, Any]]:
    stages = []
    for entry in props.get("ApiStages") or []:
        stage: dict[str, Any] = {"apiId": entry["ApiId"], "stage": entry["Stage"]}
        if entry.get("Throttle"):
            stage["throttle"] = {
                path: _throttle(settings) for path, settings in entry["Throttle"].items()
            }
        stages.append(stage)
    return stages


def _throttle(settings: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if settings.get("BurstLimit") is not None:
        out["burstLimit"] = settings["BurstLimit"]
    if settings.get("RateLimit") is not None:
        out["rateLimit"] = settings["RateLimit"]
    return out


def _quota(settings: dict[str, Any]) -> dict[str, Any]:
    out = {
        k.lower(): settings[k] for k in ("Limit", "Offset", "Period") if settings.get(k) is not None
    }
    return out


class UsagePlan(Handler):
    type_name = "AWS::ApiGateway::UsagePlan"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params: dict[str, Any] = {"name": props.get("UsagePlanName") or ctx.physical_name(128)}
        if props.get("Description") is not None:
            params["description"] = props["Description"]
        if props.get("ApiStages"):
            params["apiStages"] = _api_stages(props)
        if props.get("Throttle"):
            params["throttle"] = _throttle(props["Throttle"])
        if props.get("Quota"):
            params["quota"] = _quota(props["Quota"])
        tags = tag_list(props)
        if tags:
            params["tags"] = tags
        made = await ctx.call("apigateway", "CreateUsagePlan", params)
        return Made(made["id"], {"Id": made["id"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        ops: list[dict[str, str]] = []
        for prop, path in (("UsagePlanName", "/name"), ("Description", "/description")):
            if old.get(prop) != new.get(prop) and new.get(prop) is not None:
                ops.append({"op": "replace", "path": path, "value": str(new[prop])})
        for prop, convert, base in (
            ("Throttle", _throttle, "/throttle"),
            ("Quota", _quota, "/quota"),
        ):
            if old.get(prop) != new.get(prop):
                for key, value in convert(new.get(prop) or {}).items():
                    ops.append({"op": "replace", "path": f"{base}/{key}", "value": str(value)})
        before = {f"{s['apiId']}:{s['stage']}" for s in _api_stages(old)}
        after = {f"{s['apiId']}:{s['stage']}" for s in _api_stages(new)}
        ops += [{"op": "add", "path": "/apiStages", "value": s} for s in sorted(after - before)]
        ops += [{"op": "remove", "path": "/apiStages", "value": s} for s in sorted(before - after)]
        if ops:
            await ctx.call(
                "apigateway",
                "UpdateUsagePlan",
                {"usagePlanId": current.physical_id, "patchOperations": ops},
            )
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("apigateway", "DeleteUsagePlan", {"usagePlanId": current.physical_id})


class UsagePlanKey(Handler):
    type_name = "AWS::ApiGateway::UsagePlanKey"
    replace_on = ("KeyId", "KeyType", "UsagePlanId")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        made = await ctx.call(
            "apigateway",
            "CreateUsagePlanKey",
            {
                "usagePlanId": require(props, "UsagePlanId", self.type_name),
                "keyId": require(props, "KeyId", self.type_name),
                "keyType": props.get("KeyType") or "API_KEY",
            },
        )
        return Made(made["id"], {"Id": made["id"]})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "apigateway",
            "DeleteUsagePlanKey",
            {"usagePlanId": props["UsagePlanId"], "keyId": current.physical_id},
        )
