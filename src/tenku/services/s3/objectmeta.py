"""An object's stored attributes (pure): built from a request's members, and turned
back into the members of GetObject/HeadObject answers.

Owns: which request members are kept with an object (content headers, user metadata,
checksums, tags, storage class, encryption echoes), the checks of Content-MD5 and of
the x-amz-checksum-* values against what was received, copy-source parsing, and the
`x-amz-tagging` header format.
Must not: touch storage or files.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote

from tenku.services.s3.checksums import ALGORITHMS, MEMBER, Hashers, valid_checksum_text
from tenku.services.s3.errors import invalid_argument, invalid_request, s3_error

CONTENT_MEMBERS = (
    "ContentType",
    "ContentEncoding",
    "ContentDisposition",
    "ContentLanguage",
    "CacheControl",
    "Expires",
    "WebsiteRedirectLocation",
    "ServerSideEncryption",
    "SSEKMSKeyId",
)
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
MAX_OBJECT_TAGS = 10


def content_meta(params: dict[str, Any]) -> dict[str, Any]:
    """The stored attributes named by a PutObject/CreateMultipartUpload/CopyObject."""
    meta: dict[str, Any] = {k: params[k] for k in CONTENT_MEMBERS if params.get(k) is not None}
    meta.setdefault("ContentType", DEFAULT_CONTENT_TYPE)
    meta["Metadata"] = {k.lower(): v for k, v in (params.get("Metadata") or {}).items()}
    storage_class = params.get("StorageClass")
    if storage_class and storage_class != "STANDARD":
        meta["StorageClass"] = storage_class
    return meta


def parse_tagging_header(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    tags: dict[str, str] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in tags:
            raise s3_error(
                "InvalidTag", "Cannot provide multiple Tags with the same key", TagKey=key
            )
        tags[key] = value
    check_object_tags(tags)
    return tags


def check_object_tags(tags: dict[str, str]) -> None:
    if len(tags) > MAX_OBJECT_TAGS:
        raise s3_error("BadRequest", "Object tags cannot be greater than 10")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            raise s3_error("InvalidTag", "The TagKey you have provided is invalid", TagKey=key)
        if len(value) > 256:
            raise s3_error("InvalidTag", "The TagValue you have provided is invalid", TagKey=key)


def wanted_checksums(params: dict[str, Any]) -> dict[str, str | None]:
    """Algorithm -> the value the client sent (None: compute and keep only)."""
    wanted: dict[str, str | None] = {}
    for algorithm in ALGORITHMS:
        value = params.get(MEMBER[algorithm])
        if value is not None:
            if not valid_checksum_text(algorithm, value):
                raise invalid_request(
                    f"Value for x-amz-checksum-{algorithm.lower()} header is invalid."
                )
            wanted[algorithm] = value
    requested = params.get("ChecksumAlgorithm")
    if requested:
        algorithm = str(requested).upper()
        if algorithm not in ALGORITHMS:
            raise invalid_request(
                "Checksum algorithm provided is unsupported. Please try again with any of "
                "the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
            )
        if wanted and algorithm not in wanted:
            raise invalid_request("Value for x-amz-sdk-checksum-algorithm header is invalid.")
        wanted.setdefault(algorithm, None)
    if len(wanted) > 1:
        raise invalid_request(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    return wanted


def check_content_md5(content_md5: str | None) -> bytes | None:
    if content_md5 is None:
        return None
    try:
        digest = base64.b64decode(content_md5, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise s3_error("InvalidDigest", "The Content-MD5 you specified was invalid.")
    return digest


def verify_body(
    hashers: Hashers, md5: bytes | None, wanted: dict[str, str | None]
) -> dict[str, str]:
    """The checksums to keep; BadDigest when the body is not what the client hashed."""
    if md5 is not None and hashers.md5.digest() != md5:
        raise s3_error(
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
            ExpectedDigest=base64.b64encode(md5).decode(),
            CalculatedDigest=base64.b64encode(hashers.md5.digest()).decode(),
        )
    computed = hashers.checksums()
    for algorithm, expected in wanted.items():
        if expected is not None and computed[algorithm] != expected:
            raise s3_error(
                "BadDigest",
                f"The {algorithm} you specified did not match the calculated checksum.",
            )
    return computed


def parse_copy_source(text: str) -> tuple[str, str, str | None]:
    """(bucket, key, version id) of an `x-amz-copy-source` value (URL-encoded)."""
    path, _, query = text.partition("?")
    version_id = None
    if query:
        params = dict(parse_qsl(query, keep_blank_values=True))
        version_id = params.get("versionId")
        if version_id is not None and not version_id:
            raise invalid_argument(
                "Version id cannot be the empty string", "x-amz-copy-source", text
            )
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise invalid_argument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            "x-amz-copy-source",
            text,
        )
    return bucket, key, version_id


def answer_members(meta: dict[str, Any], checksum_mode: str | None, whole: bool) -> dict[str, Any]:
    """The GetObject/HeadObject members stored with an object."""
    result: dict[str, Any] = {k: meta[k] for k in CONTENT_MEMBERS if k in meta}
    if meta.get("Metadata"):
        result["Metadata"] = meta["Metadata"]
    if meta.get("StorageClass"):
        result["StorageClass"] = meta["StorageClass"]
    if meta.get("Tags"):
        result["TagCount"] = len(meta["Tags"])
    if meta.get("Parts"):
        result["PartsCount"] = len(meta["Parts"])
    if (checksum_mode or "").upper() == "ENABLED" and whole and meta.get("Checksums"):
        for algorithm, value in meta["Checksums"].items():
            result[MEMBER[algorithm]] = value
        result["ChecksumType"] = meta.get("ChecksumType", "FULL_OBJECT")
    return result


RESPONSE_OVERRIDES = {
    "ResponseContentType": "ContentType",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseExpires": "Expires",
    "ResponseCacheControl": "CacheControl",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentEncoding": "ContentEncoding",
}
