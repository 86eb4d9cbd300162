"""The HTTP/1.1 side of the Lambda Runtime API 2018-06-01, one listener per environment.

Owns the wire: an asyncio `Protocol` per connection (httptools parses the bytes, so
Content-Length, chunked bodies and keep-alive all work), routing the four Runtime API
paths to an `ApiHandler`, writing responses. It is on the path of every warm invoke, so
it avoids streams, tasks and per-request allocations it does not need. It must not hold
invocation state or decide what a call means: the environment's state machine does.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import functools
import itertools
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Protocol

import httptools

PREFIX = "/2018-06-01/runtime/"
MAX_BODY = 64 * 1024 * 1024  # refuse anything absurd before buffering it
MAX_UNIX_PATH = 104  # sun_path holds 108 bytes on Linux (104 on BSDs)

Response = tuple[int, dict[str, str], bytes]
Reply = Callable[[Response], None]

_STATUS_LINES = {
    status: f"HTTP/1.1 {status} {reason}\r\n".encode("latin-1")
    for status, reason in (
        (200, "OK"),
        (202, "Accepted"),
        (400, "Bad Request"),
        (403, "Forbidden"),
        (404, "Not Found"),
        (405, "Method Not Allowed"),
        (413, "Request Entity Too Large"),
        (500, "Internal Server Error"),
    )
}
_ERROR_TYPE_HEADER = b"lambda-runtime-function-error-type"
_ERROR_BODY_HEADER = b"lambda-runtime-function-error-body"  # a trailer of streamed answers


class ApiHandler(Protocol):
    def next_invocation(self, reply: Reply) -> None:
        """Answer now or later (when work arrives) by calling `reply` exactly once."""

    def post_response(self, request_id: str, body: bytes) -> Response: ...
    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> Response: ...
    def post_init_error(self, body: bytes, error_type: str | None) -> Response: ...


def error_response(status: int, error_type: str, message: str) -> Response:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return status, {"Content-Type": "application/json"}, body


def encode_response(status: int, headers: dict[str, str], body: bytes) -> bytes:
    head = _STATUS_LINES.get(status) or f"HTTP/1.1 {status} Status\r\n".encode("latin-1")
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return b"".join(
        (head, lines.encode("latin-1"), b"Content-Length: %d\r\n\r\n" % len(body), body)
    )


_SOCKET_NUMBERS = itertools.count(1)


@functools.cache
def _socket_dir() -> str:
    """A short private directory for the Unix sockets (a socket path must fit in 104
    bytes, which the data directory often does not), removed when the server exits."""
    path = tempfile.mkdtemp(prefix="tenku-rt-")
    atexit.register(shutil.rmtree, path, True)
    return path


class RuntimeApiServer:
    """Serves the Runtime API for one environment on 127.0.0.1:<ephemeral port> (what
    `AWS_LAMBDA_RUNTIME_API` names, for any runtime client) and, when given a path, on a
    Unix socket too, which Tenku's own Python bootstrap uses: the same HTTP, without the
    loopback TCP stack on every hand-over (a small send costs about half: 3.6 against
    7.1 µs on the 2-core machine this was measured on)."""

    def __init__(self, handler: ApiHandler) -> None:
        self._handler = handler
        self._servers: list[asyncio.Server] = []
        self._connections: set[_Connection] = set()
        self.address = ""
        self.unix_path: str | None = None

    async def start(self, unix: bool = False) -> str:
        """Listen on TCP and, with `unix`, on a Unix socket of its own as well."""
        loop = asyncio.get_running_loop()

        def factory() -> _Connection:
            return _Connection(self._handler, self._connections)

        server = await loop.create_server(factory, "127.0.0.1", 0)
        self._servers.append(server)
        port = server.sockets[0].getsockname()[1]
        self.address = f"127.0.0.1:{port}"
        unix_path = os.path.join(_socket_dir(), f"{next(_SOCKET_NUMBERS)}.sock") if unix else None
        if unix_path is not None and len(unix_path.encode()) < MAX_UNIX_PATH:
            with contextlib.suppress(OSError):
                self._servers.append(await loop.create_unix_server(factory, unix_path))
                self.unix_path = unix_path
        return self.address

    def close(self) -> None:
        for server in self._servers:
            server.close()
        for connection in list(self._connections):
            connection.close()
        if self.unix_path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.unix_path)


class _Connection(asyncio.Protocol):
    """One runtime client connection. Requests are answered strictly in order: while a
    `next` call waits for work, later bytes are buffered and reading is paused."""

    def __init__(self, handler: ApiHandler, registry: set[_Connection]) -> None:
        self._handler = handler
        self._registry = registry
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpRequestParser(self)
        self._url = b""
        self._error_type: str | None = None
        self._error_body = b""
        self._body: list[bytes] = []
        self._size = 0
        self._waiting = False  # a `next` call is parked until work arrives
        self._backlog: list[bytes] = []  # bytes that arrived while parked
        self._queued: list[tuple[bytes, bytes, bytes, str | None]] = []  # requests, ditto
        # Answers written at the end of a read, or with the next invocation when the
        # runtime pipelined `next` behind them (it then needs no separate wake-up).
        self._out: list[bytes] = []

    # -- asyncio.Protocol ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        self._registry.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._registry.discard(self)
        self._transport = None

    def data_received(self, data: bytes) -> None:
        if self._waiting:
            self._backlog.append(data)
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(400, "malformed request")
        except httptools.HttpParserError:
            self._fail(400, "malformed request")
        except _TooLarge:
            self._fail(413, "body too large")
        else:
            if not self._waiting:
                self._flush()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # -- httptools callbacks ------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = b""
        self._error_type = None
        self._error_body = b""
        self._body = []
        self._size = 0

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        # llhttp reports a chunked body's trailers here too: a streamed response that
        # failed midway names its error in them.
        lowered = name.lower()
        if lowered == _ERROR_TYPE_HEADER:
            self._error_type = value.decode("latin-1")
        elif lowered == _ERROR_BODY_HEADER:
            self._error_body = value

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_BODY:
            raise _TooLarge
        self._body.append(body)

    def on_message_complete(self) -> None:
        method = self._parser.get_method()
        body = b"".join(self._body) if len(self._body) != 1 else self._body[0]
        if self._error_body and self._error_type:  # the error report replaces the body
            body = _unbase64(self._error_body)
        if self._waiting:  # pipelined behind a parked `next`: answered after it, in order
            self._queued.append((method, self._url, body, self._error_type))
            return
        self._route(method, self._url.decode("latin-1"), body, self._error_type)

    # -- routing ------------------------------------------------------------------------
    def _route(self, method: bytes, path: str, body: bytes, error_type: str | None) -> None:
        if not path.startswith(PREFIX):
            self._send(error_response(404, "NotFound", f"unknown path {path}"))
            return
        parts = path[len(PREFIX) :].split("?", 1)[0].strip("/").split("/")
        if parts == ["invocation", "next"]:
            if method != b"GET":
                self._send(error_response(405, "MethodNotAllowed", "use GET"))
                return
            self._waiting = True
            self._transport_pause(True)
            self._handler.next_invocation(self._answer_next)
            return
        if method != b"POST":
            self._send(error_response(405, "MethodNotAllowed", "use POST"))
        elif parts == ["init", "error"]:
            self._send(self._handler.post_init_error(body, error_type))
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
            if error_type:  # a streamed response that failed midway (see on_header)
                self._send(self._handler.post_error(parts[1], body, error_type))
            else:
                self._send(self._handler.post_response(parts[1], body))
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
            self._send(self._handler.post_error(parts[1], body, error_type))
        else:
            self._send(error_response(404, "NotFound", f"unknown path {path}"))

    def _answer_next(self, response: Response) -> None:
        self._waiting = False
        self._send(response)
        self._flush()
        self._transport_pause(False)
        queued, self._queued = self._queued, []
        for method, url, body, error_type in queued:
            if self._waiting:
                self._queued.append((method, url, body, error_type))
            else:
                self._route(method, url.decode("latin-1"), body, error_type)
        backlog, self._backlog = self._backlog, []
        for data in backlog:
            self.data_received(data)
        if not self._waiting:
            self._flush()

    def _send(self, response: Response) -> None:
        self._out.append(encode_response(*response))
        if not self._parser.should_keep_alive():
            self._flush()
            self.close()

    def _flush(self) -> None:
        if not self._out:
            return
        data = b"".join(self._out) if len(self._out) > 1 else self._out[0]
        self._out = []
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def _transport_pause(self, paused: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if paused:
            transport.pause_reading()
        else:
            transport.resume_reading()

    def _fail(self, status: int, message: str) -> None:
        if self._transport is not None and not self._transport.is_closing():
            error = error_response(status, "InvalidRequest", message)
            self._transport.write(encode_response(*error))
            self._transport.close()


def _unbase64(data: bytes) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        return data


class _TooLarge(Exception):
    """Raised from a parser callback when a body passes `MAX_BODY`."""
