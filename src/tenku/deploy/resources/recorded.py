"""Resource types Tenku records without a service behind them: the stack keeps them with
the names, ids and ARNs CloudFormation would give, so templates that declare them (the
CDK bootstrap stack's container repository and optional KMS key) deploy and `Ref`/
`Fn::GetAtt` work, but nothing else can use them (no image can be pushed, no key
encrypts). The README's status table says so.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext


def _key_id(ctx: ResourceContext) -> str:
    digest = hashlib.sha256(f"{ctx.stack_id}/{ctx.logical_id}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


class EcrRepository(Handler):
    type_name = "AWS::ECR::Repository"
    replace_on = ("RepositoryName",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("RepositoryName") or ctx.physical_name(256, lower=True)
        host = f"{ctx.scope.account}.dkr.ecr.{ctx.scope.region}.amazonaws.com"
        return Made(
            name,
            {"Arn": ctx.arn("ecr", f"repository/{name}"), "RepositoryUri": f"{host}/{name}"},
        )

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None


class KmsKey(Handler):
    type_name = "AWS::KMS::Key"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        key_id = _key_id(ctx)
        return Made(key_id, {"Arn": ctx.arn("kms", f"key/{key_id}"), "KeyId": key_id})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None


class KmsAlias(Handler):
    type_name = "AWS::KMS::Alias"
    replace_on = ("AliasName",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        return Made(str(props.get("AliasName") or ctx.physical_name()), {})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None
