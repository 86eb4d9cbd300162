"""Multipart uploads: create, upload part (and part copy), complete, abort, list.

Completion follows S3's rules: parts listed in ascending order (InvalidPartOrder),
each uploaded with the ETag given (InvalidPart), every part but the last at least
5 MiB (EntityTooSmall). The object's ETag is the MD5 of the parts' binary MD5s plus
`-N`; its body is the part files concatenated into a new file in a worker thread.
Must not: hold SQL (store.py) or file handling (bodies.py).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.s3.base import S3Base
from tenku.services.s3.buckets import OWNER
from tenku.services.s3.checksums import (
    MEMBER,
    Hashers,
    composite_checksum,
    multipart_etag,
    normalize_etag,
)
from tenku.services.s3.conditions import check_copy_conditions, parse_range
from tenku.services.s3.errors import invalid_argument, malformed_xml, no_such_upload, s3_error
from tenku.services.s3.keys import check_key, listing_encode
from tenku.services.s3.objectmeta import (
    check_content_md5,
    content_meta,
    parse_copy_source,
    parse_tagging_header,
    verify_body,
    wanted_checksums,
)
from tenku.services.s3.objects import ObjectsMixin
from tenku.services.s3.params import members
from tenku.services.s3.store import Part, Upload, Version

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000


def _check_part_number(number: int) -> None:
    if not 1 <= number <= MAX_PART_NUMBER:
        raise invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive", "partNumber", number
        )


def check_completion(
    listed: list[dict[str, Any]], parts: dict[int, Part], upload_id: str
) -> list[Part]:
    """The parts that make the object, in order; S3's errors otherwise."""
    if not listed:
        raise malformed_xml()
    chosen: list[Part] = []
    previous = 0
    for item in listed:
        number = int(item.get("PartNumber") or 0)
        if number <= previous:
            raise s3_error(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part "
                "number.",
                UploadId=upload_id,
            )
        previous = number
        part = parts.get(number)
        if part is None or normalize_etag(str(item.get("ETag") or "")) != part.etag:
            raise s3_error(
                "InvalidPart",
                "One or more of the specified parts could not be found.  The part may not have "
                "been uploaded, or the specified entity tag may not match the part's entity tag.",
                UploadId=upload_id,
                PartNumber=str(number),
                ETag=item.get("ETag"),
            )
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            raise s3_error(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed object size.",
                ProposedSize=str(part.size),
                MinSizeAllowed=str(MIN_PART_SIZE),
                PartNumber=str(part.number),
                ETag=part.etag,
            )
    return chosen


class MultipartMixin(ObjectsMixin, S3Base):
    def _upload(self, ctx: RequestContext, bucket: str, key: str, upload_id: str) -> Upload:
        self.bucket_for(ctx, bucket)
        upload = self.store.upload(upload_id)
        if upload is None or upload.bucket != bucket or upload.key != key:
            raise no_such_upload(upload_id)
        return upload

    def create_multipart_upload(
        self, ctx: RequestContext, bucket: str, key: str, **kwargs: Any
    ) -> dict[str, Any]:
        params = members("CreateMultipartUpload", kwargs)
        self.bucket_for(ctx, bucket)
        check_key(key)
        meta = content_meta(params)
        tags = parse_tagging_header(params.get("Tagging"))
        if tags:
            meta["Tags"] = tags
        algorithm = params.get("ChecksumAlgorithm")
        if algorithm:
            wanted_checksums({"ChecksumAlgorithm": algorithm})
            meta["ChecksumAlgorithm"] = algorithm.upper()
            meta["ChecksumType"] = params.get("ChecksumType") or "COMPOSITE"
        upload = Upload(uuid.uuid4().hex + uuid.uuid4().hex, bucket, key, self.clock.now(), meta)
        self.store.create_upload(upload)
        result = {"Bucket": bucket, "Key": key, "UploadId": upload.upload_id}
        if algorithm:
            result.update(
                ChecksumAlgorithm=meta["ChecksumAlgorithm"], ChecksumType=meta["ChecksumType"]
            )
        return result

    async def upload_part(
        self,
        ctx: RequestContext,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        **kwargs: Any,
    ) -> dict[str, Any]:
        params = members("UploadPart", kwargs)
        _check_part_number(part_number)
        upload = self._upload(ctx, bucket, key, upload_id)
        md5 = check_content_md5(params.get("ContentMD5"))
        wanted = wanted_checksums(params)
        if upload.meta.get("ChecksumAlgorithm"):
            wanted.setdefault(upload.meta["ChecksumAlgorithm"], None)
        hashers = Hashers(wanted)
        name = await asyncio.to_thread(self.bodies.write, [params.get("Body") or b""], hashers)
        try:
            checksums = verify_body(hashers, md5, wanted)
            self._upload(ctx, bucket, key, upload_id)  # aborted meanwhile?
        except BaseException:
            self.bodies.remove(name)
            raise
        self.store.put_part(
            upload_id, Part(part_number, hashers.etag(), hashers.size, self.now(), name, checksums)
        )
        result: dict[str, Any] = {"ETag": hashers.etag()}
        for algorithm, value in checksums.items():
            result[MEMBER[algorithm]] = value
        return result

    async def upload_part_copy(
        self,
        ctx: RequestContext,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        copy_source: str,
        **kwargs: Any,
    ) -> dict[str, Any]:
        params = members("UploadPartCopy", kwargs)
        _check_part_number(part_number)
        upload = self._upload(ctx, bucket, key, upload_id)
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
        start, length = 0, source.size
        wanted_range = params.get("CopySourceRange")
        if wanted_range:
            span = parse_range(wanted_range, source.size)
            if (
                span is None
                or not wanted_range.startswith("bytes=")
                or wanted_range.startswith("bytes=-")
            ):
                raise invalid_argument(
                    f"Range specified is not valid for source object of size: {source.size}",
                    "x-amz-copy-source-range",
                    wanted_range,
                )
            start, length = span.start, span.length
        algorithms = (
            [upload.meta["ChecksumAlgorithm"]] if upload.meta.get("ChecksumAlgorithm") else []
        )
        hashers = Hashers(algorithms)
        pieces = self.bodies.pieces(source.body, start, length) if source.body else iter([b""])
        name = await asyncio.to_thread(self.bodies.write, pieces, hashers)
        self.store.put_part(
            upload_id,
            Part(part_number, hashers.etag(), hashers.size, self.now(), name, hashers.checksums()),
        )
        copy_result: dict[str, Any] = {"ETag": hashers.etag(), "LastModified": self.now()}
        for algorithm, value in hashers.checksums().items():
            copy_result[MEMBER[algorithm]] = value
        result: dict[str, Any] = {"CopyPartResult": copy_result}
        if source_bucket.versioning:
            result["CopySourceVersionId"] = source.version_id
        return result

    async def complete_multipart_upload(
        self,
        ctx: RequestContext,
        bucket: str,
        key: str,
        upload_id: str,
        multipart_upload: dict[str, Any] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        found = self.bucket_for(ctx, bucket)
        upload = self._upload(ctx, bucket, key, upload_id)
        parts = {part.number: part for part in self.store.parts(upload_id)}
        chosen = check_completion((multipart_upload or {}).get("Parts") or [], parts, upload_id)
        algorithm = upload.meta.get("ChecksumAlgorithm")
        full_object = upload.meta.get("ChecksumType") == "FULL_OBJECT"
        hashers = Hashers([algorithm] if algorithm and full_object else [])
        name = await asyncio.to_thread(self.bodies.concatenate, [p.body for p in chosen], hashers)
        if self.store.upload(upload_id) is None:  # completed or aborted meanwhile
            self.bodies.remove(name)
            raise no_such_upload(upload_id)
        meta = {
            k: v for k, v in upload.meta.items() if k not in ("ChecksumAlgorithm", "ChecksumType")
        }
        meta["Parts"] = [p.size for p in chosen]
        if algorithm:
            if full_object:
                value = hashers.checksums()[algorithm]
            else:
                value = composite_checksum(
                    algorithm, [p.checksums.get(algorithm, "") for p in chosen]
                )
            meta["Checksums"] = {algorithm: value}
            meta["ChecksumType"] = "FULL_OBJECT" if full_object else "COMPOSITE"
        etag = multipart_etag([p.etag for p in chosen])
        version = Version(
            bucket, key, self.version_id_for(found), hashers.size, etag, self.now(), name, meta
        )
        with self.store.transaction():
            self.store.end_upload(upload_id)
            self.store_version(ctx, found, version, "ObjectCreated:CompleteMultipartUpload")
        result: dict[str, Any] = {
            "Location": f"http://{ctx.host}/{bucket}/{listing_encode(key)}",
            "Bucket": bucket,
            "Key": key,
            "ETag": etag,
            **self.version_answer(found, version),
        }
        for alg, value in (meta.get("Checksums") or {}).items():
            result[MEMBER[alg]] = value
            result["ChecksumType"] = meta["ChecksumType"]
        return result

    def abort_multipart_upload(
        self, ctx: RequestContext, bucket: str, key: str, upload_id: str
    ) -> dict[str, Any]:
        self._upload(ctx, bucket, key, upload_id)
        with self.store.transaction():
            self.store.end_upload(upload_id)
        return {}

    def list_parts(
        self,
        ctx: RequestContext,
        bucket: str,
        key: str,
        upload_id: str,
        max_parts: int | None = None,
        part_number_marker: int | None = None,
    ) -> dict[str, Any]:
        upload = self._upload(ctx, bucket, key, upload_id)
        limit = min(max_parts if max_parts is not None else 1000, 1000)
        marker = part_number_marker or 0
        parts = [p for p in self.store.parts(upload_id) if p.number > marker]
        page = parts[:limit]
        result: dict[str, Any] = {
            "Bucket": bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumberMarker": marker,
            "MaxParts": limit,
            "IsTruncated": len(parts) > limit,
            "Initiator": OWNER,
            "Owner": OWNER,
            "StorageClass": upload.meta.get("StorageClass", "STANDARD"),
        }
        if page:
            result["NextPartNumberMarker"] = page[-1].number
            result["Parts"] = [
                {
                    "PartNumber": p.number,
                    "LastModified": p.modified,
                    "ETag": p.etag,
                    "Size": p.size,
                    **{MEMBER[a]: v for a, v in p.checksums.items()},
                }
                for p in page
            ]
        if upload.meta.get("ChecksumAlgorithm"):
            result["ChecksumAlgorithm"] = upload.meta["ChecksumAlgorithm"]
            result["ChecksumType"] = upload.meta["ChecksumType"]
        return result

    def list_multipart_uploads(
        self,
        ctx: RequestContext,
        bucket: str,
        delimiter: str | None = None,
        encoding_type: str | None = None,
        key_marker: str | None = None,
        max_uploads: int | None = None,
        prefix: str | None = None,
        upload_id_marker: str | None = None,
    ) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        encode = encoding_type == "url"
        code = listing_encode if encode else (lambda text: text)
        limit = min(max_uploads if max_uploads is not None else 1000, 1000)
        prefix = prefix or ""
        uploads = [u for u in self.store.uploads(bucket) if u.key.startswith(prefix)]
        if key_marker:
            uploads = [
                u
                for u in uploads
                if u.key > key_marker
                or (upload_id_marker and u.key == key_marker and u.upload_id > upload_id_marker)
            ]
        entries: list[Upload | str] = []
        truncated = False
        for upload in uploads:
            if delimiter and (cut := upload.key.find(delimiter, len(prefix))) >= 0:
                common = upload.key[: cut + len(delimiter)]
                if common in entries:
                    continue
                item: Upload | str = common
            else:
                item = upload
            if len(entries) >= limit:
                truncated = True
                break
            entries.append(item)
        result: dict[str, Any] = {
            "Bucket": bucket,
            "KeyMarker": code(key_marker or ""),
            "UploadIdMarker": upload_id_marker or "",
            "MaxUploads": limit,
            "IsTruncated": truncated,
            "Prefix": code(prefix),
        }
        listed = [u for u in entries if isinstance(u, Upload)]
        if listed:
            result["Uploads"] = [
                {
                    "UploadId": u.upload_id,
                    "Key": code(u.key),
                    "Initiated": u.initiated,
                    "StorageClass": u.meta.get("StorageClass", "STANDARD"),
                    "Owner": OWNER,
                    "Initiator": OWNER,
                }
                for u in listed
            ]
        prefixes = [{"Prefix": code(e)} for e in entries if isinstance(e, str)]
        if prefixes:
            result["CommonPrefixes"] = prefixes
        if delimiter:
            result["Delimiter"] = code(delimiter)
        if encode:
            result["EncodingType"] = "url"
        if truncated and listed:
            result["NextKeyMarker"] = code(listed[-1].key)
            result["NextUploadIdMarker"] = listed[-1].upload_id
        return result
