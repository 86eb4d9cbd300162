"""Packages a resource reads from S3: a function's or layer's zip, an API's OpenAPI
definition. Read through the S3 API; one in a bucket or key this Tenku does not hold can
stand in for itself when the stack skips unknown types (see `package_bytes`).
Must not: know what a package is for beyond the stand-ins it is handed.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Callable
from typing import Any

from tenku.core.errors import ServiceError
from tenku.deploy.errors import ResourceFailure
from tenku.deploy.resources.base import ResourceContext

STAND_IN_NOTE = "TENKU_PACKAGE_NOT_FOUND.txt"
log = logging.getLogger("tenku.deploy")


async def s3_bytes(ctx: ResourceContext, bucket: str, key: str, version: str | None) -> bytes:
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version:
        params["VersionId"] = version
    body = (await ctx.call("s3", "GetObject", params)).get("Body")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    read = getattr(body, "read", None)
    if callable(read):
        data = read()
        return bytes(data)
    raise ResourceFailure(f"Could not read s3://{bucket}/{key}")


async def package_bytes(
    ctx: ResourceContext,
    bucket: str,
    key: str,
    version: str | None,
    stand_in: Callable[[str, str], bytes] | None = None,
) -> bytes:
    """A package (a function's or layer's zip, an API definition) from S3. One in a bucket
    or key this Tenku does not hold lives, as far as it can tell, in an AWS account it
    cannot reach: with unknown types skipped the resource is made from `stand_in(bucket,
    key)` (by default a zip with only a note, so an invoke fails as a package without its
    handler does); otherwise the deploy fails, as on AWS."""
    try:
        return await s3_bytes(ctx, bucket, key, version)
    except ResourceFailure as failure:
        cause = failure.__cause__
        missing = isinstance(cause, ServiceError) and cause.code in ("NoSuchBucket", "NoSuchKey")
        if not (missing and ctx.skip_unknown):
            raise
        log.warning(
            "%s: s3://%s/%s is not in Tenku's S3; made from a stand-in",
            ctx.logical_id,
            bucket,
            key,
        )
        return (stand_in or stand_in_package)(bucket, key)


def stand_in_package(bucket: str, key: str) -> bytes:
    """A zip holding only a note: where the real package was expected, and what to do."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(STAND_IN_NOTE)
        info.external_attr = 0o644 << 16
        archive.writestr(
            info,
            f"The deployment package s3://{bucket}/{key} was not in Tenku's S3 when this\n"
            "stack was deployed with tenku:skip-unknown-types=true, so Tenku made the\n"
            "resource with this note in its place. Upload the package (or point the\n"
            "template at local code) and deploy again.\n",
        )
    return buffer.getvalue()


def stand_in_openapi(bucket: str, key: str, paths: dict[str, Any]) -> bytes:
    """An OpenAPI definition in place of s3://bucket/key, with `paths` and a description
    that says where the real one is."""
    document = {
        "openapi": "3.0.1",
        "info": {"title": key.rsplit("/", 1)[-1], "description": missing_note(bucket, key)},
        "paths": paths,
    }
    return json.dumps(document).encode()


def missing_note(bucket: str, key: str) -> str:
    return f"The API definition s3://{bucket}/{key} is not in Tenku's S3."
