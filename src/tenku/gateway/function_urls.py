"""Routing of Lambda function URL calls: which requests are for a function URL, and
handing them to the Lambda provider as plain values.

A request is for a function URL when its Host is `<url-id>.lambda-url.<region>.localhost`
(any port), or when its path starts with `/_tenku/lambda-url/<url-id>/` (for clients that
cannot set a Host header; the rest of the path is what the function sees). The event
building and response mapping live in `services/lambda_/urls.py`; this module holds no
Lambda logic.
"""

from __future__ import annotations

from typing import Any

from tenku.gateway.registry import Providers
from tenku.protocol.http import Request, Response, header_text

PATH_PREFIX = "/_tenku/lambda-url/"
_HOST_MARK = ".lambda-url."


class Target:
    """Where a function URL request goes: the url id, the region named by its Host (if
    any) and the path the function sees."""

    __slots__ = ("path", "region", "url_id")

    def __init__(self, url_id: str, region: str | None, path: str) -> None:
        self.url_id = url_id
        self.region = region
        self.path = path


def match(request: Request) -> Target | None:
    """The function URL a request is addressed to, or None (most requests: cheap)."""
    if _HOST_MARK in request.host.lower():
        from tenku.services.lambda_.urls import parse_host

        parsed = parse_host(request.host)
        if parsed is not None:
            return Target(parsed[0], parsed[1], request.path or "/")
    if request.path.startswith(PATH_PREFIX):
        url_id, _, rest = request.path[len(PATH_PREFIX) :].partition("/")
        if url_id:
            return Target(url_id.lower(), None, "/" + rest)
    return None


async def serve(
    providers: Providers,
    request: Request,
    target: Target,
    raw_headers: list[tuple[bytes, bytes]],
    client: tuple[str, int] | None,
    http_version: str,
) -> Response:
    """Invoke the function behind the URL and answer as Lambda's URL frontend does."""
    from tenku.services.lambda_.urls import UrlRequest

    provider: Any = await providers.get("lambda")
    url_request = UrlRequest(
        method=request.method,
        raw_path=target.path,
        raw_query=request.query,
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers),
        body=request.body,
        source_ip=client[0] if client else "127.0.0.1",
        protocol=f"HTTP/{http_version}",
    )
    answer = await provider.serve_function_url(target.url_id, url_request, target.region)
    return Response(
        answer.status, [(header_text(k), header_text(v)) for k, v in answer.headers], answer.body
    )
