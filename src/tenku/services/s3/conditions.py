"""Ranges and conditional requests (pure).

Owns: parsing `Range: bytes=...` into the one byte range S3 serves (S3 serves a single
range; a header it cannot parse is ignored and the whole object sent), and evaluating
If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since as RFC 7232 and S3
order them (412 checks before 304 checks; If-Match wins over If-Unmodified-Since and
If-None-Match over If-Modified-Since), plus the copy-source variants (always 412).
Must not: read storage.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from tenku.services.s3.checksums import normalize_etag
from tenku.services.s3.errors import not_modified, precondition_failed, s3_error

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


class ByteRange(NamedTuple):
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range to serve, None for the whole object; InvalidRange when unsatisfiable."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None  # multiple ranges or garbage: S3 sends the whole object
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise _unsatisfiable(header, size)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # syntactically invalid: ignored
    if start >= size:
        raise _unsatisfiable(header, size)
    return ByteRange(start, min(end, size - 1))


def _unsatisfiable(header: str, size: int) -> Exception:
    return s3_error(
        "InvalidRange",
        "The requested range is not satisfiable",
        416,
        RangeRequested=header,
        ActualObjectSize=str(size),
    )


def _etag_matches(condition: str, etag: str) -> bool:
    wanted = [c.strip() for c in condition.split(",") if c.strip()]
    return any(c == "*" or normalize_etag(c) == etag for c in wanted)


def check_conditions(
    etag: str,
    last_modified: float,
    if_match: str | None = None,
    if_none_match: str | None = None,
    if_modified_since: float | None = None,
    if_unmodified_since: float | None = None,
    *,
    last_modified_text: str | None = None,
) -> None:
    """Raise 412 PreconditionFailed or 304 NotModified as S3 does for GET and HEAD."""
    modified = int(last_modified)  # HTTP dates have whole seconds
    if if_match is not None:
        if not _etag_matches(if_match, etag):
            raise precondition_failed("If-Match")
    elif if_unmodified_since is not None and modified > if_unmodified_since:
        raise precondition_failed("If-Unmodified-Since")
    if if_none_match is not None:
        if _etag_matches(if_none_match, etag):
            raise not_modified(etag, last_modified_text)
    elif if_modified_since is not None and modified <= if_modified_since:
        raise not_modified(etag, last_modified_text)


def check_copy_conditions(
    etag: str,
    last_modified: float,
    if_match: str | None,
    if_none_match: str | None,
    if_modified_since: float | None,
    if_unmodified_since: float | None,
) -> None:
    """The x-amz-copy-source-if-* headers: every failure is a 412."""
    modified = int(last_modified)
    prefix = "x-amz-copy-source-"
    if if_match is not None:
        if not _etag_matches(if_match, etag):
            raise precondition_failed(prefix + "If-Match")
    elif if_unmodified_since is not None and modified > if_unmodified_since:
        raise precondition_failed(prefix + "If-Unmodified-Since")
    if if_none_match is not None:
        if _etag_matches(if_none_match, etag):
            raise precondition_failed(prefix + "If-None-Match")
    elif if_modified_since is not None and modified <= if_modified_since:
        raise precondition_failed(prefix + "If-Modified-Since")
