"""AWS::Events::EventBus, Rule, Archive, Connection and ApiDestination through the
EventBridge API.

A rule's `Ref` is its name on the default bus and `<bus name>|<rule name>` on any other
bus (CloudFormation's physical id for those); `Fn::GetAtt` gives `Arn`. Object-valued
`EventPattern`s become the JSON EventBridge keeps; `Targets` are put as given (their
CloudFormation shape is the API's), and on update the targets whose ids disappeared are
removed. A bus's `Ref` is its name (`Arn`, `Name`, `Policy`); an archive's, connection's
and API destination's `Ref` is their name, `Arn` their ARN.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext, require, tag_list

DEFAULT_BUS = "default"


def json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def bus_name(value: str | None) -> str:
    """A bus named by name or ARN, as CloudFormation accepts either."""
    if not value:
        return DEFAULT_BUS
    return value.split(":event-bus/", 1)[1] if ":event-bus/" in value else value


def rule_params(name: str, props: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"Name": name, "State": props.get("State") or "ENABLED"}
    if props.get("EventPattern") is not None:
        params["EventPattern"] = json_text(props["EventPattern"])
    for key in ("ScheduleExpression", "Description", "RoleArn"):
        if props.get(key) is not None:
            params[key] = props[key]
    bus = bus_name(props.get("EventBusName"))
    if bus != DEFAULT_BUS:
        params["EventBusName"] = bus
    return params


def rule_physical_id(bus: str, name: str) -> str:
    return name if bus == DEFAULT_BUS else f"{bus}|{name}"


class EventBus(Handler):
    type_name = "AWS::Events::EventBus"
    replace_on = ("Name", "EventSourceName")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = require(props, "Name", self.type_name)
        params: dict[str, Any] = {"Name": name}
        for key in ("EventSourceName", "Description", "KmsKeyIdentifier", "DeadLetterConfig"):
            if props.get(key) is not None:
                params[key] = props[key]
        tags = tag_list(props)
        if tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        arn = (await ctx.call("events", "CreateEventBus", params))["EventBusArn"]
        policy = await self._policy(ctx, name, None, props.get("Policy"))
        return Made(name, {"Arn": arn, "Name": name, "Policy": policy})

    async def _policy(self, ctx: ResourceContext, name: str, old: Any, new: Any) -> str:
        if new is not None and new != old:
            await ctx.call(
                "events", "PutPermission", {"EventBusName": name, "Policy": json_text(new)}
            )
        elif new is None and old is not None:
            await ctx.call(
                "events", "RemovePermission", {"EventBusName": name, "RemoveAllPermissions": True}
            )
        return json_text(new) if new is not None else ""

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        name = current.physical_id
        changes = {
            k: new.get(k) for k in ("Description", "KmsKeyIdentifier", "DeadLetterConfig")
            if old.get(k) != new.get(k)
        }  # fmt: skip
        if changes:
            params = {k: v for k, v in changes.items() if v is not None}
            await ctx.call("events", "UpdateEventBus", {"Name": name, **params})
        policy = await self._policy(ctx, name, old.get("Policy"), new.get("Policy"))
        return Made(name, {**current.attributes, "Policy": policy})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("events", "DeleteEventBus", {"Name": current.physical_id})


class Rule(Handler):
    type_name = "AWS::Events::Rule"
    replace_on = ("Name", "EventBusName")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("Name") or ctx.physical_name(64)
        arn = (await ctx.call("events", "PutRule", rule_params(name, props)))["RuleArn"]
        await self._targets(ctx, name, props, [])
        bus = bus_name(props.get("EventBusName"))
        return Made(rule_physical_id(bus, name), {"Arn": arn})

    async def _targets(
        self, ctx: ResourceContext, name: str, props: dict[str, Any], old: list[dict[str, Any]]
    ) -> None:
        bus = bus_name(props.get("EventBusName"))
        on_bus: dict[str, Any] = {} if bus == DEFAULT_BUS else {"EventBusName": bus}
        targets = list(props.get("Targets") or [])
        kept = {str(t.get("Id")) for t in targets}
        gone = [str(t.get("Id")) for t in old if str(t.get("Id")) not in kept]
        if gone:
            await ctx.call("events", "RemoveTargets", {"Rule": name, "Ids": gone, **on_bus})
        if targets and targets != old:
            await ctx.call("events", "PutTargets", {"Rule": name, "Targets": targets, **on_bus})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        name = current.physical_id.split("|")[-1]
        if {k: v for k, v in old.items() if k != "Targets"} != {
            k: v for k, v in new.items() if k != "Targets"
        }:
            await ctx.call("events", "PutRule", rule_params(name, new))
        await self._targets(ctx, name, new, list(old.get("Targets") or []))
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        name = current.physical_id.split("|")[-1]
        bus = bus_name(props.get("EventBusName"))
        on_bus: dict[str, Any] = {} if bus == DEFAULT_BUS else {"EventBusName": bus}
        ids = [str(t.get("Id")) for t in props.get("Targets") or []]
        if ids:
            await ctx.call("events", "RemoveTargets", {"Rule": name, "Ids": ids, **on_bus})
        await ctx.call("events", "DeleteRule", {"Name": name, **on_bus})


class Archive(Handler):
    type_name = "AWS::Events::Archive"
    replace_on = ("ArchiveName", "SourceArn")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("ArchiveName") or ctx.physical_name(48)
        params: dict[str, Any] = {
            "ArchiveName": name,
            "EventSourceArn": require(props, "SourceArn", self.type_name),
            **self._settings(props),
        }
        arn = (await ctx.call("events", "CreateArchive", params))["ArchiveArn"]
        return Made(name, {"Arn": arn})

    def _settings(self, props: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if props.get("EventPattern") is not None:
            out["EventPattern"] = json_text(props["EventPattern"])
        for key in ("Description", "RetentionDays", "KmsKeyIdentifier"):
            if props.get(key) is not None:
                out[key] = props[key]
        return out

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        params = {"ArchiveName": current.physical_id, **self._settings(new)}
        if "RetentionDays" not in params and old.get("RetentionDays") is not None:
            params["RetentionDays"] = 0  # 0 keeps events forever
        await ctx.call("events", "UpdateArchive", params)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("events", "DeleteArchive", {"ArchiveName": current.physical_id})


class Connection(Handler):
    type_name = "AWS::Events::Connection"
    replace_on = ("Name",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("Name") or ctx.physical_name(64)
        params: dict[str, Any] = {
            "Name": name,
            "AuthorizationType": require(props, "AuthorizationType", self.type_name),
            "AuthParameters": require(props, "AuthParameters", self.type_name),
        }
        for key in ("Description", "InvocationConnectivityParameters", "KmsKeyIdentifier"):
            if props.get(key) is not None:
                params[key] = props[key]
        await ctx.call("events", "CreateConnection", params)
        return Made(name, await self._attributes(ctx, name))

    async def _attributes(self, ctx: ResourceContext, name: str) -> dict[str, Any]:
        described = await ctx.call("events", "DescribeConnection", {"Name": name})
        arn = described["ConnectionArn"]
        return {
            "Arn": arn,
            "ArnForPolicy": arn.rsplit("/", 1)[0],
            "SecretArn": described.get("SecretArn", ""),
        }

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        params: dict[str, Any] = {"Name": current.physical_id}
        for key in ("Description", "AuthorizationType", "AuthParameters",
                    "InvocationConnectivityParameters", "KmsKeyIdentifier"):  # fmt: skip
            if new.get(key) is not None:
                params[key] = new[key]
        await ctx.call("events", "UpdateConnection", params)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("events", "DeleteConnection", {"Name": current.physical_id})


class ApiDestination(Handler):
    type_name = "AWS::Events::ApiDestination"
    replace_on = ("Name",)

    def _params(self, props: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "ConnectionArn": require(props, "ConnectionArn", self.type_name),
            "InvocationEndpoint": require(props, "InvocationEndpoint", self.type_name),
            "HttpMethod": require(props, "HttpMethod", self.type_name),
        }
        for key in ("Description", "InvocationRateLimitPerSecond"):
            if props.get(key) is not None:
                params[key] = props[key]
        return params

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("Name") or ctx.physical_name(64)
        made = await ctx.call(
            "events", "CreateApiDestination", {"Name": name, **self._params(props)}
        )
        arn = made["ApiDestinationArn"]
        return Made(name, {"Arn": arn, "ArnForPolicy": arn.rsplit("/", 1)[0]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        await ctx.call(
            "events", "UpdateApiDestination", {"Name": current.physical_id, **self._params(new)}
        )
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("events", "DeleteApiDestination", {"Name": current.physical_id})
