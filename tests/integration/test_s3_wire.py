"""S3 on the wire: presigned URLs, virtual-host addressing, anonymous requests and
aws-chunked (streaming-signed and trailer) upload bodies, raw with urllib/http.client."""

from __future__ import annotations

import base64
import http.client
import urllib.error
import urllib.request
import zlib
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.s3_helpers import bucket_name


@pytest.fixture(scope="module")
def s3(tenku: TenkuProcess) -> Any:
    return tenku.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    return name


def raw(
    tenku: TenkuProcess,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", tenku.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_presigned_get_and_put(fresh_tenku: TenkuProcess) -> None:
    # A server of its own: expiry is judged by the server's clock, which other tests move.
    tenku, s3, bucket = fresh_tenku, fresh_tenku.client("s3"), bucket_name()
    s3.create_bucket(Bucket=bucket)
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "pre/signed.txt"}, ExpiresIn=300
    )
    request = urllib.request.Request(put_url, data=b"via presigned put", method="PUT")
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "pre/signed.txt"}, ExpiresIn=300
    )
    with urllib.request.urlopen(get_url) as response:
        assert response.read() == b"via presigned put"
    short = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "pre/signed.txt"}, ExpiresIn=60
    )
    tenku.advance_clock(120)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(short)
    assert caught.value.code == 403
    text = caught.value.read().decode()
    assert "<Code>AccessDenied</Code>" in text and "Request has expired" in text
    with urllib.request.urlopen(get_url) as response:  # 300 s URLs still work
        assert response.status == 200


def test_virtual_host_addressing(tenku: TenkuProcess, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="v/h.txt", Body=b"virtual")
    for host in (f"{bucket}.s3.localhost:{tenku.port}", f"{bucket}.s3.us-east-1.localhost"):
        status, _headers, body = raw(tenku, "GET", "/v/h.txt", headers={"Host": host})
        assert (status, body) == (200, b"virtual")
    status, _headers, body = raw(
        tenku, "GET", "/?list-type=2", headers={"Host": f"{bucket}.s3.localhost"}
    )
    assert status == 200 and b"<Key>v/h.txt</Key>" in body
    status, _headers, _body = raw(
        tenku, "PUT", "/v/new.txt", b"put by host", {"Host": f"{bucket}.s3.localhost"}
    )
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="v/new.txt")["Body"].read() == b"put by host"
    status, _headers, body = raw(
        tenku, "GET", "/missing", headers={"Host": f"{bucket}.s3.localhost"}
    )
    assert status == 404 and b"<Code>NoSuchKey</Code>" in body


def test_virtual_host_with_boto3(tenku: TenkuProcess, s3: Any, bucket: str) -> None:
    """boto3 in virtual addressing against `http://s3.localhost:PORT`: the bucket travels
    in the Host header (`<bucket>.s3.localhost`); the socket goes to 127.0.0.1, since
    this machine's resolver does not know `*.localhost` names."""
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=f"http://s3.localhost:{tenku.port}",
        region_name="us-east-1",
        aws_access_key_id="AKID",
        aws_secret_access_key="secret",
        config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 0}),
    )
    hosts: list[str] = []

    def to_loopback(request: Any, **_: Any) -> None:
        host = request.url.split("/")[2]
        hosts.append(host)
        request.headers["Host"] = host
        request.url = request.url.replace(host, f"127.0.0.1:{tenku.port}", 1)

    client.meta.events.register("before-send.s3", to_loopback)
    client.put_object(Bucket=bucket, Key="dir/boto-virtual", Body=b"b")
    assert client.get_object(Bucket=bucket, Key="dir/boto-virtual")["Body"].read() == b"b"
    listed = client.list_objects_v2(Bucket=bucket, Prefix="dir/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/boto-virtual"]
    assert hosts[0] == f"{bucket}.s3.localhost:{tenku.port}"
    assert s3.get_object(Bucket=bucket, Key="dir/boto-virtual")["Body"].read() == b"b"


def test_anonymous_path_style_get(tenku: TenkuProcess, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="public/a.txt", Body=b"anyone")
    with urllib.request.urlopen(f"{tenku.endpoint}/{bucket}/public/a.txt") as response:
        assert response.read() == b"anyone"
        assert response.headers["ETag"]
    status, headers, body = raw(tenku, "HEAD", f"/{bucket}/public/a.txt")
    assert status == 200 and headers["content-length"] == "6" and body == b""
    status, _headers, body = raw(
        tenku, "GET", f"/{bucket}/public/a.txt", headers={"Range": "bytes=1-2"}
    )
    assert (status, body) == (206, b"ny")


def _chunked(payload: bytes, sizes: list[int], signed: bool, trailer: str = "") -> bytes:
    out = b""
    position = 0
    for size in [*sizes, 0]:
        piece = payload[position : position + size]
        position += size
        extension = b";chunk-signature=" + b"0" * 64 if signed else b""
        out += f"{len(piece):x}".encode() + extension + b"\r\n"
        if size:
            out += piece + b"\r\n"
    if trailer:
        out += trailer.encode() + b"\r\n"
    return out + b"\r\n"


def test_aws_chunked_signed_streaming_upload(tenku: TenkuProcess, s3: Any, bucket: str) -> None:
    payload = b"x" * 70000 + b"end"
    body = _chunked(payload, [65536, len(payload) - 65536], signed=True)
    status, _headers, text = raw(
        tenku,
        "PUT",
        f"/{bucket}/chunked.bin",
        body,
        {
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host, Signature=" + "0" * 64,
            "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(payload)),
            "x-amz-meta-kind": "chunked",
        },
    )
    assert status == 200, text
    got = s3.get_object(Bucket=bucket, Key="chunked.bin")
    assert got["Body"].read() == payload
    assert got["Metadata"] == {"kind": "chunked"}
    assert "ContentEncoding" not in got


def test_aws_chunked_unsigned_trailer_checksum(tenku: TenkuProcess, s3: Any, bucket: str) -> None:
    payload = b"trailer checked body"
    crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")).decode()
    headers = {
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(payload)),
        "x-amz-trailer": "x-amz-checksum-crc32",
    }
    body = _chunked(payload, [8, len(payload) - 8], False, f"x-amz-checksum-crc32:{crc}")
    status, answer_headers, text = raw(tenku, "PUT", f"/{bucket}/trailer.txt", body, headers)
    assert status == 200, text
    assert answer_headers["x-amz-checksum-crc32"] == crc
    head = s3.head_object(Bucket=bucket, Key="trailer.txt", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc
    wrong = base64.b64encode(zlib.crc32(b"other").to_bytes(4, "big")).decode()
    body = _chunked(payload, [len(payload)], False, f"x-amz-checksum-crc32:{wrong}")
    status, _headers, text = raw(tenku, "PUT", f"/{bucket}/trailer-bad.txt", body, headers)
    assert status == 400 and b"<Code>BadDigest</Code>" in text
    status, _headers, text = raw(tenku, "PUT", f"/{bucket}/cut.txt", b"5\r\nab", headers)
    assert status == 400 and b"IncompleteBody" in text


def test_malformed_xml_bodies(tenku: TenkuProcess, bucket: str) -> None:
    status, _headers, text = raw(
        tenku, "PUT", f"/{bucket}?versioning", b"<VersioningConfiguration><Status>", {}
    )
    assert status == 400 and b"<Code>MalformedXML</Code>" in text
    status, _headers, text = raw(tenku, "POST", f"/{bucket}?delete", b"not xml at all", {})
    assert status == 400 and b"<Code>MalformedXML</Code>" in text
