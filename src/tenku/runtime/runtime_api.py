"""A minimal HTTP/1.1 server for the Lambda Runtime API 2018-06-01, one per environment.

Owns the wire: parsing requests (Content-Length or chunked bodies, keep-alive), routing
the four Runtime API paths to an `ApiHandler`, writing responses. It must not hold
invocation state or decide what a call means: the environment's state machine does.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable
from typing import Protocol

PREFIX = "/2018-06-01/runtime/"
MAX_BODY = 64 * 1024 * 1024  # refuse anything absurd before buffering it

Response = tuple[int, dict[str, str], bytes]

_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}


class ApiHandler(Protocol):
    def next_invocation(self) -> Awaitable[Response]: ...
    def post_response(self, request_id: str, body: bytes) -> Response: ...
    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> Response: ...
    def post_init_error(self, body: bytes, error_type: str | None) -> Response: ...


def error_response(status: int, error_type: str, message: str) -> Response:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return status, {"Content-Type": "application/json"}, body


class RuntimeApiServer:
    """Serves the Runtime API on 127.0.0.1:<ephemeral port> for one environment."""

    def __init__(self, handler: ApiHandler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.address = ""

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.address = f"127.0.0.1:{port}"
        return self.address

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                method, path, headers, body = request
                status, out_headers, out_body = await self._route(method, path, headers, body)
                _write_response(writer, status, out_headers, out_body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # the environment was shut down
            pass
        except ValueError:
            _write_response(writer, *error_response(400, "InvalidRequest", "malformed request"))
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> Response:
        if not path.startswith(PREFIX):
            return error_response(404, "NotFound", f"unknown path {path}")
        parts = path[len(PREFIX) :].split("?", 1)[0].strip("/").split("/")
        error_type = headers.get("lambda-runtime-function-error-type")
        if parts == ["invocation", "next"]:
            if method != "GET":
                return error_response(405, "MethodNotAllowed", "use GET")
            return await self._handler.next_invocation()
        if method != "POST":
            return error_response(405, "MethodNotAllowed", "use POST")
        if parts == ["init", "error"]:
            return self._handler.post_init_error(body, error_type)
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
            if error_type:  # a streamed response that failed midway says so in trailers
                error_body = headers.get("lambda-runtime-function-error-body", "")
                return self._handler.post_error(parts[1], _unbase64(error_body), error_type)
            return self._handler.post_response(parts[1], body)
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
            return self._handler.post_error(parts[1], body, error_type)
        return error_response(404, "NotFound", f"unknown path {path}")


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader, headers)
    else:
        length = int(headers.get("content-length", "0") or "0")
        if length > MAX_BODY:
            raise ValueError("body too large")
        body = await reader.readexactly(length) if length else b""
    return method, path, headers, body


async def _read_chunked(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    """The body; trailers (a streamed response's error report) are added to `headers`."""
    chunks: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            return b"".join(chunks)
        total += size
        if total > MAX_BODY:
            raise ValueError("body too large")
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _unbase64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return text.encode("latin-1", "replace")


def _write_response(
    writer: asyncio.StreamWriter, status: int, headers: dict[str, str], body: bytes
) -> None:
    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    head.extend(f"{k}: {v}" for k, v in headers.items())
    head.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
