"""AWS::SSM::Parameter through the SSM Parameter Store API.

`Ref` is the parameter name; `Fn::GetAtt` gives `Type` and `Value`. Changing the name
replaces the parameter; any other change writes a new version (PutParameter with
Overwrite) and keeps `Tags` (a map in CloudFormation) in step with AddTagsToResource and
RemoveTagsFromResource. CloudFormation creates only `String` and `StringList`
parameters; Tenku also takes `SecureString`, stored as given.
"""

from __future__ import annotations

from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext, require

_MEMBERS = ("Description", "AllowedPattern", "Tier", "Policies", "DataType")


def _tags(props: dict[str, Any]) -> dict[str, str]:
    tags = props.get("Tags") or {}
    if isinstance(tags, list):
        return {str(t["Key"]): str(t["Value"]) for t in tags}
    return {str(k): str(v) for k, v in tags.items()}


def put_params(name: str, props: dict[str, Any]) -> dict[str, Any]:
    value = require(props, "Value", Parameter.type_name)
    params: dict[str, Any] = {
        "Name": name,
        "Value": ",".join(map(str, value)) if isinstance(value, list) else str(value),
        "Type": require(props, "Type", Parameter.type_name),
    }
    params.update({k: props[k] for k in _MEMBERS if props.get(k) is not None})
    return params


class Parameter(Handler):
    type_name = "AWS::SSM::Parameter"
    replace_on = ("Name",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("Name") or ctx.physical_name(128)
        params = put_params(name, props)
        tags = _tags(props)
        if tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        await ctx.call("ssm", "PutParameter", params)
        return Made(name, {"Type": params["Type"], "Value": params["Value"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        name = current.physical_id
        params = put_params(name, new)
        if {k: v for k, v in old.items() if k != "Tags"} != {
            k: v for k, v in new.items() if k != "Tags"
        }:
            await ctx.call("ssm", "PutParameter", {**params, "Overwrite": True})
        before, after = _tags(old), _tags(new)
        where = {"ResourceType": "Parameter", "ResourceId": name}
        gone = [k for k in before if k not in after]
        if gone:
            await ctx.call("ssm", "RemoveTagsFromResource", {**where, "TagKeys": gone})
        if after and after != before:
            await ctx.call(
                "ssm",
                "AddTagsToResource",
                {**where, "Tags": [{"Key": k, "Value": v} for k, v in after.items()]},
            )
        return Made(name, {"Type": params["Type"], "Value": params["Value"]})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("ssm", "DeleteParameter", {"Name": current.physical_id})
