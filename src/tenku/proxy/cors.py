"""HTTP API CORS: the gateway's answer to preflights, and the CORS headers it puts on
every other answer.

With a `CorsConfiguration` on the API, API Gateway answers a preflight (OPTIONS with
`Origin` and `Access-Control-Request-Method`) itself with 204, unless an explicit
`OPTIONS` route matches (then the route's integration answers). The preflight carries
the CORS headers only when the origin, the requested method and every requested header
are allowed. On every other answer to a request with an allowed `Origin` it sets
`access-control-allow-origin`, `-expose-headers` and `-allow-credentials`, and the
integration's own `access-control-*` headers are dropped (AWS ignores CORS headers
from the backend when CORS is configured).

Origins match exactly (case-insensitive), or by `*`, or by a pattern with a wildcard
such as `https://*.example.com`. Methods and headers match case-insensitively, `*`
allows any.

REST APIs have nothing automatic: CORS there is the user's own OPTIONS method (usually
a MOCK integration) plus the headers their integrations return, so none of this applies.

Pure functions of the configuration dict as apigatewayv2 stores it (`AllowOrigins`,
`AllowMethods`, `AllowHeaders`, `ExposeHeaders`, `MaxAge`, `AllowCredentials`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from tenku.proxy.request import ProxyRequest
from tenku.proxy.responses import ProxyResponse

Cors = Mapping[str, Any]


@lru_cache(maxsize=256)
def _origin_pattern(pattern: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in pattern.lower().split("*")]
    return re.compile("[^/]+".join(parts))


def origin_allowed(cors: Cors, origin: str) -> bool:
    lowered = origin.lower()
    for allowed in cors.get("AllowOrigins") or ():
        text = str(allowed)
        if text == "*":
            return True
        if "*" in text:
            if _origin_pattern(text).fullmatch(lowered):
                return True
        elif text.lower() == lowered:
            return True
    return False


def _allow_origin_value(cors: Cors, origin: str) -> str:
    origins = [str(o) for o in cors.get("AllowOrigins") or ()]
    return "*" if origins == ["*"] and not cors.get("AllowCredentials") else origin


def _listed(values: Any, wanted: str) -> bool:
    lowered = [str(v).lower() for v in values or ()]
    return "*" in lowered or wanted.lower() in lowered


def is_preflight(request: ProxyRequest) -> bool:
    return (
        request.method.upper() == "OPTIONS"
        and request.header("origin") is not None
        and request.header("access-control-request-method") is not None
    )


def gateway_answers_preflight(
    cors: Cors | None, request: ProxyRequest, matched_route_key: str | None
) -> bool:
    """Whether API Gateway itself answers this request as a CORS preflight."""
    if not cors or not is_preflight(request):
        return False
    return not (matched_route_key or "").startswith("OPTIONS ")


def preflight(cors: Cors, request: ProxyRequest) -> ProxyResponse:
    """The gateway's 204 answer to a preflight."""
    origin = request.header("origin") or ""
    method = (request.header("access-control-request-method") or "").strip()
    asked = [h.strip() for h in (request.header("access-control-request-headers") or "").split(",")]
    asked = [h for h in asked if h]
    allowed = (
        origin_allowed(cors, origin)
        and _listed(cors.get("AllowMethods"), method)
        and all(_listed(cors.get("AllowHeaders"), h) for h in asked)
    )
    if not allowed:
        return ProxyResponse(204, [], b"")
    headers = [("access-control-allow-origin", _allow_origin_value(cors, origin))]
    methods = [str(m).upper() for m in cors.get("AllowMethods") or ()]
    headers.append(("access-control-allow-methods", ",".join(methods)))
    if cors.get("AllowHeaders"):
        names = [str(h).lower() for h in cors["AllowHeaders"]]
        headers.append(("access-control-allow-headers", ",".join(names)))
    if cors.get("AllowCredentials"):
        headers.append(("access-control-allow-credentials", "true"))
    if cors.get("MaxAge") is not None:
        headers.append(("access-control-max-age", str(int(cors["MaxAge"]))))
    return ProxyResponse(204, headers, b"")


def apply_cors(cors: Cors | None, request: ProxyRequest, response: ProxyResponse) -> ProxyResponse:
    """The answer with the configured CORS headers in place of the integration's own."""
    if not cors:
        return response
    kept = [(k, v) for k, v in response.headers if not k.lower().startswith("access-control-")]
    origin = request.header("origin")
    added: list[tuple[str, str]] = []
    if origin is not None and origin_allowed(cors, origin):
        added.append(("access-control-allow-origin", _allow_origin_value(cors, origin)))
        if cors.get("ExposeHeaders"):
            names = [str(h).lower() for h in cors["ExposeHeaders"]]
            added.append(("access-control-expose-headers", ",".join(names)))
        if cors.get("AllowCredentials"):
            added.append(("access-control-allow-credentials", "true"))
    return ProxyResponse(response.status, kept + added, response.body)
