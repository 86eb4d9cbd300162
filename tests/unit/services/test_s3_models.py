"""Pure S3 logic: names and key encodings, ETags and checksums, ranges and conditions,
notification filters and records, lifecycle rules."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.s3 import checksums, lifecycle, notifications
from tenku.services.s3.conditions import (
    ByteRange,
    check_conditions,
    check_copy_conditions,
    parse_range,
)
from tenku.services.s3.keys import bucket_name_problem, event_key, listing_encode
from tenku.services.s3.listing import group
from tenku.services.s3.objectmeta import parse_copy_source, wanted_checksums
from tenku.services.s3.store import Version

DAY = 86400


# -- names and keys -----------------------------------------------------------------------
@pytest.mark.parametrize("good", ["abc", "my-bucket.logs", "a" * 63, "1bucket9"])
def test_valid_bucket_names(good: str) -> None:
    assert bucket_name_problem(good) is None


@pytest.mark.parametrize(
    "bad",
    [
        "ab",
        "a" * 64,
        "Abc",
        "a_b",
        "a..b",
        "a.-b",
        "-ab",
        "ab-",
        "10.0.0.1",
        "xn--ab",
        "ab-s3alias",
    ],
)
def test_invalid_bucket_names(bad: str) -> None:
    assert bucket_name_problem(bad) is not None


def test_event_keys_are_form_encoded() -> None:
    assert event_key("photos/a b.jpg") == "photos/a+b.jpg"
    assert event_key("a+b=c") == "a%2Bb%3Dc"
    assert event_key("é") == "%C3%A9"


def test_listing_encoding() -> None:
    assert listing_encode("dir/a b+c") == "dir/a%20b%2Bc"
    assert listing_encode("é/x") == "%C3%A9/x"


def test_copy_source_parsing() -> None:
    assert parse_copy_source("bkt/dir/a%20b.txt") == ("bkt", "dir/a b.txt", None)
    assert parse_copy_source("/bkt/k?versionId=abc") == ("bkt", "k", "abc")
    with pytest.raises(ServiceError) as caught:
        parse_copy_source("only-bucket")
    assert caught.value.code == "InvalidArgument"


# -- ETags and checksums -----------------------------------------------------------------
def test_etags() -> None:
    assert checksums.md5_etag(b"") == '"d41d8cd98f00b204e9800998ecf8427e"'
    parts = [b"a" * 10, b"b" * 3]
    part_etags = [checksums.md5_etag(p) for p in parts]
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    assert checksums.multipart_etag(part_etags) == f'"{digest}-2"'
    assert checksums.normalize_etag("abc") == '"abc"'
    assert checksums.normalize_etag('W/"abc"') == '"abc"'


def _int(text: str) -> int:
    return int.from_bytes(base64.b64decode(text), "big")


def test_checksum_check_values() -> None:
    check = b"123456789"  # the catalogue's check input
    assert _int(checksums.checksum("CRC32", check)) == 0xCBF43926
    assert _int(checksums.checksum("CRC32C", check)) == 0xE3069283
    assert _int(checksums.checksum("CRC64NVME", check)) == 0xAE8B14860A799888
    assert checksums.checksum("SHA256", b"") == base64.b64encode(hashlib.sha256().digest()).decode()
    assert checksums._crc32c_python(check) == 0xE3069283


def test_hashers_match_one_shot_digests() -> None:
    hashers = checksums.Hashers(["CRC32", "SHA1"])
    for piece in (b"abc", b"", b"def"):
        hashers.update(piece)
    assert hashers.size == 6
    assert hashers.etag() == checksums.md5_etag(b"abcdef")
    assert hashers.checksums()["SHA1"] == checksums.checksum("SHA1", b"abcdef")


def test_composite_checksum() -> None:
    parts = [checksums.checksum("CRC32", b"a"), checksums.checksum("CRC32", b"b")]
    joined = b"".join(base64.b64decode(p) for p in parts)
    assert (
        checksums.composite_checksum("CRC32", parts) == checksums.checksum("CRC32", joined) + "-2"
    )


def test_wanted_checksums() -> None:
    assert wanted_checksums({"ChecksumAlgorithm": "sha256"}) == {"SHA256": None}
    value = checksums.checksum("CRC32", b"x")
    assert wanted_checksums({"ChecksumCRC32": value}) == {"CRC32": value}
    for bad in ({"ChecksumCRC32": "short"}, {"ChecksumAlgorithm": "MD4"}):
        with pytest.raises(ServiceError):
            wanted_checksums(bad)


# -- ranges and conditions ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", ByteRange(0, 0)),
        ("bytes=2-", ByteRange(2, 9)),
        ("bytes=-3", ByteRange(7, 9)),
        ("bytes=-30", ByteRange(0, 9)),
        ("bytes=4-400", ByteRange(4, 9)),
        ("bytes=5-2", None),
        ("bytes=0-1,3-4", None),
        ("items=0-1", None),
        (None, None),
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 10) == expected


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=-0", "bytes=99-100"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_range(header, 10)
    assert (caught.value.code, caught.value.status) == ("InvalidRange", 416)


def _status(**conditions: Any) -> int:
    try:
        check_conditions('"e"', 1000.5, **conditions)
    except ServiceError as error:
        return error.status
    return 200


def test_condition_precedence() -> None:
    assert _status(if_match='"e"') == 200
    assert _status(if_match='"x", "e"') == 200
    assert _status(if_match="*") == 200
    assert _status(if_match='"x"') == 412
    assert _status(if_unmodified_since=999.0) == 412
    assert _status(if_match='"e"', if_unmodified_since=999.0) == 200
    assert _status(if_none_match='"e"') == 304
    assert _status(if_none_match='"x"', if_modified_since=2000.0) == 200
    assert _status(if_modified_since=1000.0) == 304  # second granularity
    assert _status(if_modified_since=999.0) == 200
    assert _status(if_match='"x"', if_none_match='"e"') == 412  # 412 checks come first


def test_copy_conditions_fail_with_412() -> None:
    with pytest.raises(ServiceError) as caught:
        check_copy_conditions('"e"', 1000.0, None, '"e"', None, None)
    assert caught.value.status == 412
    check_copy_conditions('"e"', 1000.0, '"e"', None, None, 1.0)  # If-Match wins


# -- listing groups ----------------------------------------------------------------------
def _version(key: str) -> Version:
    return Version("b", key, "null", 1, '"e"', 0.0, None)


def test_group_collapses_common_prefixes_and_pages() -> None:
    keys = ["a", "d/1", "d/2", "e/x/1", "f"]
    entries, more = group(iter(map(_version, keys)), "", "/", "", 3)
    assert [e if isinstance(e, str) else e.key for e in entries] == ["a", "d/", "e/"]
    assert more
    entries, more = group(iter(map(_version, keys[1:])), "", "/", "d/", 10)
    assert [e if isinstance(e, str) else e.key for e in entries] == ["e/", "f"]
    assert not more


# -- notifications -----------------------------------------------------------------------
QUEUE = "arn:aws:sqs:us-east-1:000000000000:q"


def _queue_config(events: list[str], prefix: str = "", suffix: str = "") -> dict[str, Any]:
    rules = []
    if prefix:
        rules.append({"Name": "prefix", "Value": prefix})
    if suffix:
        rules.append({"Name": "suffix", "Value": suffix})
    config: dict[str, Any] = {"QueueArn": QUEUE, "Events": events}
    if rules:
        config["Filter"] = {"Key": {"FilterRules": rules}}
    return config


def test_filter_matching() -> None:
    stored = notifications.validate(
        {"QueueConfigurations": [_queue_config(["s3:ObjectCreated:*"], "photos/", ".jpg")]}
    )
    match = notifications.destinations
    assert match(stored, "ObjectCreated:Put", "photos/a b.jpg")
    assert match(stored, "ObjectCreated:CompleteMultipartUpload", "photos/x.jpg")
    assert not match(stored, "ObjectCreated:Put", "photos/a.png")
    assert not match(stored, "ObjectCreated:Put", "other/a.jpg")
    assert not match(stored, "ObjectRemoved:Delete", "photos/a.jpg")


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        ((["s3:ObjectCreated:*"], "", ""), (["s3:ObjectCreated:Put"], "", ""), True),
        ((["s3:ObjectCreated:Put"], "a/", ""), (["s3:ObjectCreated:Put"], "b/", ""), False),
        ((["s3:ObjectCreated:Put"], "a/", ""), (["s3:ObjectCreated:Put"], "a/b/", ""), True),
        ((["s3:ObjectCreated:Put"], "", ".jpg"), (["s3:ObjectCreated:Put"], "", ".png"), False),
        ((["s3:ObjectCreated:*"], "", ""), (["s3:ObjectRemoved:*"], "", ""), False),
    ],
)
def test_overlapping_configurations(first: Any, second: Any, overlap: bool) -> None:
    config = {"QueueConfigurations": [_queue_config(*first), _queue_config(*second)]}
    if overlap:
        with pytest.raises(ServiceError, match="overlap"):
            notifications.validate(config)
    else:
        notifications.validate(config)


@pytest.mark.parametrize(
    "config",
    [
        {
            "QueueConfigurations": [
                {
                    "QueueArn": QUEUE,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "infix", "Value": "x"}]}},
                }
            ]
        },
        {
            "QueueConfigurations": [_queue_config(["s3:ObjectCreated:*"], "a", "")] * 1
            + [{"QueueArn": QUEUE, "Events": ["s3:Bogus"]}]
        },
        {
            "QueueConfigurations": [
                {"QueueArn": "arn:aws:sns:us-east-1:0:t", "Events": ["s3:ObjectCreated:*"]}
            ]
        },
        {
            "QueueConfigurations": [
                {
                    "QueueArn": QUEUE,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "a"},
                                {"Name": "Prefix", "Value": "b"},
                            ]
                        }
                    },
                }
            ]
        },
    ],
)
def test_invalid_configurations(config: dict[str, Any]) -> None:
    with pytest.raises(ServiceError) as caught:
        notifications.validate(config)
    assert caught.value.code == "InvalidArgument"


def test_record_shape() -> None:
    facts = notifications.ObjectFacts("photos/a b.jpg", 5, '"abc"', None, "00000000000000FF")
    event = notifications.Occurrence(
        "ObjectCreated:Put", "bkt", "eu-west-1", "000000000000", 1_700_000_000.25, "rid", facts
    )
    record = json.loads(notifications.message(event, "cfg"))["Records"][0]
    assert record["eventTime"] == "2023-11-14T22:13:20.250Z"
    assert record["awsRegion"] == "eu-west-1"
    assert record["s3"]["object"] == {
        "key": "photos/a+b.jpg",
        "size": 5,
        "eTag": "abc",
        "sequencer": "00000000000000FF",
    }
    entry = notifications.eventbridge_entry(event)
    assert entry is not None and entry["DetailType"] == "Object Created"
    detail = json.loads(entry["Detail"])
    assert detail["object"]["key"] == "photos/a b.jpg" and detail["reason"] == "PutObject"


# -- lifecycle ---------------------------------------------------------------------------
def test_lifecycle_rule_matching() -> None:
    rule = {
        "Status": "Enabled",
        "Filter": {
            "And": {
                "Prefix": "logs/",
                "Tags": [{"Key": "t", "Value": "1"}],
                "ObjectSizeGreaterThan": 10,
            }
        },
        "Expiration": {"Days": 1},
    }
    assert lifecycle.rule_matches(rule, "logs/a", 11, {"t": "1"})
    assert not lifecycle.rule_matches(rule, "logs/a", 10, {"t": "1"})
    assert not lifecycle.rule_matches(rule, "logs/a", 11, {"t": "2"})
    assert not lifecycle.rule_matches(rule, "data/a", 11, {"t": "1"})
    assert not lifecycle.rule_matches({**rule, "Status": "Disabled"}, "logs/a", 11, {"t": "1"})
    assert lifecycle.rule_matches({"Status": "Enabled", "Prefix": "x"}, "xy", 0, {})


def test_lifecycle_due_times_round_up_to_midnight() -> None:
    created = 10 * DAY + 3600  # 01:00 on day 10
    rule = {"Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}
    assert not lifecycle.expiration_due(rule, created, 12 * DAY - 1)
    assert lifecycle.expiration_due(rule, created, 12 * DAY)
    dated = {"Status": "Enabled", "Filter": {}, "Expiration": {"Date": 20.0 * DAY}}
    assert not lifecycle.expiration_due(dated, created, 20 * DAY - 1)
    assert lifecycle.expiration_due(dated, created, 20 * DAY)
    noncurrent = {
        "Status": "Enabled",
        "Filter": {},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 2},
    }
    assert lifecycle.noncurrent_due(noncurrent, 10 * DAY, 12 * DAY)
    assert not lifecycle.noncurrent_due(noncurrent, 10 * DAY + 1, 12 * DAY)


@pytest.mark.parametrize(
    "rules",
    [
        [],
        [{"Status": "On", "Filter": {}, "Expiration": {"Days": 1}}],
        [{"Status": "Enabled", "Filter": {}}],
        [{"Status": "Enabled", "Filter": {}, "Expiration": {"Days": -1}}],
        [{"Status": "Enabled", "Filter": {}, "Expiration": {"Date": 1.5 * DAY}}],
        [{"Status": "Enabled", "Prefix": "a", "Filter": {}, "Expiration": {"Days": 1}}],
        [{"ID": "x", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}] * 2,
    ],
)
def test_invalid_lifecycle_rules(rules: list[dict[str, Any]]) -> None:
    with pytest.raises(ServiceError):
        lifecycle.validate_rules({"Rules": rules})
