"""One HTTP request/response exchange of Tenku's own ASGI server.

Owns: the ASGI ``receive`` and ``send`` callables for one request (``Cycle``): handing
the request body to the app, 100-continue, waiting for a disconnect, and writing the
response with the right framing (content-length, chunked or close-delimited). Also the
ASGI type aliases and the status lines.

Must not: know anything of AWS, routing or services; parse requests (the connection in
``tenku.gateway.http11`` does, with httptools); import anything heavy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tenku.gateway.http11 import HttpConnection

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ASGI_VERSION = {"version": "3.0", "spec_version": "2.3"}
BODY_HIGH_WATER = 1 << 20  # unread request-body bytes buffered before we stop reading
SMALL_BODY = 16 * 1024  # bodies up to this size are copied into the header write

_REASONS = {
    200: b"OK", 201: b"Created", 202: b"Accepted", 204: b"No Content",
    206: b"Partial Content", 301: b"Moved Permanently", 302: b"Found",
    303: b"See Other", 304: b"Not Modified", 307: b"Temporary Redirect",
    308: b"Permanent Redirect", 400: b"Bad Request", 401: b"Unauthorized",
    403: b"Forbidden", 404: b"Not Found", 405: b"Method Not Allowed",
    409: b"Conflict", 411: b"Length Required", 412: b"Precondition Failed",
    413: b"Content Too Large", 415: b"Unsupported Media Type",
    416: b"Range Not Satisfiable", 429: b"Too Many Requests",
    431: b"Request Header Fields Too Large", 500: b"Internal Server Error",
    501: b"Not Implemented", 502: b"Bad Gateway", 503: b"Service Unavailable",
    504: b"Gateway Timeout",
}  # fmt: skip
_STATUS_LINES: dict[int, bytes] = {}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_CLOSE = b"connection: close\r\n"
_KEEP_ALIVE = b"connection: keep-alive\r\n"
_CHUNKED = b"transfer-encoding: chunked\r\n"
_LAST_CHUNK = b"0\r\n\r\n"


def status_line(status: int) -> bytes:
    """``HTTP/1.1 <status> <reason>\\r\\n``, cached; unknown codes get an empty reason."""
    line = _STATUS_LINES.get(status)
    if line is None:
        if not 100 <= status <= 599:
            raise ValueError(f"invalid HTTP status {status!r}")
        line = b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b""))
        _STATUS_LINES[status] = line
    return line


def canned(status: int, close: bool) -> bytes:
    """A complete empty response, for the errors the server answers itself."""
    return status_line(status) + b"content-length: 0\r\n" + (_CLOSE if close else b"") + b"\r\n"


class Cycle:
    """One request/response exchange: the ASGI ``receive`` and ``send`` for one request."""

    __slots__ = (
        "buffered",
        "chunked",
        "chunks",
        "complete",
        "conn",
        "expect_continue",
        "head",
        "headers",
        "http11",
        "keep_alive",
        "more_body",
        "received",
        "request_delivered",
        "scope",
        "send_body",
        "started",
        "status",
        "waiter",
        "wrote",
    )  # fmt: skip

    def __init__(
        self, conn: HttpConnection, scope: Scope, keep_alive: bool, http11: bool, head: bool
    ) -> None:
        self.conn = conn
        self.scope = scope
        self.keep_alive = keep_alive
        self.http11 = http11
        self.head = head
        self.expect_continue = False
        self.chunks: list[bytes] = []
        self.buffered = 0  # bytes in chunks, not yet given to the app
        self.received = 0  # body bytes seen in total, for max_body
        self.more_body = True  # False once the parser saw the end of the request
        self.request_delivered = False
        self.waiter: asyncio.Future[None] | None = None
        self.started = False
        self.wrote = False  # the status line has gone out
        self.complete = False
        self.status = 0
        self.headers: Any = None  # the app's headers until they are written
        self.chunked = False
        self.send_body = True

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self) -> None:
        conn = self.conn
        self.waiter = waiter = conn.shared.loop.create_future()
        conn.waiting.add(self)  # so that connection_lost can wake us, whatever our state
        try:
            await waiter
        finally:
            self.waiter = None
            conn.waiting.discard(self)

    async def receive(self) -> Message:
        conn = self.conn
        if not self.request_delivered and not conn.lost:
            if self.expect_continue:
                self.expect_continue = False
                if self.more_body and not self.wrote and not conn.closing:
                    conn.transport.write(_CONTINUE)
            while not self.chunks and self.more_body and not conn.lost:
                await self._wait()
            if not conn.lost:
                chunks = self.chunks
                body = b"".join(chunks) if chunks else b""
                chunks.clear()
                if self.buffered > BODY_HIGH_WATER:
                    self.buffered = 0
                    conn.maybe_resume_reading()
                self.buffered = 0
                more = self.more_body
                self.request_delivered = not more
                return {"type": "http.request", "body": body, "more_body": more}
        # The request is fully read: block until the client goes, so that an app
        # long-polling in a side task learns of the disconnect.
        while not conn.lost:
            await self._wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        conn = self.conn
        if conn.closing:
            return  # ASGI 2.3: sending to a gone (or aborted) client is a no-op
        kind = message["type"]
        if kind == "http.response.body":
            if not self.started or self.complete:
                raise RuntimeError("http.response.body sent outside a response")
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if self.headers is not None:
                self._write_head(body, more)
            elif self.chunked:
                if body:
                    chunk = b"".join((b"%x\r\n" % len(body), body, b"\r\n"))
                    conn.transport.write(chunk if more else chunk + _LAST_CHUNK)
                elif not more:
                    conn.transport.write(_LAST_CHUNK)
            elif body and self.send_body:
                conn.transport.write(body)
            if not more:
                self.complete = True
                conn.response_done(self)
            elif conn.write_paused:
                await conn.drain()
        elif kind == "http.response.start":
            if self.started:
                raise RuntimeError("http.response.start sent twice")
            status = message["status"]
            status_line(status)  # validates before we commit to this response
            self.status = status
            self.headers = message.get("headers", ())
            self.started = True
            if self.head or status in (204, 304) or status < 200:
                self.send_body = False
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r}")

    def _write_head(self, body: bytes, more: bool) -> None:
        """Write status line, headers and the first body piece, choosing the framing."""
        headers = self.headers
        parts = [status_line(self.status)]
        has_length = has_te = close_set = False
        for name, value in headers:
            # Only names of the right length are lower-cased: most headers skip the copy.
            size = len(name)
            if size == 14:
                if name.lower() == b"content-length":
                    has_length = True
            elif size == 17:
                if name.lower() == b"transfer-encoding":
                    has_te = True
            elif size == 10 and name.lower() == b"connection" and value.lower() == b"close":
                close_set = True
                self.keep_alive = False
            parts.append(b"".join((name, b": ", value, b"\r\n")))
        if not self.send_body:
            body = b""
        elif has_length:
            pass
        elif has_te:
            self.chunked = True
        elif not more:
            parts.append(b"content-length: %d\r\n" % len(body))
        elif self.http11:
            self.chunked = True
            parts.append(_CHUNKED)
        else:
            self.keep_alive = False  # HTTP/1.0 with unknown length: the close ends the body
        if self.expect_continue and self.more_body:
            # We answer without asking for the body; the client may or may not send it.
            self.keep_alive = False
        if not self.keep_alive:
            if not close_set:
                parts.append(_CLOSE)
        elif not self.http11:
            parts.append(_KEEP_ALIVE)
        parts.append(b"\r\n")
        head = b"".join(parts)
        # One C-level scan instead of per-header checks: any CR or LF inside a name or
        # value shows up as an extra line break, which would let a value forge headers.
        lines = len(parts)  # each part ends in exactly one CRLF
        if head.count(b"\n") != lines or head.count(b"\r") != lines:
            raise ValueError("response header contains CR or LF")
        self.headers = None
        self.wrote = True
        conn = self.conn
        if self.chunked and body:
            body = b"".join((b"%x\r\n" % len(body), body, b"\r\n"))
        if self.chunked and not more:
            body += _LAST_CHUNK
        if len(body) <= SMALL_BODY:
            conn.transport.write(head + body)
        else:
            conn.transport.write(head)
            conn.transport.write(body)

    def fail(self, status: int) -> None:
        """Answer with an empty error response in place of the app's (nothing written yet)."""
        self.started = self.complete = self.wrote = True
        self.headers = None
        if self.expect_continue and self.more_body:
            self.keep_alive = False
        conn = self.conn
        if not conn.closing:
            conn.transport.write(canned(status, not self.keep_alive))
        conn.response_done(self)
