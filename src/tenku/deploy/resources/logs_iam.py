"""AWS::Logs::LogGroup through the Logs API, and the IAM types Tenku keeps without an
IAM service: roles, policies, managed policies and instance profiles are recorded by the
stack with the names and ARNs CloudFormation would give them, so `Ref` and `Fn::GetAtt`
work and functions can name their role; nothing enforces them yet.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext


class LogGroup(Handler):
    type_name = "AWS::Logs::LogGroup"
    replace_on = ("LogGroupName",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("LogGroupName") or ctx.physical_name(512)
        params: dict[str, Any] = {"logGroupName": name}
        tags = {t["Key"]: t["Value"] for t in props.get("Tags") or []}
        if tags:
            params["tags"] = tags
        await ctx.call("logs", "CreateLogGroup", params)
        await self._retention(ctx, name, props.get("RetentionInDays"))
        return Made(name, {"Arn": ctx.arn("logs", f"log-group:{name}:*")})

    async def _retention(self, ctx: ResourceContext, name: str, days: Any) -> None:
        if days:
            await ctx.call(
                "logs", "PutRetentionPolicy", {"logGroupName": name, "retentionInDays": days}
            )
        else:
            await ctx.call("logs", "DeleteRetentionPolicy", {"logGroupName": name})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        if old.get("RetentionInDays") != new.get("RetentionInDays"):
            await self._retention(ctx, current.physical_id, new.get("RetentionInDays"))
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("logs", "DeleteLogGroup", {"logGroupName": current.physical_id})


def _unique_id(prefix: str, ctx: ResourceContext) -> str:
    digest = hashlib.sha256(f"{ctx.stack_id}/{ctx.logical_id}".encode()).hexdigest().upper()
    return prefix + digest[:17]


class Role(Handler):
    type_name = "AWS::IAM::Role"
    replace_on = ("RoleName", "Path")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("RoleName") or ctx.physical_name(64)
        path = props.get("Path") or "/"
        arn = f"arn:aws:iam::{ctx.scope.account}:role{path}{name}"
        return Made(name, {"Arn": arn, "RoleId": _unique_id("AROA", ctx)})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None


class Policy(Handler):
    type_name = "AWS::IAM::Policy"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        return Made(_unique_id("", ctx)[:12] + ctx.logical_id[:20], {"Id": ctx.physical_name()})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None


class ManagedPolicy(Handler):
    type_name = "AWS::IAM::ManagedPolicy"
    replace_on = ("ManagedPolicyName", "Path")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("ManagedPolicyName") or ctx.physical_name(128)
        path = props.get("Path") or "/"
        arn = f"arn:aws:iam::{ctx.scope.account}:policy{path}{name}"
        return Made(arn, {"PolicyArn": arn, "PolicyId": _unique_id("ANPA", ctx)})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None


class InstanceProfile(Handler):
    type_name = "AWS::IAM::InstanceProfile"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("InstanceProfileName") or ctx.physical_name(128)
        arn = f"arn:aws:iam::{ctx.scope.account}:instance-profile{props.get('Path') or '/'}{name}"
        return Made(name, {"Arn": arn})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None
