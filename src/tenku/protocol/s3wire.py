"""S3's wire peculiarities that sit below the model: addressing and aws-chunked bodies.

Owns: finding the bucket named by a virtual-host `Host` (`bucket.s3.localhost`,
`bucket.s3.<region>.localhost`, `bucket.s3[.-]<region>.amazonaws.com`) and moving it
into the path so the model's `/{Bucket}/{Key+}` templates match; decoding `aws-chunked`
request bodies (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, `STREAMING-UNSIGNED-PAYLOAD-TRAILER`
and the signed-trailer form) into the plain payload, with trailing headers such as
`x-amz-checksum-crc32` merged into the request headers.
Must not: check signatures (Tenku does not verify them), or know S3 operations.
"""

from __future__ import annotations

import re

from tenku.core.errors import ServiceError
from tenku.protocol.http import Request

_VIRTUAL_HOST = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.\-_]*?)\.s3(?:[.-](?P<region>[a-z]{2}(?:-[a-z0-9]+)+))?"
    r"\.(?:localhost|amazonaws\.com)$"
)


def host_bucket(host: str) -> tuple[str, str | None] | None:
    """(bucket, region named in the host or None) of a virtual-host style S3 Host."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    match = _VIRTUAL_HOST.match(name.lower())
    if match is None:
        return None
    return match.group("bucket"), match.group("region")


def with_host_bucket(request: Request) -> Request:
    """The request with a virtual-host bucket moved into its path (path style)."""
    found = host_bucket(request.host) if ".s3" in request.host.lower() else None
    if found is None:
        return request
    path = request.path or "/"
    return Request(
        request.method,
        f"/{found[0]}{path}",
        request.query,
        request.headers,
        request.body,
        request.host,
    )


def is_aws_chunked(request: Request) -> bool:
    sha = request.headers.get("x-amz-content-sha256", "")
    encoding = request.headers.get("content-encoding", "")
    return sha.startswith("STREAMING-") or "aws-chunked" in encoding


def _incomplete() -> ServiceError:
    return ServiceError("IncompleteBody", "The request body terminated unexpectedly", 400)


def decode_chunks(body: bytes) -> tuple[bytes, dict[str, str]]:
    """The payload and the trailing headers of an aws-chunked body.

    Each chunk is `hex-size[;chunk-signature=...]\\r\\n data \\r\\n`; a zero-size chunk
    ends the data, followed by optional `name:value\\r\\n` trailer lines and `\\r\\n`.
    """
    pieces: list[bytes] = []
    position = 0
    size_of_body = len(body)
    while True:
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            raise _incomplete()
        header = body[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(header, 16)
        except ValueError as exc:
            raise _incomplete() from exc
        start = line_end + 2
        if size == 0:
            position = start
            break
        end = start + size
        if end > size_of_body:
            raise _incomplete()
        pieces.append(body[start:end])
        position = end
        if body[position : position + 2] == b"\r\n":
            position += 2
    trailers: dict[str, str] = {}
    for raw in body[position:].split(b"\r\n"):
        line = raw.strip()
        if not line or b":" not in line:
            continue
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name != "x-amz-trailer-signature":
            trailers[name] = value.strip()
    return b"".join(pieces), trailers


def decode_aws_chunked(request: Request) -> Request:
    """The request with an aws-chunked body decoded (others are returned unchanged)."""
    if not is_aws_chunked(request):
        return request
    payload, trailers = decode_chunks(request.body)
    headers = dict(request.headers)
    declared = headers.pop("x-amz-decoded-content-length", None)
    if declared is not None and declared.strip().isdigit() and int(declared) != len(payload):
        raise _incomplete()
    encodings = [
        e.strip()
        for e in headers.get("content-encoding", "").split(",")
        if e.strip() and e.strip() != "aws-chunked"
    ]
    if encodings:
        headers["content-encoding"] = ",".join(encodings)
    else:
        headers.pop("content-encoding", None)
    headers["content-length"] = str(len(payload))
    headers.update(trailers)
    return Request(request.method, request.path, request.query, headers, payload, request.host)
