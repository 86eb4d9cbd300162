"""Shard iterators: encoding round trips, malformed iterators, the 15-minute expiry,
sequence-number parsing and shard ids."""

from __future__ import annotations

import base64

import pytest

from tenku.core.errors import ServiceError
from tenku.services.dynamodb import stream_iterators as it

ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000"


def position(after: int = 7, issued_ms: int = 1_700_000_000_000) -> it.Position:
    return it.Position(ARN, 3, it.shard_id(ARN, 1_700_000_000.0), after, issued_ms)


def test_round_trip_keeps_dynamodb_outer_form() -> None:
    encoded = it.encode(position())
    assert encoded.startswith(ARN + "|1|")
    assert it.decode(encoded) == position()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        f"{ARN}|2|{base64.b64encode(b'3:s:1:2').decode()}",
        f"{ARN}|1|not base64!",
        f"{ARN}|1|{base64.b64encode(b'3:s:x:2').decode()}",
        f"{ARN}|1|{base64.b64encode(b'3:s:1').decode()}",
    ],
)
def test_malformed_iterators_are_invalid(text: str) -> None:
    with pytest.raises(ServiceError) as caught:
        it.decode(text)
    assert (caught.value.code, caught.value.message) == (
        "ValidationException",
        "Invalid ShardIterator",
    )


def test_iterators_expire_after_fifteen_minutes() -> None:
    issued = 1_700_000_000_000
    it.check_fresh(position(issued_ms=issued), issued + 15 * 60 * 1000)
    with pytest.raises(ServiceError) as caught:
        it.check_fresh(position(issued_ms=issued), issued + 15 * 60 * 1000 + 1)
    assert caught.value.code == "ExpiredIteratorException"
    assert "tolerated delay of 900000 milliseconds" in caught.value.message


def test_sequence_numbers() -> None:
    assert it.parse_sequence_number("000000000000000000042", "AT_SEQUENCE_NUMBER") == 42
    for bad in (None, "12a", "-1"):
        with pytest.raises(ServiceError) as caught:
            it.parse_sequence_number(bad, "AFTER_SEQUENCE_NUMBER")
        assert caught.value.code == "ValidationException"


def test_shard_ids_look_like_dynamodbs() -> None:
    shard = it.shard_id(ARN, 1_700_000_000.123)
    prefix, millis, suffix = shard.split("-")
    assert (prefix, millis, len(suffix)) == ("shardId", "00000001700000000123", 8)
    assert 28 <= len(shard) <= 65
    assert it.shard_id(ARN, 1_700_000_000.123) == shard
