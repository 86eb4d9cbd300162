"""Object reads and writes: PutObject, GetObject, HeadObject, CopyObject.

Bodies are written to their file (in a worker thread, fsynced, renamed) before the
metadata row and its notification rows are committed in one transaction.
Must not: hold SQL (store.py) or file handling (bodies.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from tenku.core.context import RequestContext
from tenku.protocol.serializers import STATUS_KEY
from tenku.protocol.timefmt import format_rfc822
from tenku.services.s3 import lifecycle
from tenku.services.s3.base import S3Base
from tenku.services.s3.checksums import Hashers
from tenku.services.s3.conditions import check_conditions, check_copy_conditions, parse_range
from tenku.services.s3.errors import (
    deleted_key,
    invalid_request,
    invalid_version,
    method_not_allowed,
    no_such_key,
    no_such_version,
    precondition_failed,
)
from tenku.services.s3.keys import check_key
from tenku.services.s3.objectmeta import (
    RESPONSE_OVERRIDES,
    answer_members,
    check_content_md5,
    content_meta,
    parse_copy_source,
    parse_tagging_header,
    verify_body,
    wanted_checksums,
)
from tenku.services.s3.params import members
from tenku.services.s3.store import Bucket, Version

INLINE_READ_LIMIT = 1 << 20  # larger bodies are read in a worker thread


def valid_version_id(version_id: str) -> bool:
    return version_id == "null" or (len(version_id) == 32 and version_id.isalnum())


class ObjectsMixin(S3Base):
    def find_version(self, bucket: str, key: str, version_id: str | None) -> Version:
        """The version a read names; S3's errors for missing keys, versions and markers."""
        if version_id is not None:
            if not valid_version_id(version_id):
                raise invalid_version(version_id)
            found = self.store.version(bucket, key, version_id)
            if found is None:
                raise no_such_version(key, version_id)
            if found.marker:
                raise method_not_allowed(found.version_id, format_rfc822(found.modified))
            return found
        found = self.store.latest(bucket, key)
        if found is None:
            raise no_such_key(key)
        if found.marker:
            raise deleted_key(key, found.version_id if found.version_id != "null" else None)
        return found

    def store_version(
        self, ctx: RequestContext, bucket: Bucket, new: Version, event_name: str
    ) -> Version:
        """Commit a new current version with its notifications; returns it."""
        with self.store.transaction():
            self.store.add_version(new, replace_null=bucket.versioning != "Enabled")
            self.notify(bucket, event_name, new, ctx.request_id)
        return new

    def version_id_for(self, bucket: Bucket) -> str:
        return self.new_version_id() if bucket.versioning == "Enabled" else "null"

    @staticmethod
    def version_answer(bucket: Bucket, version: Version) -> dict[str, Any]:
        return {"VersionId": version.version_id} if bucket.versioning else {}

    def expiration(self, bucket: Bucket, version: Version) -> dict[str, Any]:
        rules = self.store.config(bucket.name, "lifecycle")
        if not rules:
            return {}
        header = lifecycle.expiration_header(
            rules, version.key, version.size, version.meta.get("Tags") or {}, version.modified
        )
        return {"Expiration": header} if header else {}

    # -- PutObject -----------------------------------------------------------------------
    async def put_object(
        self, ctx: RequestContext, bucket: str, key: str, **kwargs: Any
    ) -> dict[str, Any]:
        params = members("PutObject", kwargs)
        found = self.bucket_for(ctx, bucket)
        check_key(key)
        body: bytes = params.get("Body") or b""
        md5 = check_content_md5(params.get("ContentMD5"))
        wanted = wanted_checksums(params)
        tags = parse_tagging_header(params.get("Tagging"))
        self._check_write_conditions(bucket, key, params.get("IfMatch"), params.get("IfNoneMatch"))
        hashers = Hashers(wanted)
        name = await asyncio.to_thread(self.bodies.write, [body], hashers)
        try:
            checksums = verify_body(hashers, md5, wanted)
            self._check_write_conditions(
                bucket, key, params.get("IfMatch"), params.get("IfNoneMatch")
            )
        except BaseException:
            self.bodies.remove(name)  # never referenced
            raise
        meta = content_meta(params)
        if checksums:
            meta["Checksums"] = checksums
            meta["ChecksumType"] = "FULL_OBJECT"
        if tags:
            meta["Tags"] = tags
        version = Version(
            bucket,
            key,
            self.version_id_for(found),
            hashers.size,
            hashers.etag(),
            self.now(),
            name,
            meta,
        )
        self.store_version(ctx, found, version, "ObjectCreated:Put")
        result: dict[str, Any] = {"ETag": version.etag, **self.version_answer(found, version)}
        for algorithm, value in checksums.items():
            result[f"Checksum{algorithm}"] = value
        if checksums:
            result["ChecksumType"] = "FULL_OBJECT"
        result.update(self.expiration(found, version))
        return result

    def _check_write_conditions(
        self, bucket: str, key: str, if_match: str | None, if_none_match: str | None
    ) -> None:
        if if_match is None and if_none_match is None:
            return
        current = self.store.latest(bucket, key)
        exists = current is not None and not current.marker
        if if_none_match is not None:
            if if_none_match.strip() != "*":
                raise invalid_request("If-None-Match only supports '*'")
            if exists:
                raise precondition_failed("If-None-Match")
        if if_match is not None:
            if not exists:
                raise no_such_key(key)
            assert current is not None
            check_conditions(current.etag, current.modified, if_match=if_match)

    # -- GetObject / HeadObject ----------------------------------------------------------
    def _read_plan(
        self, ctx: RequestContext, bucket: str, key: str, params: dict[str, Any]
    ) -> tuple[Bucket, Version, dict[str, Any], tuple[int, int] | None]:
        found = self.bucket_for(ctx, bucket)
        version = self.find_version(bucket, key, params.get("VersionId"))
        check_conditions(
            version.etag,
            version.modified,
            params.get("IfMatch"),
            params.get("IfNoneMatch"),
            params.get("IfModifiedSince"),
            params.get("IfUnmodifiedSince"),
            last_modified_text=format_rfc822(version.modified),
        )
        size = version.size
        span: tuple[int, int] | None = None
        result: dict[str, Any] = {}
        part_number = params.get("PartNumber")
        if part_number is not None:
            parts = version.meta.get("Parts") or [size]
            if not 1 <= part_number <= len(parts):
                raise invalid_request_part(part_number, len(parts))
            start = sum(parts[: part_number - 1])
            span = (start, parts[part_number - 1])
            if len(parts) > 1 or version.meta.get("Parts"):
                result[STATUS_KEY] = 206
                result["ContentRange"] = (
                    f"bytes {start}-{start + span[1] - 1}/{size}" if span[1] else None
                )
        elif params.get("Range"):
            wanted = parse_range(params["Range"], size)
            if wanted is not None:
                span = (wanted.start, wanted.length)
                result[STATUS_KEY] = 206
                result["ContentRange"] = wanted.content_range(size)
        whole = span is None or span == (0, size)
        result.update(answer_members(version.meta, params.get("ChecksumMode"), whole))
        for override, member in RESPONSE_OVERRIDES.items():
            if params.get(override) is not None:
                value = params[override]
                result[member] = format_rfc822(value) if isinstance(value, float) else value
        result.update(
            AcceptRanges="bytes",
            LastModified=version.modified,
            ContentLength=size if span is None else span[1],
            ETag=version.etag,
        )
        result.update(self.version_answer(found, version))
        result.update(self.expiration(found, version))
        return found, version, result, span

    async def get_object(
        self, ctx: RequestContext, bucket: str, key: str, **kwargs: Any
    ) -> dict[str, Any]:
        params = members("GetObject", kwargs)
        _found, version, result, span = self._read_plan(ctx, bucket, key, params)
        start, length = span if span is not None else (0, version.size)
        if version.body is None or length == 0:
            result["Body"] = b""
        elif length > INLINE_READ_LIMIT:
            result["Body"] = await asyncio.to_thread(self.bodies.read, version.body, start, length)
        else:
            result["Body"] = self.bodies.read(version.body, start, length)
        return result

    def head_object(
        self, ctx: RequestContext, bucket: str, key: str, **kwargs: Any
    ) -> dict[str, Any]:
        params = members("HeadObject", kwargs)
        _found, _version, result, _span = self._read_plan(ctx, bucket, key, params)
        return result

    # -- CopyObject --------------------------------------------------------------------
    async def copy_object(
        self, ctx: RequestContext, bucket: str, key: str, copy_source: str, **kwargs: Any
    ) -> dict[str, Any]:
        params = members("CopyObject", kwargs)
        target = self.bucket_for(ctx, bucket)
        check_key(key)
        source_bucket_name, source_key, source_version_id = parse_copy_source(copy_source)
        source_bucket = self.bucket_for(ctx, source_bucket_name)
        source = self.find_version(source_bucket_name, source_key, source_version_id)
        check_copy_conditions(
            source.etag,
            source.modified,
            params.get("CopySourceIfMatch"),
            params.get("CopySourceIfNoneMatch"),
            params.get("CopySourceIfModifiedSince"),
            params.get("CopySourceIfUnmodifiedSince"),
        )
        replace_meta = (params.get("MetadataDirective") or "COPY") == "REPLACE"
        replace_tags = (params.get("TaggingDirective") or "COPY") == "REPLACE"
        same = source_bucket_name == bucket and source_key == key
        if (
            same
            and not replace_meta
            and not any(
                params.get(p)
                for p in (
                    "StorageClass",
                    "WebsiteRedirectLocation",
                    "ServerSideEncryption",
                    "SSEKMSKeyId",
                )
            )
            and source_version_id is None
        ):
            raise invalid_request(
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect "
                "location or encryption attributes."
            )
        if replace_meta:
            meta = content_meta(params)
        else:
            meta = {
                k: v
                for k, v in source.meta.items()
                if k not in ("Tags", "Parts", "Checksums", "ChecksumType")
            }
            if params.get("StorageClass"):
                meta["StorageClass"] = params["StorageClass"]
        tags = (
            parse_tagging_header(params.get("Tagging"))
            if replace_tags
            else dict(source.meta.get("Tags") or {})
        )
        algorithms = list(wanted_checksums({"ChecksumAlgorithm": params.get("ChecksumAlgorithm")}))
        if not algorithms:
            algorithms = list(source.meta.get("Checksums") or {})
        algorithms = [a for a in algorithms if a]
        hashers = Hashers(algorithms)
        pieces = self.bodies.pieces(source.body) if source.body else iter([b""])
        name = await asyncio.to_thread(self.bodies.write, pieces, hashers)
        if hashers.checksums():
            meta["Checksums"] = hashers.checksums()
            meta["ChecksumType"] = "FULL_OBJECT"
        if tags:
            meta["Tags"] = tags
        version = Version(
            bucket,
            key,
            self.version_id_for(target),
            hashers.size,
            hashers.etag(),
            self.now(),
            name,
            meta,
        )
        self.store_version(ctx, target, version, "ObjectCreated:Copy")
        copy_result: dict[str, Any] = {"ETag": version.etag, "LastModified": version.modified}
        for algorithm, value in hashers.checksums().items():
            copy_result[f"Checksum{algorithm}"] = value
        result: dict[str, Any] = {
            "CopyObjectResult": copy_result,
            **self.version_answer(target, version),
        }
        if source_bucket.versioning:
            result["CopySourceVersionId"] = source.version_id
        return result


def invalid_request_part(number: int, count: int) -> Exception:
    from tenku.services.s3.errors import s3_error

    return s3_error(
        "InvalidPartNumber",
        "The requested partnumber is not satisfiable",
        416,
        PartNumberRequested=str(number),
        ActualPartCount=str(count),
    )
