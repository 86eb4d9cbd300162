"""S3 objects through boto3: bodies and headers, ranges, conditional requests, copies,
batch deletes, tagging, checksums."""

from __future__ import annotations

import base64
import hashlib
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.s3_helpers import bucket_name, error_of


@pytest.fixture(scope="module")
def s3(tenku: TenkuProcess) -> Any:
    return tenku.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    return name


def test_put_get_head_with_headers_and_metadata(s3: Any, bucket: str) -> None:
    body = b"hello world"
    put = s3.put_object(
        Bucket=bucket,
        Key="dir/file one.txt",
        Body=body,
        ContentType="text/plain",
        ContentEncoding="identity",
        ContentDisposition='attachment; filename="f.txt"',
        ContentLanguage="en",
        CacheControl="max-age=60",
        Expires=datetime(2030, 1, 1, tzinfo=UTC),
        Metadata={"Color": "blue", "n": "1"},
    )
    etag = f'"{hashlib.md5(body).hexdigest()}"'
    assert put["ETag"] == etag
    assert "VersionId" not in put
    got = s3.get_object(Bucket=bucket, Key="dir/file one.txt")
    assert got["Body"].read() == body
    assert got["ETag"] == etag
    assert got["ContentType"] == "text/plain"
    assert got["ContentEncoding"] == "identity"
    assert got["ContentDisposition"] == 'attachment; filename="f.txt"'
    assert got["ContentLanguage"] == "en"
    assert got["CacheControl"] == "max-age=60"
    assert got["Metadata"] == {"color": "blue", "n": "1"}
    assert got["ContentLength"] == len(body)
    assert got["AcceptRanges"] == "bytes"
    head = s3.head_object(Bucket=bucket, Key="dir/file one.txt")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == etag
    assert head["ResponseMetadata"]["HTTPHeaders"]["content-length"] == str(len(body))
    assert (
        s3.get_object(Bucket=bucket, Key="dir/file one.txt", ResponseContentType="x/y")[
            "ContentType"
        ]
        == "x/y"
    )
    overridden = s3.get_object(
        Bucket=bucket,
        Key="dir/file one.txt",
        ResponseCacheControl="no-store",
        ResponseContentDisposition="inline",
    )
    assert (overridden["CacheControl"], overridden["ContentDisposition"]) == ("no-store", "inline")


def test_default_content_type_and_empty_body(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_missing_bucket_and_key(s3: Any, bucket: str) -> None:
    error = error_of(s3.get_object, Bucket=bucket, Key="nope")
    assert (error["Code"], error["Status"], error["Key"]) == ("NoSuchKey", 404, "nope")
    error = error_of(s3.get_object, Bucket=bucket_name(), Key="k")
    assert (error["Code"], error["Status"]) == ("NoSuchBucket", 404)
    assert error_of(s3.head_object, Bucket=bucket, Key="nope")["Status"] == 404
    error = error_of(s3.put_object, Bucket=bucket_name(), Key="k", Body=b"x")
    assert error["Code"] == "NoSuchBucket"


def test_ranges(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    cases = {
        "bytes=0-3": (b"0123", "bytes 0-3/10"),
        "bytes=7-": (b"789", "bytes 7-9/10"),
        "bytes=-2": (b"89", "bytes 8-9/10"),
        "bytes=5-100": (b"56789", "bytes 5-9/10"),
    }
    for header, (data, content_range) in cases.items():
        got = s3.get_object(Bucket=bucket, Key="r", Range=header)
        assert got["Body"].read() == data
        assert got["ContentRange"] == content_range
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    whole = s3.get_object(Bucket=bucket, Key="r", Range="bytes=9-3")
    assert whole["Body"].read() == b"0123456789"  # an invalid range is ignored
    error = error_of(s3.get_object, Bucket=bucket, Key="r", Range="bytes=10-20")
    assert (error["Code"], error["Status"]) == ("InvalidRange", 416)
    assert error["ActualObjectSize"] == "10"
    head = s3.head_object(Bucket=bucket, Key="r", Range="bytes=2-4")
    assert head["ContentLength"] == 3


def test_conditional_requests(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"data")["ETag"]
    modified = s3.head_object(Bucket=bucket, Key="c")["LastModified"]
    before, after = modified - timedelta(hours=1), modified + timedelta(hours=1)
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"data"
    error = error_of(s3.get_object, Bucket=bucket, Key="c", IfMatch='"nope"')
    assert (error["Code"], error["Status"]) == ("PreconditionFailed", 412)
    assert error["Condition"] == "If-Match"
    error = error_of(s3.get_object, Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert error["Status"] == 304
    error = error_of(s3.get_object, Bucket=bucket, Key="c", IfModifiedSince=after)
    assert error["Status"] == 304
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=before)["ETag"] == etag
    error = error_of(s3.get_object, Bucket=bucket, Key="c", IfUnmodifiedSince=before)
    assert (error["Status"], error["Condition"]) == (412, "If-Unmodified-Since")
    # If-Match that holds wins over a failing If-Unmodified-Since (RFC 7232, S3)
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag, IfUnmodifiedSince=before)
    assert error_of(s3.head_object, Bucket=bucket, Key="c", IfNoneMatch=etag)["Status"] == 304
    assert error_of(s3.head_object, Bucket=bucket, Key="c", IfMatch='"x"')["Status"] == 412


def test_conditional_writes(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="once", Body=b"1", IfNoneMatch="*")
    error = error_of(s3.put_object, Bucket=bucket, Key="once", Body=b"2", IfNoneMatch="*")
    assert (error["Code"], error["Status"]) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"1"


def test_content_md5_and_checksums(s3: Any, bucket: str) -> None:
    body = b"checksummed body"
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="md5", Body=body, ContentMD5=md5)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    error = error_of(s3.put_object, Bucket=bucket, Key="md5", Body=body, ContentMD5=wrong)
    assert (error["Code"], error["Status"]) == ("BadDigest", 400)
    error = error_of(s3.put_object, Bucket=bucket, Key="md5", Body=body, ContentMD5="bad")
    assert error["Code"] == "InvalidDigest"
    expected = {
        "CRC32": base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode(),
        "SHA1": base64.b64encode(hashlib.sha1(body).digest()).decode(),
        "SHA256": base64.b64encode(hashlib.sha256(body).digest()).decode(),
    }
    for algorithm, value in expected.items():
        key = f"sum-{algorithm}"
        put = s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm=algorithm)
        assert put[f"Checksum{algorithm}"] == value
        got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert got["Body"].read() == body  # botocore validates the returned checksum
        assert got[f"Checksum{algorithm}"] == value
        assert got["ChecksumType"] == "FULL_OBJECT"
        plain = s3.head_object(Bucket=bucket, Key=key)
        assert f"Checksum{algorithm}" not in plain
    # botocore computes CRC32C only with awscrt: send the value ourselves.
    crc32c = expected_crc32c(body)
    s3.put_object(Bucket=bucket, Key="sum-CRC32C", Body=body, ChecksumCRC32C=crc32c)
    head = s3.head_object(Bucket=bucket, Key="sum-CRC32C", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32C"] == crc32c
    error = error_of(
        s3.put_object, Bucket=bucket, Key="sum-CRC32C", Body=b"x", ChecksumCRC32C=crc32c
    )
    assert error["Code"] == "BadDigest"
    error = error_of(
        s3.put_object,
        Bucket=bucket,
        Key="bad-sum",
        Body=body,
        ChecksumSHA256=base64.b64encode(hashlib.sha256(b"else").digest()).decode(),
    )
    assert (error["Code"], error["Status"]) == ("BadDigest", 400)
    assert error_of(s3.head_object, Bucket=bucket, Key="bad-sum")["Status"] == 404


def expected_crc32c(data: bytes) -> str:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return base64.b64encode((crc ^ 0xFFFFFFFF).to_bytes(4, "big")).decode()


def test_copy_object(s3: Any, bucket: str) -> None:
    source_key = "src/a b+c%.txt"
    etag = s3.put_object(
        Bucket=bucket, Key=source_key, Body=b"copy me", Metadata={"m": "1"}, ContentType="text/x"
    )["ETag"]
    other = bucket_name()
    s3.create_bucket(Bucket=other)
    copied = s3.copy_object(
        Bucket=other, Key="dst", CopySource={"Bucket": bucket, "Key": source_key}
    )
    assert copied["CopyObjectResult"]["ETag"] == etag
    got = s3.get_object(Bucket=other, Key="dst")
    assert (got["Body"].read(), got["Metadata"], got["ContentType"]) == (
        b"copy me",
        {"m": "1"},
        "text/x",
    )
    s3.copy_object(
        Bucket=other,
        Key="replaced",
        CopySource=f"{bucket}/{source_key}",
        MetadataDirective="REPLACE",
        Metadata={"new": "2"},
        ContentType="text/y",
    )
    got = s3.head_object(Bucket=other, Key="replaced")
    assert (got["Metadata"], got["ContentType"]) == ({"new": "2"}, "text/y")
    error = error_of(s3.copy_object, Bucket=other, Key="dst", CopySource=f"{other}/dst")
    assert error["Code"] == "InvalidRequest"
    s3.copy_object(
        Bucket=other,
        Key="dst",
        CopySource=f"{other}/dst",
        MetadataDirective="REPLACE",
        Metadata={"self": "yes"},
    )
    assert s3.head_object(Bucket=other, Key="dst")["Metadata"] == {"self": "yes"}
    error = error_of(
        s3.copy_object, Bucket=other, Key="x", CopySource={"Bucket": bucket, "Key": "missing"}
    )
    assert (error["Code"], error["Status"]) == ("NoSuchKey", 404)
    error = error_of(
        s3.copy_object,
        Bucket=other,
        Key="x",
        CopySource={"Bucket": bucket, "Key": source_key},
        CopySourceIfMatch='"other"',
    )
    assert (error["Code"], error["Status"]) == ("PreconditionFailed", 412)
    error = error_of(
        s3.copy_object,
        Bucket=other,
        Key="x",
        CopySource={"Bucket": bucket, "Key": source_key},
        CopySourceIfNoneMatch=etag,
    )
    assert error["Status"] == 412
    s3.copy_object(
        Bucket=other,
        Key="x",
        CopySource={"Bucket": bucket, "Key": source_key},
        CopySourceIfMatch=etag,
    )


def test_delete_and_delete_objects(s3: Any, bucket: str) -> None:
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.delete_object(Bucket=bucket, Key="a")
    s3.delete_object(Bucket=bucket, Key="never-existed")  # 204 all the same
    assert error_of(s3.get_object, Bucket=bucket, Key="a")["Code"] == "NoSuchKey"
    result = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "b"}, {"Key": "zzz"}, {"Key": "c"}]}
    )
    assert sorted(d["Key"] for d in result["Deleted"]) == ["b", "c", "zzz"]
    s3.put_object(Bucket=bucket, Key="d", Body=b"x")
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d"}], "Quiet": True})
    assert "Deleted" not in quiet
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    error = error_of(s3.delete_objects, Bucket=bucket, Delete={"Objects": []})
    assert error["Code"] == "MalformedXML"


def test_object_tagging(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="a=1&b=two")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "two"},
    ]
    assert (
        s3.head_object(Bucket=bucket, Key="t")["ResponseMetadata"]["HTTPHeaders"][
            "x-amz-tagging-count"
        ]
        == "2"
    )
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "c", "Value": "3"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "c", "Value": "3"}]
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    error = error_of(s3.put_object_tagging, Bucket=bucket, Key="t", Tagging={"TagSet": too_many})
    assert error["Status"] == 400
    error = error_of(s3.get_object_tagging, Bucket=bucket, Key="missing")
    assert error["Code"] == "NoSuchKey"


def test_long_keys_are_refused(s3: Any, bucket: str) -> None:
    error = error_of(s3.put_object, Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert error["Code"] == "KeyTooLongError"
