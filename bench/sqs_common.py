"""Shared pieces of the SQS benchmark: raw JSON-protocol requests and /proc readers.

Everything talks HTTP/1.1 over plain sockets to 127.0.0.1; no SDK is involved. The
headers mimic what botocore sends for the AWS JSON 1.0 protocol. Servers under test do
not verify signatures, so the signature is a fixed dummy value.
"""

from __future__ import annotations

import json
import os
import re
import socket
from dataclasses import dataclass

HOST = "127.0.0.1"
AMZ_DATE = "20260101T000000Z"
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/sqs/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=0000000000000000000000000000000000000000000000000000000000000000"
)
CONTENT_TYPE = "application/x-amz-json-1.0"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_CONNECTION_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)
CLK_TCK = os.sysconf("SC_CLK_TCK")


def request_head(port: int, op: str, body_len: int) -> bytes:
    """The request line and headers of one SQS JSON call (ends with the blank line)."""
    return (
        "POST / HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        f"Content-Type: {CONTENT_TYPE}\r\n"
        f"X-Amz-Target: AmazonSQS.{op}\r\n"
        f"X-Amz-Date: {AMZ_DATE}\r\n"
        f"Authorization: {AUTHORIZATION}\r\n"
        f"Content-Length: {body_len}\r\n\r\n"
    ).encode()


def encode_request(port: int, op: str, payload: dict | bytes) -> bytes:
    """A complete request: head plus JSON body."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return request_head(port, op, len(body)) + body


@dataclass
class Response:
    status: int
    body: bytes
    close: bool  # the server asked to close the connection after this response

    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}


def parse_response(buf: bytes | bytearray) -> tuple[Response, int] | None:
    """Parse one response at the start of ``buf``; None if it is not complete yet.

    Returns the response and the number of bytes it used. Only Content-Length framed
    responses are supported (all three servers frame SQS answers that way).
    """
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[: end + 2])
    match = _CONTENT_LENGTH.search(head)
    if match is None:
        raise ValueError(f"response without Content-Length: {head[:200]!r}")
    total = end + 4 + int(match.group(1))
    if len(buf) < total:
        return None
    status = int(head[9:12])
    close = bool(_CONNECTION_CLOSE.search(head)) or head.startswith(b"HTTP/1.0")
    return Response(status, bytes(buf[end + 4 : total]), close), total


def call(port: int, op: str, payload: dict, timeout: float = 30.0) -> Response:
    """One blocking request on a fresh connection (for set-up and probes, not load)."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(encode_request(port, op, payload))
        buf = bytearray()
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before a full response")
            buf += chunk
            parsed = parse_response(buf)
            if parsed is not None:
                return parsed[0]


def call_ok(port: int, op: str, payload: dict, timeout: float = 30.0) -> dict:
    """Like :func:`call` but raise unless the status is 200; returns the JSON body."""
    resp = call(port, op, payload, timeout)
    if resp.status != 200:
        raise RuntimeError(f"{op} -> {resp.status}: {resp.body[:300]!r}")
    return resp.json()


def create_queue(port: int, name: str) -> str:
    return call_ok(port, "CreateQueue", {"QueueName": name})["QueueUrl"]


def queue_depth(port: int, queue_url: str) -> int:
    """ApproximateNumberOfMessages + ...NotVisible of a queue."""
    attrs = call_ok(
        port,
        "GetQueueAttributes",
        {
            "QueueUrl": queue_url,
            "AttributeNames": [
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        },
        timeout=120.0,
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs.get("ApproximateNumberOfMessagesNotVisible", 0)
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS/VmHWM from /proc/PID/status and Pss/Private from smaps_rollup, in kB."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            rollup = {
                key: int(value.split()[0])
                for key, _, value in (line.partition(":") for line in f)
                if value.strip().endswith("kB")
            }
        out["Pss"] = rollup.get("Pss", 0)
        out["Private"] = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
    except OSError:
        pass
    return out


def machine_info() -> dict[str, str | int]:
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count() or 0, "cpu_model": model}
