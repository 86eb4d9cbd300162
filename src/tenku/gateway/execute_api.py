"""Routing of API Gateway invoke URLs: which requests are calls to a deployed API, and
handing them to the HTTP API or REST API data plane as plain values.

A request is for an API when its Host is `<api-id>.execute-api.localhost` or
`<api-id>.execute-api.<region>.localhost` (any port; also `...amazonaws.com` hosts
that resolve here), or when its path starts with `/_tenku/execute-api/<api-id>/` for
clients that cannot set a Host header (the rest of the path, stage included, is what
the API sees). API ids are unique across both kinds, so the HTTP API data plane is
asked first and the REST one second. This module holds no API Gateway logic.
"""

from __future__ import annotations

import re
from typing import Any

from tenku.gateway.registry import Providers
from tenku.protocol.http import Request, Response, header_text

PATH_PREFIX = "/_tenku/execute-api/"
_HOST = re.compile(r"^([a-z0-9]{10})\.execute-api\.", re.IGNORECASE)


class Target:
    __slots__ = ("api_id", "path")

    def __init__(self, api_id: str, path: str) -> None:
        self.api_id = api_id
        self.path = path


def match(request: Request) -> Target | None:
    """The API a request is addressed to, or None (most requests: cheap)."""
    host = request.host
    if ".execute-api." in host:
        found = _HOST.match(host)
        if found is not None:
            return Target(found.group(1).lower(), request.path or "/")
    if request.path.startswith(PATH_PREFIX):
        api_id, _, rest = request.path[len(PATH_PREFIX) :].partition("/")
        if api_id:
            return Target(api_id.lower(), "/" + rest)
    return None


async def serve(
    providers: Providers,
    request: Request,
    target: Target,
    raw_headers: list[tuple[bytes, bytes]],
    names: list[bytes] | None,
    client: tuple[str, int] | None,
    http_version: str,
    now: float,
) -> Response:
    from tenku.proxy.request import ProxyRequest

    proxied = ProxyRequest(
        method=request.method,
        path=target.path.split("?", 1)[0],
        query=request.query,
        headers=_headers(raw_headers, names),
        body=request.body,
        source_ip=client[0] if client else "127.0.0.1",
        protocol=f"HTTP/{http_version}",
        host=request.host,
        received_at=now,
    )
    http_apis: Any = await providers.get("apigatewayv2")
    if http_apis is not None and http_apis.data_plane.knows(target.api_id):
        answer = await http_apis.data_plane.serve(target.api_id, proxied)
    else:
        rest_apis: Any = await providers.get("apigateway")
        if rest_apis is not None and rest_apis.data_plane.knows(target.api_id):
            answer = await rest_apis.data_plane.serve(target.api_id, proxied)
        else:
            return Response(404, [("content-type", "application/json")], b'{"message":"Not Found"}')
    return Response(
        answer.status, [(header_text(k), header_text(v)) for k, v in answer.headers], answer.body
    )


async def metrics(providers: Providers) -> list[dict[str, Any]]:
    """Per-route counts, errors and latency of every API served since start-up."""
    found: list[dict[str, Any]] = []
    for service in ("apigatewayv2", "apigateway"):
        provider: Any = providers.built.get(service)
        if provider is not None and provider.data_plane is not None:
            found += provider.data_plane.metrics.snapshot()
    return found


def _headers(
    raw_headers: list[tuple[bytes, bytes]], names: list[bytes] | None
) -> tuple[tuple[str, str], ...]:
    """The request's headers with names as the client spelled them (REST APIs pass them
    on so), when the server kept them; lower-case otherwise."""
    if names is None or len(names) != len(raw_headers):
        names = [name for name, _ in raw_headers]
    return tuple(
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, (_, value) in zip(names, raw_headers, strict=True)
    )
