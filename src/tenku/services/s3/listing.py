"""Listings: ListObjects (v1, Marker), ListObjectsV2 (ContinuationToken, StartAfter),
ListObjectVersions (with delete markers), all with Prefix, Delimiter/CommonPrefixes,
MaxKeys and EncodingType=url.

Keys come from the store in UTF-8 binary order, as S3 lists them. Continuation tokens
are the base64 of the last key or common prefix returned.
Must not: hold SQL (store.py).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.s3.base import S3Base
from tenku.services.s3.buckets import OWNER
from tenku.services.s3.errors import invalid_argument
from tenku.services.s3.keys import listing_encode
from tenku.services.s3.store import Version

MAX_KEYS = 1000


def _encoding(encoding_type: str | None) -> bool:
    if encoding_type is None:
        return False
    if encoding_type != "url":
        raise invalid_argument(
            "Invalid Encoding Method specified in Request", "encoding-type", encoding_type
        )
    return True


def _max_keys(max_keys: int | None) -> int:
    if max_keys is None:
        return MAX_KEYS
    if max_keys < 0:
        raise invalid_argument(
            "Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", max_keys
        )
    return min(max_keys, MAX_KEYS)


def group(
    versions: Iterator[Version], prefix: str, delimiter: str | None, after: str, limit: int
) -> tuple[list[Version | str], bool]:
    """Up to `limit` entries (versions, or common prefixes as str) and whether more
    follow. Keys sharing a prefix up to the delimiter collapse into one entry."""
    entries: list[Version | str] = []
    last_prefix: str | None = None
    for version in versions:
        if delimiter:
            cut = version.key.find(delimiter, len(prefix))
            if cut >= 0:
                common = version.key[: cut + len(delimiter)]
                if common in (last_prefix, after):
                    continue
                if len(entries) >= limit:
                    return entries, True
                entries.append(common)
                last_prefix = common
                continue
        if len(entries) >= limit:
            return entries, True
        entries.append(version)
    return entries, False


def _object_entry(version: Version, owner: bool, encode: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": listing_encode(version.key) if encode else version.key,
        "LastModified": version.modified,
        "ETag": version.etag,
        "Size": version.size,
        "StorageClass": version.meta.get("StorageClass", "STANDARD"),
    }
    checksums = version.meta.get("Checksums")
    if checksums:
        entry["ChecksumAlgorithm"] = list(checksums)
        entry["ChecksumType"] = version.meta.get("ChecksumType", "FULL_OBJECT")
    if owner:
        entry["Owner"] = OWNER
    return entry


def _decode_token(token: str) -> str:
    try:
        text = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode("utf-8")
        if not text:
            raise ValueError("empty token")
        return text
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise invalid_argument(
            "The continuation token provided is incorrect", "continuation-token", token
        ) from exc


def _encode_token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode()


class ListingMixin(S3Base):
    def _list_current(
        self, bucket: str, prefix: str, delimiter: str | None, after: str, limit: int
    ) -> tuple[list[Version | str], bool]:
        if limit == 0:
            return [], False
        rows = self.store.current_objects(bucket, after, prefix)
        return group(rows, prefix, delimiter, after, limit)

    def list_objects_v2(
        self,
        ctx: RequestContext,
        bucket: str,
        delimiter: str | None = None,
        encoding_type: str | None = None,
        max_keys: int | None = None,
        prefix: str | None = None,
        continuation_token: str | None = None,
        fetch_owner: bool | None = None,
        start_after: str | None = None,
    ) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        encode = _encoding(encoding_type)
        limit = _max_keys(max_keys)
        prefix = prefix or ""
        after = _decode_token(continuation_token) if continuation_token else (start_after or "")
        entries, truncated = self._list_current(bucket, prefix, delimiter, after, limit)
        code = listing_encode if encode else (lambda text: text)
        result: dict[str, Any] = {
            "Name": bucket,
            "Prefix": code(prefix),
            "MaxKeys": limit,
            "KeyCount": len(entries),
            "IsTruncated": truncated,
        }
        contents = [
            _object_entry(e, bool(fetch_owner), encode) for e in entries if isinstance(e, Version)
        ]
        prefixes = [{"Prefix": code(e)} for e in entries if isinstance(e, str)]
        if contents:
            result["Contents"] = contents
        if prefixes:
            result["CommonPrefixes"] = prefixes
        if delimiter:
            result["Delimiter"] = code(delimiter)
        if encode:
            result["EncodingType"] = "url"
        if continuation_token:
            result["ContinuationToken"] = continuation_token
        if start_after:
            result["StartAfter"] = code(start_after)
        if truncated:
            last = entries[-1]
            result["NextContinuationToken"] = _encode_token(
                last if isinstance(last, str) else last.key
            )
        return result

    def list_objects(
        self,
        ctx: RequestContext,
        bucket: str,
        delimiter: str | None = None,
        encoding_type: str | None = None,
        marker: str | None = None,
        max_keys: int | None = None,
        prefix: str | None = None,
    ) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        encode = _encoding(encoding_type)
        limit = _max_keys(max_keys)
        prefix = prefix or ""
        entries, truncated = self._list_current(bucket, prefix, delimiter, marker or "", limit)
        code = listing_encode if encode else (lambda text: text)
        result: dict[str, Any] = {
            "Name": bucket,
            "Prefix": code(prefix),
            "Marker": code(marker or ""),
            "MaxKeys": limit,
            "IsTruncated": truncated,
        }
        contents = [_object_entry(e, True, encode) for e in entries if isinstance(e, Version)]
        prefixes = [{"Prefix": code(e)} for e in entries if isinstance(e, str)]
        if contents:
            result["Contents"] = contents
        if prefixes:
            result["CommonPrefixes"] = prefixes
        if delimiter:
            result["Delimiter"] = code(delimiter)
            if truncated:
                last = entries[-1]
                result["NextMarker"] = code(last if isinstance(last, str) else last.key)
        if encode:
            result["EncodingType"] = "url"
        return result

    def list_object_versions(
        self,
        ctx: RequestContext,
        bucket: str,
        delimiter: str | None = None,
        encoding_type: str | None = None,
        key_marker: str | None = None,
        max_keys: int | None = None,
        prefix: str | None = None,
        version_id_marker: str | None = None,
    ) -> dict[str, Any]:
        self.bucket_for(ctx, bucket)
        encode = _encoding(encoding_type)
        limit = _max_keys(max_keys)
        prefix = prefix or ""
        if version_id_marker and not key_marker:
            raise invalid_argument(
                "A version-id marker cannot be specified without a key marker.",
                "version-id-marker",
                version_id_marker,
            )

        def versions() -> Iterator[Version]:
            # Versions of the key marker itself: all skipped, or those up to and
            # including the version-id marker.
            passed_marker = False
            for version in self.store.all_versions(bucket, key_marker or "", prefix):
                if key_marker and version.key == key_marker and not passed_marker:
                    if version_id_marker:
                        passed_marker = version.version_id == version_id_marker
                    continue
                yield version

        entries, truncated = (
            group(versions(), prefix, delimiter, key_marker or "", limit) if limit else ([], False)
        )
        code = listing_encode if encode else (lambda text: text)
        result: dict[str, Any] = {
            "Name": bucket,
            "Prefix": code(prefix),
            "KeyMarker": code(key_marker or ""),
            "VersionIdMarker": version_id_marker or "",
            "MaxKeys": limit,
            "IsTruncated": truncated,
        }
        found_versions, markers = [], []
        for entry in entries:
            if isinstance(entry, str):
                continue
            common = {
                "Key": code(entry.key),
                "VersionId": entry.version_id,
                "IsLatest": entry.latest,
                "LastModified": entry.modified,
                "Owner": OWNER,
            }
            if entry.marker:
                markers.append(common)
            else:
                common.update(
                    ETag=entry.etag,
                    Size=entry.size,
                    StorageClass=entry.meta.get("StorageClass", "STANDARD"),
                )
                found_versions.append(common)
        if found_versions:
            result["Versions"] = found_versions
        if markers:
            result["DeleteMarkers"] = markers
        prefixes = [{"Prefix": code(e)} for e in entries if isinstance(e, str)]
        if prefixes:
            result["CommonPrefixes"] = prefixes
        if delimiter:
            result["Delimiter"] = code(delimiter)
        if encode:
            result["EncodingType"] = "url"
        if truncated:
            last = entries[-1]
            if isinstance(last, str):
                result["NextKeyMarker"] = code(last)
            else:
                result["NextKeyMarker"] = code(last.key)
                result["NextVersionIdMarker"] = last.version_id
        return result
