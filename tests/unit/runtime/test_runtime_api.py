"""The Runtime API's HTTP side: ordering, pipelining and the deferred 202."""

from __future__ import annotations

import asyncio
from typing import Any

from tenku.runtime.runtime_api import Reply, Response, RuntimeApiServer

NEXT = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n"


def post(request_id: str, body: bytes = b"{}") -> bytes:
    return (
        f"POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\n"
        f"Host: x\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class FakeHandler:
    """Hands out invocations from a list; remembers what was posted."""

    def __init__(self) -> None:
        self.parked: Reply | None = None
        self.posted: list[tuple[str, bytes]] = []

    def next_invocation(self, reply: Reply) -> None:
        self.parked = reply

    def give(self, request_id: str) -> None:
        reply, self.parked = self.parked, None
        assert reply is not None
        reply((200, {"Lambda-Runtime-Aws-Request-Id": request_id}, b'{"n":1}'))

    def post_response(self, request_id: str, body: bytes) -> Response:
        self.posted.append((request_id, body))
        return 202, {}, b'{"status":"OK"}'

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> Response:
        self.posted.append((request_id, b"error:" + body))
        return 202, {}, b'{"status":"OK"}'

    def post_init_error(self, body: bytes, error_type: str | None) -> Response:
        return 202, {}, b""


async def read_available(reader: asyncio.StreamReader, wait: float = 0.1) -> bytes:
    data = b""
    while True:
        try:
            chunk = await asyncio.wait_for(reader.read(65536), wait)
        except TimeoutError:
            return data
        if not chunk:
            return data
        data += chunk


def run(scenario: Any) -> Any:
    async def main() -> Any:
        handler = FakeHandler()
        server = RuntimeApiServer(handler)
        host, port = (await server.start()).split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            return await scenario(handler, reader, writer)
        finally:
            writer.close()
            server.close()

    return asyncio.run(main())


def test_next_waits_for_work_then_answers() -> None:
    async def scenario(handler: FakeHandler, reader: Any, writer: Any) -> None:
        writer.write(NEXT)
        assert await read_available(reader) == b""  # parked: nothing to hand out yet
        handler.give("r1")
        answer = await read_available(reader)
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"Lambda-Runtime-Aws-Request-Id: r1" in answer

    run(scenario)


def test_a_lone_response_is_acknowledged_at_once() -> None:
    async def scenario(handler: FakeHandler, reader: Any, writer: Any) -> None:
        writer.write(NEXT)
        await asyncio.sleep(0.05)
        handler.give("r1")
        await read_available(reader)
        writer.write(post("r1", b'{"ok":1}'))
        assert (await read_available(reader)).startswith(b"HTTP/1.1 202 Accepted")
        assert handler.posted == [("r1", b'{"ok":1}')]

    run(scenario)


def test_pipelined_answer_and_next_share_one_write_in_order() -> None:
    async def scenario(handler: FakeHandler, reader: Any, writer: Any) -> None:
        writer.write(NEXT)
        await asyncio.sleep(0.05)
        handler.give("r1")
        await read_available(reader)
        writer.write(post("r1") + NEXT)  # the answer and the next request together
        # The 202 waits for the next invocation: the runtime is reading anyway.
        assert await read_available(reader) == b""
        assert handler.posted == [("r1", b"{}")]
        handler.give("r2")
        both = await read_available(reader)
        assert both.startswith(b"HTTP/1.1 202 Accepted")
        assert both.index(b"202 Accepted") < both.index(b"200 OK")
        assert b"Lambda-Runtime-Aws-Request-Id: r2" in both

    run(scenario)


def test_requests_pipelined_behind_a_parked_next_wait_their_turn() -> None:
    async def scenario(handler: FakeHandler, reader: Any, writer: Any) -> None:
        writer.write(NEXT + post("r1"))  # nonsense order, but it must stay in order
        await asyncio.sleep(0.05)
        assert handler.posted == []  # not handled before the `next` it follows
        handler.give("r1")
        await asyncio.sleep(0.05)
        assert handler.posted == [("r1", b"{}")]
        answers = await read_available(reader)
        assert answers.index(b"200 OK") < answers.index(b"202 Accepted")

    run(scenario)


def test_malformed_request_gets_400() -> None:
    async def scenario(handler: FakeHandler, reader: Any, writer: Any) -> None:
        writer.write(b"NOT HTTP\r\n\r\n")
        assert (await read_available(reader)).startswith(b"HTTP/1.1 400")

    run(scenario)
