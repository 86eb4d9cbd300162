"""The API port: a request to it reaches the gateway as a call to the API's invoke URL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tenku.cli.apiport import ApiPort, Served, rewrite

SCOPE: dict[str, Any] = {
    "type": "http",
    "method": "GET",
    "path": "/users/42",
    "raw_path": b"/users/42",
    "query_string": b"limit=5",
    "headers": [(b"host", b"127.0.0.1:3000"), (b"authorization", b"Bearer t")],
    "tenku.header_names": [b"Host", b"Authorization"],
}


def test_named_stage_goes_in_front_of_the_path_and_the_host_names_the_api() -> None:
    rewritten = rewrite(SCOPE, Served("abcdef1234", "dev", 4566))
    assert rewritten["path"] == "/dev/users/42" and rewritten["raw_path"] == b"/dev/users/42"
    assert rewritten["query_string"] == b"limit=5"
    assert dict(rewritten["headers"]) == {
        b"host": b"abcdef1234.execute-api.localhost:4566",
        b"authorization": b"Bearer t",
    }
    assert rewritten["tenku.header_names"] == [b"Authorization", b"Host"]
    assert SCOPE["path"] == "/users/42"  # the original scope is left alone


def test_default_stage_keeps_the_path() -> None:
    for stage in ("$default", None):
        assert rewrite(SCOPE, Served("abcdef1234", stage, 4566))["path"] == "/users/42"


def test_header_names_that_do_not_line_up_are_dropped() -> None:
    scope = {**SCOPE, "tenku.header_names": [b"Host"]}
    assert "tenku.header_names" not in rewrite(scope, Served("abcdef1234", None, 1))


def test_before_a_deployment_the_port_answers_503() -> None:
    sent: list[dict[str, Any]] = []
    reached: list[dict[str, Any]] = []

    async def gateway(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope)

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    port = ApiPort(gateway)
    asyncio.run(port(dict(SCOPE), receive, send))
    assert sent[0]["status"] == 503 and not reached
    assert json.loads(sent[1]["body"]) == {"message": "Tenku is deploying the stack"}
    port.served = Served("abcdef1234", "dev", 4566)
    asyncio.run(port(dict(SCOPE), receive, send))
    assert reached[0]["path"] == "/dev/users/42"
