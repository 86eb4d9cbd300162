"""S3 wire peculiarities below the model: virtual-host buckets, aws-chunked bodies,
presigned URL expiry, and routing of unsigned requests."""

from __future__ import annotations

import pytest

from tenku.core.errors import ServiceError
from tenku.protocol.http import Request
from tenku.protocol.presign import check_presigned
from tenku.protocol.routing import service_for
from tenku.protocol.s3wire import decode_aws_chunked, decode_chunks, host_bucket, with_host_bucket


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("photos.s3.localhost:4566", ("photos", None)),
        ("my.dotted.bucket.s3.us-west-2.localhost", ("my.dotted.bucket", "us-west-2")),
        ("b1.s3.amazonaws.com", ("b1", None)),
        ("b1.s3-eu-west-1.amazonaws.com", ("b1", "eu-west-1")),
        ("s3.localhost:4566", None),
        ("127.0.0.1:4566", None),
        ("abc.lambda-url.us-east-1.localhost", None),
    ],
)
def test_host_bucket(host: str, expected: tuple[str, str | None] | None) -> None:
    assert host_bucket(host) == expected


def test_with_host_bucket_moves_the_bucket_into_the_path() -> None:
    request = Request("GET", "/a%20b.txt", "", {}, b"", host="pics.s3.localhost:4566")
    assert with_host_bucket(request).path == "/pics/a%20b.txt"
    plain = Request("GET", "/pics/k", "", {}, b"", host="127.0.0.1:4566")
    assert with_host_bucket(plain) is plain


def test_decode_signed_chunks_and_trailers() -> None:
    body = (
        b"5;chunk-signature=abc\r\nhello\r\n"
        b"6;chunk-signature=def\r\n world\r\n"
        b"0;chunk-signature=ghi\r\n"
        b"x-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:zzz\r\n\r\n"
    )
    payload, trailers = decode_chunks(body)
    assert payload == b"hello world"
    assert trailers == {"x-amz-checksum-crc32": "AAAAAA=="}


def test_decode_request_keeps_other_encodings_and_checks_length() -> None:
    headers = {
        "content-encoding": "aws-chunked,gzip",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": "2",
    }
    request = decode_aws_chunked(Request("PUT", "/b/k", "", headers, b"2\r\nhi\r\n0\r\n\r\n"))
    assert request.body == b"hi"
    assert request.headers["content-encoding"] == "gzip"
    assert request.headers["content-length"] == "2"
    wrong = dict(headers, **{"x-amz-decoded-content-length": "3"})
    with pytest.raises(ServiceError):
        decode_aws_chunked(Request("PUT", "/b/k", "", wrong, b"2\r\nhi\r\n0\r\n\r\n"))
    with pytest.raises(ServiceError):
        decode_chunks(b"zz\r\nhi")
    plain = Request("PUT", "/b/k", "", {}, b"raw")
    assert decode_aws_chunked(plain) is plain


def test_presigned_expiry() -> None:
    query = "X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-Signature=x"
    signed_at = 1767225600.0  # 2026-01-01T00:00:00Z
    check_presigned(query, signed_at + 60)
    with pytest.raises(ServiceError) as caught:
        check_presigned(query, signed_at + 61)
    assert (caught.value.code, caught.value.status, caught.value.message) == (
        "AccessDenied",
        403,
        "Request has expired",
    )
    with pytest.raises(ServiceError):
        check_presigned("X-Amz-Date=20260101T000000Z&X-Amz-Expires=604801", signed_at)
    with pytest.raises(ServiceError):
        check_presigned("AWSAccessKeyId=a&Expires=100&Signature=s", 101.0)
    check_presigned("AWSAccessKeyId=a&Expires=100&Signature=s", 100.0)


@pytest.mark.parametrize(
    ("method", "path", "query", "host", "expected"),
    [
        ("GET", "/bucket/key.txt", "", "", "s3"),
        ("PUT", "/bucket", "", "", "s3"),
        ("POST", "/bucket", "delete", "", "s3"),
        ("GET", "/bucket", "list-type=2", "", "s3"),
        ("GET", "/", "", "bucket.s3.localhost:4566", "s3"),
        ("GET", "/favicon.ico", "", "", None),
        ("POST", "/000000000000/queue", "", "", None),
    ],
)
def test_unsigned_requests(
    method: str, path: str, query: str, host: str, expected: str | None
) -> None:
    assert service_for(Request(method, path, query, {}, b"", host=host)) == expected
