"""Shard iterators and shard ids of DynamoDB Streams, as pure functions.

A shard iterator has DynamoDB's outer form, `<stream ARN>|1|<token>`; the token is
base64 of "<stream id>:<shard id>:<after seq>:<issued ms>": the iterator reads the
records whose sequence number is greater than `after seq`, and it expires 15 minutes
after `issued ms` (ExpiredIteratorException). Tenku gives every stream one shard, so a
shard id is derived from the stream alone.

Must not: touch storage or the clock (callers pass times in).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from tenku.core.errors import ServiceError

ITERATOR_LIFETIME_MS = 15 * 60 * 1000
_VERSION = "1"


@dataclass(frozen=True, slots=True)
class Position:
    """Where a shard iterator stands: records with a sequence number > `after`."""

    stream_arn: str
    stream_id: int
    shard_id: str
    after: int
    issued_ms: int


def shard_id(stream_arn: str, created: float) -> str:
    """The id of a stream's single shard (shardId-<20 digits>-<8 hex>, as DynamoDB's)."""
    digest = hashlib.sha256(stream_arn.encode()).hexdigest()[:8]
    return f"shardId-{int(created * 1000):020d}-{digest}"


def encode(position: Position) -> str:
    raw = f"{position.stream_id}:{position.shard_id}:{position.after}:{position.issued_ms}"
    token = base64.b64encode(raw.encode()).decode("ascii")
    return f"{position.stream_arn}|{_VERSION}|{token}"


def invalid_iterator() -> ServiceError:
    return ServiceError("ValidationException", "Invalid ShardIterator", 400)


def decode(iterator: str) -> Position:
    """The position an iterator encodes, or ValidationException "Invalid ShardIterator"."""
    parts = iterator.rsplit("|", 2)
    if len(parts) != 3 or parts[1] != _VERSION:
        raise invalid_iterator()
    try:
        raw = base64.b64decode(parts[2].encode("ascii"), validate=True).decode("ascii")
        stream_id, shard, after, issued = raw.split(":")
        return Position(parts[0], int(stream_id), shard, int(after), int(issued))
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid_iterator() from None


def _stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def check_fresh(position: Position, now_ms: int) -> None:
    """ExpiredIteratorException when the iterator is older than 15 minutes."""
    if now_ms - position.issued_ms > ITERATOR_LIFETIME_MS:
        raise ServiceError(
            "ExpiredIteratorException",
            f"Iterator expired. The iterator was created at time {_stamp(position.issued_ms)}"
            f" while right now it is {_stamp(now_ms)} which is further in the future than"
            f" the tolerated delay of {ITERATOR_LIFETIME_MS} milliseconds.",
            400,
        )


def parse_sequence_number(text: str | None, iterator_type: str) -> int:
    """The integer of a SequenceNumber parameter (required by AT_/AFTER_ types)."""
    if text is None:
        raise ServiceError(
            "ValidationException",
            f"Must specify a SequenceNumber for ShardIteratorType {iterator_type}",
            400,
        )
    if not text.isdigit() or not text.isascii():
        raise ServiceError(
            "ValidationException", f"Invalid SequenceNumber for ShardIterator: {text}", 400
        )
    return int(text)
