"""One HTTP/1.1 connection of Tenku's own ASGI server.

Owns: the asyncio ``Protocol`` for one TCP connection. httptools parses the bytes; this
module builds an ASGI ``http`` scope per request and runs the app once per request, each
in its own task and strictly in order on a connection (later pipelined requests wait,
and reading pauses when a few are queued). Errors it answers itself: 400 for malformed
requests, 413 for bodies over the limit, 431 for oversized heads, 500 for app failures.

Must not: know anything of AWS, routing or services; parse HTTP by hand (httptools
does); import anything heavy (this module is on Tenku's start-up path).
"""

from __future__ import annotations

import asyncio
import logging
import types
from collections import deque
from collections.abc import Callable, Generator
from typing import Any
from urllib.parse import unquote

import httptools

from tenku.gateway.exchange import (
    ASGI_VERSION,
    BODY_HIGH_WATER,
    ASGIApp,
    Cycle,
    Scope,
    canned,
)

logger = logging.getLogger("tenku.gateway")

EAGER_BODY = 64 * 1024  # bodies up to this size are read whole before the app starts
MAX_QUEUED = 4  # pipelined requests parsed ahead of the running one before we stop reading
MAX_HEAD = 64 * 1024  # request line + headers; llhttp itself sets no limit
_METHODS = {m.encode(): m for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")}


class Shared:
    """What every connection of one server needs: the app and the server's state."""

    __slots__ = ("app", "connections", "loop", "max_body", "on_idle", "state", "stopping")

    def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop, max_body: int) -> None:
        self.app = app
        self.loop = loop
        self.max_body = max_body
        self.connections: set[HttpConnection] = set()
        self.state: dict[str, Any] | None = None  # lifespan state, copied into each scope
        self.stopping = False
        self.on_idle: Callable[[], None] | None = None  # called when the last connection goes


class _Reject(Exception):
    """Raised inside a parser callback to stop parsing and answer with an error status."""


class HttpConnection(asyncio.Protocol):
    """The protocol for one TCP connection; also httptools' callback object."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.parser = httptools.HttpRequestParser(self)
        self.transport: Any = None
        self.server: tuple[str, int] | None = None
        self.client: tuple[str, int] | None = None
        self.queue: deque[Cycle | int] = deque()  # parsed requests (or error statuses) waiting
        self.active: Cycle | None = None  # the request whose response is being produced
        self.task: asyncio.Task[None] | None = None
        self.parsing: Cycle | None = None  # the request whose body is being parsed
        self.waiting: set[Cycle] = set()  # requests whose app is blocked in receive()
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.header_names: list[bytes] = []  # as the client spelled them (ASGI lower-cases)
        self.head_size = 0
        self.content_length = 0
        self.expect = False
        self.reject = 0
        self.dead = False  # no further requests will be parsed on this connection
        self.closing = False  # we closed (or the peer did): nothing more is written
        self.lost = False
        self.read_paused = False
        self.write_paused = False
        self.drain_waiter: asyncio.Future[None] | None = None
        self.deferred: Cycle | None = None  # headers parsed, app started when the body is
        self.chunked = False

    # -- asyncio callbacks ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        sockname = transport.get_extra_info("sockname")
        peername = transport.get_extra_info("peername")
        self.server = (sockname[0], sockname[1]) if isinstance(sockname, tuple) else None
        self.client = (peername[0], peername[1]) if isinstance(peername, tuple) else None
        self.shared.connections.add(self)
        if self.shared.stopping:
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = self.closing = self.dead = True
        self.deferred = None
        shared = self.shared
        shared.connections.discard(self)
        for cycle in list(self.waiting):
            cycle.wake()
        self.queue.clear()
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if not shared.connections and shared.on_idle is not None:
            shared.on_idle()

    def data_received(self, data: bytes) -> None:
        if self.dead:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # No upgraded protocol is spoken here: the request is answered as plain
            # HTTP, and whatever follows it is not HTTP/1.1, so the connection ends.
            self.dead = True
            self.pause_reading()
            last = self.queue[-1] if self.queue else self.active
            if isinstance(last, Cycle):
                last.keep_alive = False
        except httptools.HttpParserError as exc:
            if not self.reject and isinstance(exc, httptools.HttpParserCallbackError):
                logger.error("HTTP parser callback failed", exc_info=exc)
            self.abort_parsing(self.reject or 400)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- httptools callbacks -------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.header_names = []
        self.head_size = 0
        self.content_length = 0
        self.expect = False
        self.chunked = False

    def on_url(self, url: bytes) -> None:
        self.url += url
        self.head_size += len(url)
        if self.head_size > MAX_HEAD:
            self.reject = 431
            raise _Reject

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.parsing is not None:
            return  # a chunked body's trailer: the app's scope already has its headers
        self.header_names.append(name)
        name = name.lower()
        self.headers.append((name, value))
        self.head_size += len(name) + len(value)
        if self.head_size > MAX_HEAD:
            self.reject = 431
            raise _Reject
        if name == b"content-length":
            self.content_length = int(value)
        elif name == b"expect":
            self.expect = value.lower() == b"100-continue"
        elif name == b"transfer-encoding":
            self.chunked = True

    def on_headers_complete(self) -> None:
        shared = self.shared
        if self.content_length > shared.max_body:
            self.reject = 413
            raise _Reject
        parser = self.parser
        raw_method = parser.get_method()
        method = _METHODS.get(raw_method) or raw_method.decode("ascii")
        version = parser.get_http_version()
        url = self.url
        query_at = url.find(b"?")
        if query_at >= 0:
            raw_path, query = url[:query_at], url[query_at + 1 :]
        else:
            raw_path, query = url, b""
        if raw_path[:1] != b"/" and raw_path != b"*":  # absolute-form, as sent to proxies
            raw_path = httptools.parse_url(url).path or b"/"
        path = raw_path.decode("latin-1")
        if "%" in path:
            path = unquote(path)
        scope: Scope = {
            "type": "http",
            "asgi": ASGI_VERSION,
            "http_version": version,
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": raw_path,
            "query_string": query,
            "root_path": "",
            "headers": self.headers,
            "tenku.header_names": self.header_names,
            "client": self.client,
            "server": self.server,
        }
        if shared.state is not None:
            scope["state"] = shared.state.copy()
        http11 = version == "1.1"
        cycle = Cycle(self, scope, parser.should_keep_alive(), http11, method == "HEAD")
        cycle.expect_continue = self.expect and http11
        self.parsing = cycle
        if self.active is None and not self.queue:
            if cycle.expect_continue or self.chunked or self.content_length > EAGER_BODY:
                self.start(cycle)
            else:  # a small body: run the app once it is all here (see `start`)
                self.active = cycle
                self.deferred = cycle
        else:
            self.queue.append(cycle)
            if len(self.queue) >= MAX_QUEUED:
                self.pause_reading()

    def on_body(self, body: bytes) -> None:
        cycle = self.parsing
        if cycle is None:
            return
        size = len(body)
        cycle.received += size
        if cycle.received > self.shared.max_body:
            self.reject = 413
            raise _Reject
        if cycle.complete or self.lost:
            return  # the app already answered without reading this; drop it
        cycle.chunks.append(body)
        cycle.buffered += size
        if cycle.buffered > BODY_HIGH_WATER:
            self.pause_reading()
        cycle.wake()

    def on_message_complete(self) -> None:
        cycle = self.parsing
        if cycle is not None:
            self.parsing = None
            cycle.more_body = False
            cycle.wake()
        deferred = self.deferred
        if deferred is not None:
            self.deferred = None
            self.start(deferred)

    # -- request sequencing --------------------------------------------------------------

    def start(self, cycle: Cycle) -> None:
        """Run the app for `cycle` at once, up to its first real wait (a request that is
        answered without waiting, such as a read, costs no task and no loop turn); only
        what is left after that wait becomes a task."""
        self.active = cycle
        app = self.run_app(cycle)
        try:
            blocked_on = app.send(None)
        except StopIteration:
            return
        task = self.shared.loop.create_task(_resume(app, blocked_on))
        if self.active is cycle:
            self.task = task

    async def run_app(self, cycle: Cycle) -> None:
        try:
            await self.shared.app(cycle.scope, cycle.receive, cycle.send)
        except asyncio.CancelledError:
            if not cycle.complete:
                self.close()
            raise
        except Exception as exc:
            scope = cycle.scope
            logger.error("ASGI app failed on %s %s", scope["method"], scope["path"], exc_info=exc)
            self.app_ended_early(cycle)
        else:
            if not cycle.complete and not self.closing:
                logger.error("ASGI app returned without completing its response")
                self.app_ended_early(cycle)

    def app_ended_early(self, cycle: Cycle) -> None:
        if not cycle.started or not cycle.wrote:
            cycle.fail(500)
        elif not cycle.complete:
            self.close()  # the response is cut short; only a close tells the client

    def response_done(self, cycle: Cycle) -> None:
        if cycle is not self.active:
            return
        self.active = None
        self.task = None
        if not cycle.keep_alive or self.shared.stopping:
            self.close()
            return
        while self.queue:
            item = self.queue.popleft()
            if isinstance(item, int):
                self.transport.write(canned(item, True))
                self.close()
                return
            self.start(item)
            break
        self.maybe_resume_reading()

    def abort_parsing(self, status: int) -> None:
        """Stop parsing; answer ``status`` once earlier responses are out, then close."""
        self.dead = True
        self.pause_reading()
        self.deferred = None  # its body never completed: it is answered with `status`
        broken = self.parsing
        self.parsing = None
        if broken is not None and broken is self.active:
            if not broken.wrote:
                broken.keep_alive = False
                broken.fail(status)
            else:
                self.close()
            return
        if broken is not None and broken in self.queue:
            self.queue.remove(broken)
        if self.active is None and not self.queue:
            self.transport.write(canned(status, True))
            self.close()
        else:
            self.queue.append(status)

    # -- flow control and closing --------------------------------------------------------

    def pause_reading(self) -> None:
        if not self.read_paused and not self.closing:
            self.read_paused = True
            self.transport.pause_reading()

    def maybe_resume_reading(self) -> None:
        if (
            self.read_paused
            and not self.dead
            and not self.closing
            and len(self.queue) < MAX_QUEUED
            and (self.parsing is None or self.parsing.buffered <= BODY_HIGH_WATER)
        ):
            self.read_paused = False
            self.transport.resume_reading()

    async def drain(self) -> None:
        if self.write_paused and not self.closing:
            self.drain_waiter = waiter = self.shared.loop.create_future()
            try:
                await waiter
            finally:
                self.drain_waiter = None

    def close(self) -> None:
        if not self.closing:
            self.closing = self.dead = True
            self.transport.close()

    def stop(self) -> None:
        """Server shutdown: finish the running request (if any), drop the queue, close."""
        self.queue.clear()
        if self.active is None:
            self.close()
        else:
            self.active.keep_alive = False  # tells the client, if its head is not out yet

    def kill(self) -> None:
        """Shutdown grace is over: cancel the running request and drop the connection."""
        if self.task is not None:
            self.task.cancel()
        self.closing = self.dead = True
        self.transport.abort()


@types.coroutine
def _resume(app: Any, blocked_on: Any) -> Generator[Any, Any, None]:
    """Carry on an app coroutine that `start` ran up to its first wait: hand that wait to
    the task driving this generator, then delegate to the coroutine (sends, throws and
    cancellation pass through as with `await`)."""
    try:
        yield blocked_on
    except BaseException as exc:  # thrown in while waiting (a cancellation): pass it on
        try:
            blocked_on = app.throw(exc)
        except StopIteration:
            return
        yield from _resume(app, blocked_on)
        return
    yield from app
