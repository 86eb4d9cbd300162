"""AWS::Scheduler::Schedule and AWS::Scheduler::ScheduleGroup through the EventBridge
Scheduler API.

A schedule's `Ref` is its name and `Fn::GetAtt Arn` its ARN; updates are UpdateSchedule's
full replacement, as CloudFormation does. `StartDate`/`EndDate` arrive as ISO 8601 text
and are handed to the API as instants. A group's `Ref` is its name; `Fn::GetAtt` gives
`Arn`, `CreationDate`, `LastModificationDate` and `State`.
"""

from __future__ import annotations

import datetime
from typing import Any

from tenku.deploy.errors import ResourceFailure
from tenku.deploy.resources.base import Handler, Made, ResourceContext, require, tag_list


def instant(value: Any, name: str) -> float:
    """ISO 8601 text (or epoch seconds) as epoch seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ResourceFailure(
            f"Properties validation failed for resource AWS::Scheduler::Schedule with message: "
            f"#/{name}: string [{value}] is not a valid date-time"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def schedule_params(name: str, props: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "Name": name,
        "ScheduleExpression": require(props, "ScheduleExpression", Schedule.type_name),
        "FlexibleTimeWindow": require(props, "FlexibleTimeWindow", Schedule.type_name),
        "Target": require(props, "Target", Schedule.type_name),
    }
    for key in ("GroupName", "Description", "ScheduleExpressionTimezone", "State",
                "KmsKeyArn", "ActionAfterCompletion"):  # fmt: skip
        if props.get(key) is not None:
            params[key] = props[key]
    for key in ("StartDate", "EndDate"):
        if props.get(key) is not None:
            params[key] = instant(props[key], key)
    return params


class Schedule(Handler):
    type_name = "AWS::Scheduler::Schedule"
    replace_on = ("Name", "GroupName")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("Name") or ctx.physical_name(64)
        made = await ctx.call("scheduler", "CreateSchedule", schedule_params(name, props))
        return Made(name, {"Arn": made["ScheduleArn"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        made = await ctx.call(
            "scheduler", "UpdateSchedule", schedule_params(current.physical_id, new)
        )
        return Made(current.physical_id, {"Arn": made["ScheduleArn"]})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        params: dict[str, Any] = {"Name": current.physical_id}
        if props.get("GroupName"):
            params["GroupName"] = props["GroupName"]
        await ctx.call("scheduler", "DeleteSchedule", params)


class ScheduleGroup(Handler):
    type_name = "AWS::Scheduler::ScheduleGroup"
    replace_on = ("Name",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("Name") or ctx.physical_name(64)
        params: dict[str, Any] = {"Name": name}
        tags = tag_list(props)
        if tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        await ctx.call("scheduler", "CreateScheduleGroup", params)
        return Made(name, await self._attributes(ctx, name))

    async def _attributes(self, ctx: ResourceContext, name: str) -> dict[str, Any]:
        group = await ctx.call("scheduler", "GetScheduleGroup", {"Name": name})
        return {
            "Arn": group["Arn"],
            "CreationDate": _iso(group.get("CreationDate")),
            "LastModificationDate": _iso(group.get("LastModificationDate")),
            "State": group.get("State", "ACTIVE"),
        }

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        before, after = tag_list(old), tag_list(new)
        arn = current.attributes["Arn"]
        gone = [k for k in before if k not in after]
        if gone:
            await ctx.call("scheduler", "UntagResource", {"ResourceArn": arn, "TagKeys": gone})
        if after and after != before:
            await ctx.call(
                "scheduler",
                "TagResource",
                {"ResourceArn": arn, "Tags": [{"Key": k, "Value": v} for k, v in after.items()]},
            )
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("scheduler", "DeleteScheduleGroup", {"Name": current.physical_id})


def _iso(value: Any) -> str:
    """A time as CloudFormation prints it, whether the API gave epoch seconds or a datetime."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, datetime.UTC).isoformat()
    return str(value or "")
