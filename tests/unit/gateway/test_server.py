"""Tenku's HTTP/1.1 server, driven over real sockets by raw bytes and http.client.

Each test starts an HttpServer on a free port, in an event loop on a background thread
(both the stock asyncio loop and uvloop), with the small ASGI app below.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from typing import Any

import httptools
import pytest

from tenku.gateway.server import HttpServer

Scope = dict[str, Any]


class Recorder:
    """What the test app saw, readable from the test thread."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []
        self.lifespan: list[str] = []
        self.disconnected = threading.Event()
        self.finished: list[str] = []
        self.gate: asyncio.Event | None = None


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return body
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def make_app(rec: Recorder, lifespan: bool = False) -> Any:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            if not lifespan:
                raise RuntimeError("this app has no lifespan")
            while True:
                message = await receive()
                rec.lifespan.append(message["type"])
                if message["type"] == "lifespan.startup":
                    scope["state"]["greeting"] = "hello"
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        rec.scopes.append(scope)
        path = scope["path"]

        async def respond(body: bytes, status: int = 200, headers: Any = None) -> None:
            if headers is None:
                headers = [(b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        if path == "/boom":
            raise ValueError("boom")
        if path == "/boom-late":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"part", "more_body": True})
            raise ValueError("boom late")
        if path == "/silent":
            return
        if path == "/inject":
            await respond(b"x", headers=[(b"x-evil", b"a\r\nset-cookie: b")])
            return
        body = await read_body(receive)
        if path == "/stream":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for piece in (b"one,", b"two,", b"three"):
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        elif path == "/length-first":
            headers = [(b"content-length", b"2"), (b"x-amz-version1", b"v")]
            await respond(b"ok", headers=headers)
        elif path == "/nolength":
            await respond(b"whole", headers=[(b"content-type", b"text/plain")])
        elif path == "/big":
            piece = b"x" * 65536
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for _ in range(128):
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        elif path == "/sleep":
            await asyncio.sleep(float(scope["query_string"] or b"0.3"))
            rec.finished.append(path)
            await respond(b"slept")
        elif path == "/gate":
            assert rec.gate is not None
            await rec.gate.wait()
            await respond(b"opened")
        elif path == "/longpoll":

            async def watch() -> None:
                if (await receive())["type"] == "http.disconnect":
                    rec.disconnected.set()

            watcher = asyncio.ensure_future(watch())
            await asyncio.wait([watcher], timeout=20)
            if not watcher.done():
                await respond(b"timeout")
        elif path == "/state":
            await respond(scope.get("state", {}).get("greeting", "").encode())
        else:
            await respond(path.encode() + b"|" + body, headers=None)
            rec.finished.append(path)

    return app


class ServerThread:
    """An HttpServer running in its own event loop on a daemon thread."""

    def __init__(self, app: Any, loop_kind: str, **kwargs: Any) -> None:
        if loop_kind == "uvloop":
            uvloop = pytest.importorskip("uvloop")
            self.loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
        else:
            self.loop = asyncio.new_event_loop()
        self.server = HttpServer(app, "127.0.0.1", 0, **kwargs)
        ready = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.server.start())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=main, daemon=True)
        self.thread.start()
        assert ready.wait(5)
        self.port = self.server.port
        self.stopped = False

    def call(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def shutdown(self, grace: float = 5.0) -> None:
        if not self.stopped:
            self.stopped = True
            self.call(self.server.shutdown(grace))
            self.leftovers = self.call(_pending_tasks())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def http(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)


async def _pending_tasks() -> list[asyncio.Task[Any]]:
    await asyncio.sleep(0.01)
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


@pytest.fixture(params=["asyncio", "uvloop"])
def loop_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
def srv(rec: Recorder, loop_kind: str) -> Iterator[ServerThread]:
    server = ServerThread(make_app(rec), loop_kind, max_body=1000)
    yield server
    server.shutdown()
    assert server.leftovers == [], "requests still running after shutdown"


class Response:
    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[bytes, bytes] = {}
        self.body = b""
        self.done = False


def read_responses(sock: socket.socket, count: int) -> list[Response]:
    """Read ``count`` responses off a socket, with httptools' response parser."""
    responses: list[Response] = []

    class Callbacks:
        def on_message_begin(self) -> None:
            responses.append(Response())

        def on_header(self, name: bytes, value: bytes) -> None:
            responses[-1].headers[name.lower()] = value

        def on_headers_complete(self) -> None:
            responses[-1].status = parser.get_status_code()

        def on_body(self, body: bytes) -> None:
            responses[-1].body += body

        def on_message_complete(self) -> None:
            responses[-1].done = True

    parser = httptools.HttpResponseParser(Callbacks())
    while sum(r.done for r in responses) < count:
        data = sock.recv(65536)
        if not data:
            parser.feed_data(data)
            break
        parser.feed_data(data)
    return responses


def assert_closed(sock: socket.socket) -> None:
    with contextlib.suppress(ConnectionResetError):
        assert sock.recv(100) == b""


def test_get_and_scope(srv: ServerThread, rec: Recorder) -> None:
    conn = srv.http()
    conn.request("GET", "/a%20b/c%2Fd?x=1&y=%20", headers={"X-Custom": "Value"})
    response = conn.getresponse()
    assert response.status == 200
    assert response.read() == b"/a b/c/d|"
    assert sorted(k.lower() for k in response.headers) == ["content-length"]
    scope = rec.scopes[-1]
    assert scope["type"] == "http"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.3"}
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "GET"
    assert scope["scheme"] == "http"
    assert scope["raw_path"] == b"/a%20b/c%2Fd"
    assert scope["query_string"] == b"x=1&y=%20"
    assert scope["root_path"] == ""
    assert (b"x-custom", b"Value") in scope["headers"]
    assert scope["server"] == ("127.0.0.1", srv.port)
    assert scope["client"][0] == "127.0.0.1"


def test_post_with_body(srv: ServerThread) -> None:
    conn = srv.http()
    conn.request("POST", "/p", body=b"hello")
    assert conn.getresponse().read() == b"/p|hello"


def test_keep_alive_several_requests_one_connection(srv: ServerThread) -> None:
    conn = srv.http()
    conn.request("GET", "/first")
    assert conn.getresponse().read() == b"/first|"
    sock = conn.sock
    for i in range(5):
        conn.request("POST", f"/n{i}", body=b"b" * i)
        assert conn.getresponse().read() == f"/n{i}|".encode() + b"b" * i
    assert conn.sock is sock


def test_connection_close_is_honoured(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    [response] = read_responses(sock, 1)
    assert response.body == b"/bye|"
    assert response.headers[b"connection"] == b"close"
    assert_closed(sock)


def test_http10_keep_alive_and_default_close(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    [response] = read_responses(sock, 1)
    assert response.headers[b"connection"] == b"keep-alive"
    sock.sendall(b"GET /two HTTP/1.0\r\n\r\n")
    [response] = read_responses(sock, 1)
    assert response.body == b"/two|"
    assert_closed(sock)


def test_pipelined_requests_answered_in_order(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(
        b"GET /sleep?0.2 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /second HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /third HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    responses = read_responses(sock, 3)
    assert [r.body for r in responses] == [b"slept", b"/second|abc", b"/third|"]


def test_many_pipelined_requests_with_back_pressure(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"".join(b"GET /r%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(50)))
    responses = read_responses(sock, 50)
    assert [r.body for r in responses] == [b"/r%d|" % i for i in range(50)]


def test_chunked_request_body(srv: ServerThread, rec: Recorder) -> None:
    sock = srv.connect()
    sock.sendall(b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    time.sleep(0.05)
    sock.sendall(b"6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
    [response] = read_responses(sock, 1)
    assert response.body == b"/c|hello world"
    assert [name for name, _ in rec.scopes[-1]["headers"]] == [b"transfer-encoding"]


def test_expect_100_continue(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"POST /e HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(b"data")
    [response] = read_responses(sock, 1)
    assert (response.status, response.body) == (200, b"/e|data")


def test_head_sends_no_body(srv: ServerThread) -> None:
    conn = srv.http()
    conn.request("HEAD", "/h")
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("content-length") == "3"
    assert response.read() == b""
    conn.request("GET", "/after")  # no stray body bytes left on the connection
    assert conn.getresponse().read() == b"/after|"


def test_streamed_response_is_chunked(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    [response] = read_responses(sock, 1)
    assert response.headers[b"transfer-encoding"] == b"chunked"
    assert response.body == b"one,two,three"


def test_single_piece_without_length_gets_content_length(srv: ServerThread) -> None:
    conn = srv.http()
    conn.request("GET", "/nolength")
    response = conn.getresponse()
    assert response.getheader("content-length") == "5"
    assert response.getheader("transfer-encoding") is None
    assert response.read() == b"whole"


def test_app_content_length_is_kept(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"GET /length-first HTTP/1.1\r\nHost: x\r\n\r\nGET /n HTTP/1.1\r\n\r\n")
    responses = read_responses(sock, 2)
    assert [r.body for r in responses] == [b"ok", b"/n|"]
    assert responses[0].headers == {b"content-length": b"2", b"x-amz-version1": b"v"}


def test_streamed_response_to_http10_is_close_delimited(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"GET /stream HTTP/1.0\r\n\r\n")
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in head
    assert body == b"one,two,three"


def test_large_streamed_response(srv: ServerThread) -> None:
    conn = srv.http()
    conn.request("GET", "/big")
    response = conn.getresponse()
    time.sleep(0.2)  # let the server hit the transport's high-water mark
    assert len(response.read()) == 128 * 65536


def test_oversize_body_gets_413_and_close(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"POST /big-upload HTTP/1.1\r\nContent-Length: 5000\r\n\r\n")
    [response] = read_responses(sock, 1)
    assert response.status == 413
    assert_closed(sock)


def test_oversize_chunked_body_gets_413(srv: ServerThread, rec: Recorder) -> None:
    sock = srv.connect()
    sock.sendall(b"POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    sock.sendall(b"400\r\n" + b"z" * 1024 + b"\r\n")
    [response] = read_responses(sock, 1)
    assert response.status == 413
    assert_closed(sock)
    deadline = time.monotonic() + 2
    while "/up" not in rec.finished and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "/up" in rec.finished  # the app saw the disconnect and returned


def test_malformed_request_gets_400_and_close(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    [response] = read_responses(sock, 1)
    assert response.status == 400
    assert_closed(sock)
    conn = srv.http()
    conn.request("GET", "/still-up")
    assert conn.getresponse().status == 200


def test_garbage_after_good_request_answers_good_one_first(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"GET /sleep?0.1 HTTP/1.1\r\nHost: x\r\n\r\nBAD\x00\r\n\r\n")
    responses = read_responses(sock, 2)
    assert [r.status for r in responses] == [200, 400]


def test_app_exception_gives_500_and_server_keeps_serving(
    srv: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    conn = srv.http()
    with caplog.at_level(logging.ERROR, logger="tenku.gateway"):
        conn.request("GET", "/boom")
        response = conn.getresponse()
        assert (response.status, response.read()) == (500, b"")
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)
    conn.request("GET", "/next")  # same connection
    assert conn.getresponse().read() == b"/next|"


def test_app_returning_without_response_gives_500(srv: ServerThread) -> None:
    conn = srv.http()
    conn.request("GET", "/silent")
    assert conn.getresponse().status == 500


def test_app_exception_after_start_closes_connection(srv: ServerThread) -> None:
    sock = srv.connect()
    sock.sendall(b"GET /boom-late HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert not data.endswith(b"0\r\n\r\n")  # the chunked body never completes


def test_header_injection_is_refused(srv: ServerThread) -> None:
    conn = srv.http()
    conn.request("GET", "/inject")
    response = conn.getresponse()
    assert response.status == 500
    assert response.getheader("set-cookie") is None


def test_slow_request_does_not_block_other_connections(srv: ServerThread, rec: Recorder) -> None:
    rec.gate = srv.call(_make_event())
    slow = srv.connect()
    slow.sendall(b"GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
    fast = srv.http()
    fast.request("GET", "/quick")
    assert fast.getresponse().read() == b"/quick|"
    srv.loop.call_soon_threadsafe(rec.gate.set)
    [response] = read_responses(slow, 1)
    assert response.body == b"opened"


async def _make_event() -> asyncio.Event:
    return asyncio.Event()


def test_disconnect_reaches_long_polling_app(srv: ServerThread, rec: Recorder) -> None:
    sock = srv.connect()
    sock.sendall(b"GET /longpoll HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.1)
    sock.close()
    assert rec.disconnected.wait(3)


def test_graceful_shutdown_lets_in_flight_request_finish(rec: Recorder, loop_kind: str) -> None:
    server = ServerThread(make_app(rec), loop_kind)
    idle = server.connect()
    idle.sendall(b"GET /warm HTTP/1.1\r\nHost: x\r\n\r\n")
    read_responses(idle, 1)
    busy = server.connect()
    busy.sendall(b"GET /sleep?0.3 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.1)
    started = time.monotonic()
    server.shutdown(grace=5)
    assert time.monotonic() - started < 2
    assert "/sleep" in rec.finished
    [response] = read_responses(busy, 1)
    assert response.body == b"slept"
    assert response.headers[b"connection"] == b"close"
    assert_closed(busy)
    assert_closed(idle)
    with pytest.raises(OSError):
        server.connect()


def test_shutdown_cancels_requests_beyond_grace(rec: Recorder, loop_kind: str) -> None:
    server = ServerThread(make_app(rec), loop_kind)
    busy = server.connect()
    busy.sendall(b"GET /sleep?30 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.1)
    started = time.monotonic()
    server.shutdown(grace=0.2)
    assert time.monotonic() - started < 2
    assert "/sleep" not in rec.finished
    assert_closed(busy)


def test_lifespan_startup_shutdown_and_state(rec: Recorder, loop_kind: str) -> None:
    server = ServerThread(make_app(rec, lifespan=True), loop_kind)
    assert rec.lifespan == ["lifespan.startup"]
    conn = server.http()
    conn.request("GET", "/state")
    assert conn.getresponse().read() == b"hello"
    server.shutdown()
    assert rec.lifespan == ["lifespan.startup", "lifespan.shutdown"]


def test_lifespan_startup_failure_raises(loop_kind: str) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    server = HttpServer(app, "127.0.0.1", 0)
    with pytest.raises(RuntimeError, match="no database"):
        asyncio.run(server.start())


RUN_SCRIPT = textwrap.dedent(
    """
    import sys
    from tenku.gateway.server import run

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                print(message["type"], flush=True)
                kind = message["type"] + ".complete"
                await send({"type": kind})
                if message["type"] == "lifespan.shutdown":
                    return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ran"})

    run(app, "127.0.0.1", 0, on_ready=lambda host, port: print("ready", port, flush=True),
        use_uvloop=sys.argv[1] == "uvloop")
    print("returned", flush=True)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_run_serves_until_signal(loop_kind: str, sig: signal.Signals) -> None:
    src = os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")
    env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_SCRIPT, loop_kind],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "lifespan.startup\n"
        ready, port = proc.stdout.readline().split()
        assert ready == "ready"
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"ran"
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert out.split() == ["lifespan.shutdown", "returned"]
