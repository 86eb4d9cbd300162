"""The API port (`tenku up --api-port`, 3000 by default): every request to it is a call
to one deployed API, as `sam local start-api` users expect (`GET
http://127.0.0.1:3000/users`, no stage, no special host).

A small ASGI app in front of the gateway's: it sets the request's Host to the API's
invoke host (`<api-id>.execute-api.localhost:<port>`) and, when the served stage is not
`$default`, puts the stage in front of the path, then hands the request to the gateway
app unchanged otherwise. Until a deployment names the API it answers 503.
Must not: know anything of API Gateway beyond its invoke URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tenku.gateway.exchange import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class Served:
    api_id: str
    stage: str | None  # None or "$default": the path is the API's path as it is
    port: int  # the gateway's port, for the Host the API sees


class ApiPort:
    def __init__(self, gateway: ASGIApp) -> None:
        self.gateway = gateway
        self.served: Served | None = None
        self.waiting_reason = "Tenku is deploying the stack"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        served = self.served
        if served is None:
            await _answer(send, 503, {"message": self.waiting_reason})
            return
        await self.gateway(rewrite(scope, served), receive, send)


def rewrite(scope: Scope, served: Served) -> dict[str, Any]:
    """The request as if sent to the API's invoke URL."""
    prefix = "" if served.stage in (None, "$default") else f"/{served.stage}"
    path = prefix + str(scope.get("path") or "/")
    raw_path = prefix.encode() + (scope.get("raw_path") or str(scope.get("path", "/")).encode())
    host = f"{served.api_id}.execute-api.localhost:{served.port}".encode()
    headers = [(name, value) for name, value in scope["headers"] if name != b"host"]
    headers.append((b"host", host))
    rewritten = {**scope, "path": path, "raw_path": raw_path, "headers": headers}
    names = scope.get("tenku.header_names")
    if names is not None and len(names) == len(scope["headers"]):
        kept = [
            n for n, (lower, _) in zip(names, scope["headers"], strict=True) if lower != b"host"
        ]
        rewritten["tenku.header_names"] = [*kept, b"Host"]
    else:
        rewritten.pop("tenku.header_names", None)
    return rewritten


async def _answer(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
