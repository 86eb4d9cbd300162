"""AWS::SNS::Topic, AWS::SNS::Subscription and AWS::SNS::TopicPolicy through the SNS API.

A topic's `Ref` is its ARN; `Fn::GetAtt` gives `TopicArn` and `TopicName`. Its inline
`Subscription` list is kept in step on update (new endpoints subscribed, dropped ones
unsubscribed). A subscription's `Ref` is the subscription ARN; its object-valued
`FilterPolicy`, `RedrivePolicy` and `DeliveryPolicy` become the JSON attributes SNS keeps.
A topic policy sets each listed topic's `Policy` attribute; deleting it gives the topics
their default policy back. `DeliveryStatusLogging` and `ArchivePolicy` are accepted but not
applied.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.deploy.errors import ResourceFailure
from tenku.deploy.resources.base import Handler, Made, ResourceContext, require, tag_list

_TOPIC_ATTRIBUTES = (
    "DisplayName",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "SignatureVersion",
    "TracingConfig",
    "FifoThroughputScope",
)
_SUBSCRIPTION_ATTRIBUTES = (
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "DeliveryPolicy",
    "SubscriptionRoleArn",
    "ReplayPolicy",
)
# What a removed subscription attribute is set back to.
_SUBSCRIPTION_RESETS = {"RawMessageDelivery": "false", "FilterPolicyScope": "MessageAttributes"}


def attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def topic_attributes(props: dict[str, Any]) -> dict[str, str]:
    return {k: attribute_text(props[k]) for k in _TOPIC_ATTRIBUTES if props.get(k) is not None}


def subscription_attributes(props: dict[str, Any]) -> dict[str, str]:
    return {
        k: attribute_text(props[k]) for k in _SUBSCRIPTION_ATTRIBUTES if props.get(k) is not None
    }


def _fifo(props: dict[str, Any]) -> bool:
    return str(props.get("FifoTopic", "false")).lower() == "true"


def _endpoints(props: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(s["Protocol"]), str(s["Endpoint"])) for s in props.get("Subscription") or []]


class Topic(Handler):
    type_name = "AWS::SNS::Topic"
    replace_on = ("TopicName", "FifoTopic")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        fifo = _fifo(props)
        name = props.get("TopicName") or (
            ctx.physical_name(256 - (5 if fifo else 0)) + (".fifo" if fifo else "")
        )
        attributes = topic_attributes(props)
        if fifo:
            attributes["FifoTopic"] = "true"
        params: dict[str, Any] = {"Name": name, "Attributes": attributes}
        tags = tag_list(props)
        if tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        if props.get("DataProtectionPolicy"):
            params["DataProtectionPolicy"] = attribute_text(props["DataProtectionPolicy"])
        arn = (await ctx.call("sns", "CreateTopic", params))["TopicArn"]
        for protocol, endpoint in _endpoints(props):
            await self._subscribe(ctx, arn, protocol, endpoint)
        return Made(arn, {"TopicArn": arn, "TopicName": name})

    async def _subscribe(
        self, ctx: ResourceContext, arn: str, protocol: str, endpoint: str
    ) -> None:
        await ctx.call(
            "sns",
            "Subscribe",
            {"TopicArn": arn, "Protocol": protocol, "Endpoint": endpoint},
        )

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        arn = current.physical_id
        before, after = topic_attributes(old), topic_attributes(new)
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                await ctx.call(
                    "sns",
                    "SetTopicAttributes",
                    {"TopicArn": arn, "AttributeName": name, "AttributeValue": after.get(name, "")},
                )
        await self._tags(ctx, arn, tag_list(old), tag_list(new))
        gone = set(_endpoints(old)) - set(_endpoints(new))
        if gone:
            listed = await ctx.call("sns", "ListSubscriptionsByTopic", {"TopicArn": arn})
            for sub in listed.get("Subscriptions") or []:
                if (sub["Protocol"], sub["Endpoint"]) in gone and sub["SubscriptionArn"].startswith(
                    "arn:"
                ):
                    await ctx.call(
                        "sns", "Unsubscribe", {"SubscriptionArn": sub["SubscriptionArn"]}
                    )
        for protocol, endpoint in _endpoints(new):
            if (protocol, endpoint) not in set(_endpoints(old)):
                await self._subscribe(ctx, arn, protocol, endpoint)
        return current

    async def _tags(
        self, ctx: ResourceContext, arn: str, before: dict[str, str], after: dict[str, str]
    ) -> None:
        if before == after:
            return
        gone = [k for k in before if k not in after]
        if gone:
            await ctx.call("sns", "UntagResource", {"ResourceArn": arn, "TagKeys": gone})
        if after:
            await ctx.call(
                "sns",
                "TagResource",
                {"ResourceArn": arn, "Tags": [{"Key": k, "Value": v} for k, v in after.items()]},
            )

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("sns", "DeleteTopic", {"TopicArn": current.physical_id})


class Subscription(Handler):
    type_name = "AWS::SNS::Subscription"
    replace_on = ("Protocol", "Endpoint", "TopicArn", "Region")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params: dict[str, Any] = {
            "TopicArn": require(props, "TopicArn", self.type_name),
            "Protocol": require(props, "Protocol", self.type_name),
            "ReturnSubscriptionArn": True,
        }
        if props.get("Endpoint") is not None:
            params["Endpoint"] = props["Endpoint"]
        attributes = subscription_attributes(props)
        if attributes:
            params["Attributes"] = attributes
        arn = (await ctx.call("sns", "Subscribe", params))["SubscriptionArn"]
        return Made(arn, {"Arn": arn})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        before, after = subscription_attributes(old), subscription_attributes(new)
        # The scope goes first so that a new filter policy is read in its new scope.
        for name in sorted(set(before) | set(after), key=lambda n: n != "FilterPolicyScope"):
            if before.get(name) == after.get(name):
                continue
            value = after.get(name, _SUBSCRIPTION_RESETS.get(name, ""))
            await ctx.call(
                "sns",
                "SetSubscriptionAttributes",
                {
                    "SubscriptionArn": current.physical_id,
                    "AttributeName": name,
                    "AttributeValue": value,
                },
            )
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("sns", "Unsubscribe", {"SubscriptionArn": current.physical_id})


class TopicPolicy(Handler):
    type_name = "AWS::SNS::TopicPolicy"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        require(props, "PolicyDocument", self.type_name)
        await self._apply(ctx, props, [])
        name = ctx.physical_name()
        return Made(name, {"Id": name})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        kept = list(new.get("Topics") or [])
        await self._apply(ctx, new, [t for t in old.get("Topics") or [] if t not in kept])
        return current

    async def _apply(self, ctx: ResourceContext, props: dict[str, Any], dropped: list[str]) -> None:
        policy = attribute_text(props.get("PolicyDocument") or {})
        for arn in props.get("Topics") or []:
            await self._set(ctx, arn, policy)
        for arn in dropped:
            await self._reset(ctx, arn)

    async def _set(self, ctx: ResourceContext, arn: str, policy: str) -> None:
        await ctx.call(
            "sns",
            "SetTopicAttributes",
            {"TopicArn": arn, "AttributeName": "Policy", "AttributeValue": policy},
        )

    async def _reset(self, ctx: ResourceContext, arn: str) -> None:
        try:
            await self._set(ctx, arn, "")  # SNS gives the topic its default policy back
        except ResourceFailure:  # the topic may be gone already
            return

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        for arn in props.get("Topics") or []:
            await self._reset(ctx, arn)
