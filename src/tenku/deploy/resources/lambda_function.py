"""AWS::Lambda::Function through the Lambda API.

Code comes inline (`Code.ZipFile`, zipped as `index.py`/`index.js` the way
CloudFormation does) or from S3 (`S3Bucket`/`S3Key`, read through the S3 API and handed
to Lambda as the zip). `Ref` is the function name; `Fn::GetAtt` gives `Arn`. Code
changes go through UpdateFunctionCode, configuration changes through
UpdateFunctionConfiguration, reserved concurrency through Put/DeleteFunctionConcurrency.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from tenku.deploy.errors import ResourceFailure
from tenku.deploy.resources.base import Handler, Made, ResourceContext, require, tag_list
from tenku.deploy.resources.packages import package_bytes

_CONFIG_MEMBERS = (
    "Runtime",
    "Role",
    "Handler",
    "Description",
    "Timeout",
    "MemorySize",
    "Environment",
    "Layers",
    "TracingConfig",
    "DeadLetterConfig",
    "EphemeralStorage",
    "LoggingConfig",
    "KMSKeyArn",
    "VpcConfig",
    "ImageConfig",
    "SnapStart",
    "FileSystemConfigs",
)
_CREATE_ONLY = ("PackageType", "Architectures")


def inline_zip(source: str, runtime: str) -> bytes:
    """The zip CloudFormation makes of inline code: one `index.*` file."""
    name = "index.js" if runtime.startswith("nodejs") else "index.py"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o644 << 16
        archive.writestr(info, source)
    return buffer.getvalue()


async def code_zip(ctx: ResourceContext, code: dict[str, Any], runtime: str) -> bytes:
    if code.get("ZipFile") is not None:
        return inline_zip(str(code["ZipFile"]), runtime)
    if code.get("S3Bucket") and code.get("S3Key"):
        return await package_bytes(
            ctx, code["S3Bucket"], code["S3Key"], code.get("S3ObjectVersion")
        )
    if code.get("ImageUri"):
        raise ResourceFailure("Tenku runs zip packages only; container images are not supported")
    raise ResourceFailure(
        "Properties validation failed for resource AWS::Lambda::Function with message: "
        "#/Code: Please provide a source for function code."
    )


class Function(Handler):
    type_name = "AWS::Lambda::Function"
    replace_on = ("FunctionName", "PackageType")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        code = require(props, "Code", self.type_name)
        require(props, "Role", self.type_name)
        name = props.get("FunctionName") or ctx.physical_name(64)
        params: dict[str, Any] = {
            k: props[k] for k in (*_CONFIG_MEMBERS, *_CREATE_ONLY) if props.get(k) is not None
        }
        params["FunctionName"] = name
        params["Code"] = {"ZipFile": await code_zip(ctx, code, str(props.get("Runtime") or ""))}
        tags = tag_list(props)
        if tags:
            params["Tags"] = tags
        created = await ctx.call("lambda", "CreateFunction", params)
        await self._concurrency(ctx, name, None, props.get("ReservedConcurrentExecutions"))
        return Made(name, {"Arn": created["FunctionArn"]})

    async def _concurrency(self, ctx: ResourceContext, name: str, old: Any, new: Any) -> None:
        if old == new:
            return
        if new is None:
            await ctx.call("lambda", "DeleteFunctionConcurrency", {"FunctionName": name})
        else:
            await ctx.call(
                "lambda",
                "PutFunctionConcurrency",
                {"FunctionName": name, "ReservedConcurrentExecutions": new},
            )

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        name = current.physical_id
        if old.get("Code") != new.get("Code"):
            data = await code_zip(ctx, new.get("Code") or {}, str(new.get("Runtime") or ""))
            await ctx.call("lambda", "UpdateFunctionCode", {"FunctionName": name, "ZipFile": data})
        config = {k: new.get(k) for k in _CONFIG_MEMBERS if old.get(k) != new.get(k)}
        if config:
            cleared = {
                "Environment": {"Variables": {}},
                "Layers": [],
                "Description": "",
                "DeadLetterConfig": {},
            }
            params = {k: (v if v is not None else cleared.get(k)) for k, v in config.items()}
            params = {k: v for k, v in params.items() if v is not None}
            params["FunctionName"] = name
            await ctx.call("lambda", "UpdateFunctionConfiguration", params)
        await self._concurrency(
            ctx,
            name,
            old.get("ReservedConcurrentExecutions"),
            new.get("ReservedConcurrentExecutions"),
        )
        before, after = tag_list(old), tag_list(new)
        if before != after:
            arn = current.attributes["Arn"]
            gone = [k for k in before if k not in after]
            if gone:
                await ctx.call("lambda", "UntagResource", {"Resource": arn, "TagKeys": gone})
            if after:
                await ctx.call("lambda", "TagResource", {"Resource": arn, "Tags": after})
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("lambda", "DeleteFunction", {"FunctionName": current.physical_id})
