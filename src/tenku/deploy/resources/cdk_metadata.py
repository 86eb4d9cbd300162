"""AWS::CDK::Metadata: the resource every CDK stack declares (`CDKMetadata`, the CDK
version and construct analytics for AWS's usage reporting). CloudFormation records it
and does nothing else; so does Tenku, so `cdk synth` output deploys unchanged.
Must not: call any API.
"""

from __future__ import annotations

from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext


class CdkMetadata(Handler):
    type_name = "AWS::CDK::Metadata"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        return Made(f"{ctx.stack_id}/{ctx.logical_id}", {})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None
