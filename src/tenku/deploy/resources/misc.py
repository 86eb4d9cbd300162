"""Types Tenku records without a service behind them: AWS::CloudWatch::Alarm,
AWS::ApplicationAutoScaling::ScalableTarget and AWS::ApplicationAutoScaling::ScalingPolicy.

Stacks that declare alarms or autoscaling (common in SAM and CDK output) deploy, and
`Ref`/`Fn::GetAtt` give the values CloudFormation would (an alarm's name and ARN, a
scalable target's `<resource id>|<dimension>|<namespace>`, a scaling policy's ARN), but
nothing evaluates an alarm or scales anything: Tenku has no CloudWatch metrics API and no
Application Auto Scaling.
Must not: pretend to act; these handlers call no API.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext, require


class _Recorded(Handler):
    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None


class Alarm(_Recorded):
    type_name = "AWS::CloudWatch::Alarm"
    replace_on = ("AlarmName",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("AlarmName") or ctx.physical_name(255)
        return Made(name, {"Arn": ctx.arn("cloudwatch", f"alarm:{name}")})


class ScalableTarget(_Recorded):
    type_name = "AWS::ApplicationAutoScaling::ScalableTarget"
    replace_on = ("ResourceId", "ScalableDimension", "ServiceNamespace")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        parts = [
            str(require(props, key, self.type_name))
            for key in ("ResourceId", "ScalableDimension", "ServiceNamespace")
        ]
        identifier = "|".join(parts)
        return Made(identifier, {"Id": identifier})


class ScalingPolicy(_Recorded):
    type_name = "AWS::ApplicationAutoScaling::ScalingPolicy"
    replace_on = ("PolicyName", "ScalingTargetId", "ResourceId", "ScalableDimension",
                  "ServiceNamespace")  # fmt: skip

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = require(props, "PolicyName", self.type_name)
        target = str(props.get("ScalingTargetId") or "")
        resource, _, namespace = target.partition("|")
        resource = str(props.get("ResourceId") or resource)
        namespace = str(props.get("ServiceNamespace") or namespace.rpartition("|")[2])
        seed = hashlib.sha256(f"{ctx.stack_id}/{ctx.logical_id}".encode()).digest()[:16]
        policy_id = str(uuid.UUID(bytes=seed))
        arn = ctx.arn(
            "autoscaling",
            f"scalingPolicy:{policy_id}:resource/{namespace}/{resource}:policyName/{name}",
        )
        return Made(arn, {"Arn": arn})
