"""Names: bucket naming rules, key limits, and the URL encodings S3 applies to keys.

Pure functions. `listing_encode` is `EncodingType=url` of the list operations (every
byte but unreserved characters and '/' percent-encoded); `event_key` is how event
notification records carry keys (form encoding: a space becomes '+').
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

from tenku.services.s3.errors import s3_error

MAX_KEY_BYTES = 1024
_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_IP_LIKE = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """Why `name` breaks S3's general purpose bucket naming rules, or None."""
    if not 3 <= len(name) <= 63:
        return "Bucket names must be between 3 and 63 characters long"
    if not _BUCKET_CHARS.match(name):
        return (
            "Bucket names can consist only of lowercase letters, numbers, dots and "
            "hyphens, and must begin and end with a letter or number"
        )
    if ".." in name or ".-" in name or "-." in name:
        return "Bucket names must not contain two adjacent periods"
    if _IP_LIKE.match(name):
        return "Bucket names must not be formatted as an IP address"
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        return "Bucket names must not use a reserved prefix or suffix"
    return None


def check_bucket_name(name: str) -> None:
    if bucket_name_problem(name) is not None:
        raise s3_error(
            "InvalidBucketName", "The specified bucket is not valid.", 400, BucketName=name
        )


def check_key(key: str) -> None:
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise s3_error(
            "KeyTooLongError",
            "Your key is too long",
            400,
            Size=str(len(key.encode("utf-8"))),
            MaxSizeAllowed=str(MAX_KEY_BYTES),
        )


def listing_encode(text: str) -> str:
    """`EncodingType=url` of a key or prefix in list answers."""
    return quote(text, safe="/")


def event_key(key: str) -> str:
    """A key as S3 writes it into event notification records: 'a b.jpg' -> 'a+b.jpg'."""
    return quote_plus(key, safe="/")
