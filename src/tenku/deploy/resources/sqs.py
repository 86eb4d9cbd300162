"""AWS::SQS::Queue and AWS::SQS::QueuePolicy through the SQS API.

`Ref` of a queue is its URL; `Fn::GetAtt` gives `Arn`, `QueueName` and `QueueUrl`.
Changing `QueueName` or `FifoQueue` replaces the queue, as CloudFormation does.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.deploy.errors import ResourceFailure
from tenku.deploy.resources.base import Handler, Made, ResourceContext, tag_list

# CloudFormation property -> queue attribute (same name for all that are plain values)
_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
)


def _attributes(props: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in _ATTRIBUTES:
        value = props.get(name)
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            out[name] = json.dumps(value)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value)
    return out


def _fifo(props: dict[str, Any]) -> bool:
    return str(props.get("FifoQueue", "false")).lower() == "true"


class Queue(Handler):
    type_name = "AWS::SQS::Queue"
    replace_on = ("QueueName", "FifoQueue")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("QueueName")
        if not name:
            fifo = _fifo(props)
            name = ctx.physical_name(80 - (5 if fifo else 0)) + (".fifo" if fifo else "")
        params: dict[str, Any] = {"QueueName": name, "Attributes": _attributes(props)}
        tags = tag_list(props)
        if tags:
            params["tags"] = tags
        url = (await ctx.call("sqs", "CreateQueue", params))["QueueUrl"]
        return Made(url, {"Arn": ctx.arn("sqs", name), "QueueName": name, "QueueUrl": url})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        attributes = _attributes(new)
        for name in _attributes(old):  # a removed property goes back to its default
            if name not in attributes and name in _RESETS:
                attributes[name] = _RESETS[name]
        attributes.pop("FifoQueue", None)
        if attributes:
            await ctx.call(
                "sqs",
                "SetQueueAttributes",
                {"QueueUrl": current.physical_id, "Attributes": attributes},
            )
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("sqs", "DeleteQueue", {"QueueUrl": current.physical_id})


_RESETS = {
    "DelaySeconds": "0",
    "MaximumMessageSize": "262144",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "RedrivePolicy": "",
}


class QueuePolicy(Handler):
    type_name = "AWS::SQS::QueuePolicy"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        await self._apply(ctx, props)
        return Made(ctx.physical_name(), {"Id": ctx.physical_name()})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        await self._apply(ctx, new)
        return current

    async def _apply(self, ctx: ResourceContext, props: dict[str, Any]) -> None:
        policy = props.get("PolicyDocument") or {}
        for url in props.get("Queues") or []:
            await ctx.call(
                "sqs",
                "SetQueueAttributes",
                {"QueueUrl": url, "Attributes": {"Policy": json.dumps(policy)}},
            )

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        for url in props.get("Queues") or []:
            try:
                await ctx.call(
                    "sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": ""}}
                )
            except ResourceFailure:  # the queue may be gone already
                continue
