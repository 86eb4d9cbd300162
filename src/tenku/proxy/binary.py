"""Which bodies cross the Lambda boundary base64-encoded.

HTTP APIs (both payload formats) decide by the request alone: a body reaches the
function as text when its Content-Type is textual (`text/*`, JSON, XML, JavaScript,
YAML, `+json`/`+xml` suffixes, form and multipart are *not* textual) and it carries no
Content-Encoding; anything else, or bytes that are not UTF-8, is base64 with
`isBase64Encoded: true`. There is no binary media type setting for HTTP APIs.

REST APIs decide by the API's `binaryMediaTypes`: a request body whose Content-Type
matches one (wildcards `*/*`, `image/*` allowed) is base64-encoded; otherwise it is
passed as text. On the way back a proxy result with `isBase64Encoded: true` is decoded
to bytes only when the request's first Accept type or the result's Content-Type matches
a binary media type; otherwise the client gets the base64 text as it was returned.

Pure functions only.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/ecmascript",
        "application/xml",
        "application/yaml",
        "application/x-yaml",
        "application/graphql",
    }
)


def media_type(content_type: str | None) -> str:
    """`"Text/HTML; charset=utf-8"` -> `"text/html"`; "" when absent."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_textual(content_type: str | None) -> bool:
    media = media_type(content_type)
    return (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
    )


def http_api_body(
    body: bytes, content_type: str | None, content_encoding: str | None
) -> tuple[str, bool]:
    """An HTTP API request body as the event carries it: (text, isBase64Encoded)."""
    encoded = bool(content_encoding and content_encoding.strip().lower() != "identity")
    if not encoded and is_textual(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _normalise(pattern: str) -> str:
    # binaryMediaTypes travel JSON-Pointer-escaped in PATCH operations ("image~1png")
    return pattern.replace("~1", "/").strip().lower()


def matches_media_type(content_type: str | None, patterns: Iterable[str]) -> bool:
    """Whether a media type is one of `patterns` (`*/*`, `image/*`, `image/png`)."""
    media = media_type(content_type)
    major = media.split("/", 1)[0]
    for raw in patterns:
        pattern = _normalise(raw)
        if pattern == "*/*" or pattern == media:
            return True
        if media and pattern.endswith("/*") and pattern[:-2] == major:
            return True
    return False


def rest_body(
    body: bytes, content_type: str | None, binary_media_types: Iterable[str]
) -> tuple[str, bool]:
    """A REST API request body as the proxy event carries it: (text, isBase64Encoded)."""
    if matches_media_type(content_type, binary_media_types):
        return base64.b64encode(body).decode("ascii"), True
    return body.decode("utf-8", errors="replace"), False


def rest_decodes_response(
    accept: str | None, content_type: str | None, binary_media_types: Iterable[str]
) -> bool:
    """Whether a REST proxy result marked `isBase64Encoded` is sent to the client as the
    decoded bytes (else the base64 text goes out unchanged)."""
    types = list(binary_media_types)
    if not types:
        return False
    first_accept = (accept or "").split(",", 1)[0]
    return matches_media_type(first_accept, types) or matches_media_type(content_type, types)
