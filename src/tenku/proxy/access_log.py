"""Stage access logs: render an `AccessLogSettings.Format` with a request's `$context`.

A format is text with `$context.<name>` variables (`$context.requestId`,
`$context.identity.sourceIp`, `$context.error.message`, `$context.authorizer.claims.sub`,
...), in any layout: CLF, JSON, XML or CSV. A variable without a value renders `-`, as
AWS does. In a JSON format (one that starts with `{`) values are escaped for a JSON
string, so a quote or backslash in a header cannot break the line.

`context` may be flat (`{"identity.sourceIp": ...}`), nested
(`{"identity": {"sourceIp": ...}}`) or both; `context_values` builds the usual ones.
Pure functions; formats are compiled once and memoised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from tenku.proxy.request import ProxyRequest, clf_time

_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_:-]+)*)")

CLF = (
    "$context.identity.sourceIp - - [$context.requestTime] "
    '"$context.httpMethod $context.routeKey $context.protocol" '
    "$context.status $context.responseLength $context.requestId"
)
JSON = (
    '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", '
    '"requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey", "status":"$context.status",'
    '"protocol":"$context.protocol", "responseLength":"$context.responseLength" }'
)


@lru_cache(maxsize=128)
def _compile(fmt: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(literal pieces, variable names); pieces has one more item than names."""
    pieces: list[str] = []
    names: list[str] = []
    last = 0
    for match in _VARIABLE.finditer(fmt):
        pieces.append(fmt[last : match.start()])
        names.append(match.group(1))
        last = match.end()
    pieces.append(fmt[last:])
    return tuple(pieces), tuple(names)


def lookup(context: Mapping[str, Any], name: str) -> Any:
    if name in context:
        return context[name]
    value: Any = context
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def render(fmt: str, context: Mapping[str, Any]) -> str:
    """One access log line."""
    pieces, names = _compile(fmt)
    as_json = fmt.lstrip().startswith("{")
    out = [pieces[0]]
    for name, piece in zip(names, pieces[1:], strict=True):
        text = _text(lookup(context, name))
        if as_json:
            text = json.dumps(text)[1:-1]
        out.append(text)
        out.append(piece)
    return "".join(out)


def context_values(
    request: ProxyRequest,
    *,
    request_id: str,
    api_id: str,
    stage: str,
    route_key: str | None,
    status: int,
    response_length: int,
    integration_latency_ms: int | None = None,
    response_latency_ms: int | None = None,
    error_message: str | None = None,
    integration_error_message: str | None = None,
    extended_request_id: str | None = None,
    authorizer: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The `$context` of a finished request, as `render` reads it."""
    return {
        "requestId": request_id,
        "extendedRequestId": extended_request_id or request_id,
        "apiId": api_id,
        "stage": stage,
        "routeKey": route_key,
        "resourcePath": route_key.split(" ", 1)[-1] if route_key else None,
        "httpMethod": request.method.upper(),
        "path": request.path,
        "protocol": request.protocol,
        "status": status,
        "responseLength": response_length,
        "requestTime": clf_time(request.received_at),
        "requestTimeEpoch": request.epoch_millis,
        "domainName": request.host or None,
        "identity": {"sourceIp": request.source_ip, "userAgent": request.user_agent},
        "integrationLatency": integration_latency_ms,
        "responseLatency": response_latency_ms,
        "integration": {"latency": integration_latency_ms, "error": integration_error_message},
        "integrationErrorMessage": integration_error_message,
        "error": {
            "message": error_message,
            "messageString": json.dumps(error_message) if error_message else None,
        },
        "authorizer": dict(authorizer) if authorizer else None,
    }
