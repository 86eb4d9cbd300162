"""The payload format 2.0 event an HTTP API sends to a Lambda integration.

Shape, as AWS builds it:
- `rawPath` and `requestContext.http.path` are the decoded request path (HTTP APIs decode
  it, and a decoded '?' ends it), prefixed with `/<stage>` for a named stage.
- `rawQueryString` is the query as received ("" when none); `queryStringParameters`
  holds decoded values, a repeated key's values joined with commas, and is absent when
  there is no query.
- `headers` has lower-cased names, repeated headers joined with commas, Cookie headers
  taken out: every cookie of every Cookie header is an item of `cookies`, absent when
  there are none.
- `body` is absent when the request has none; `isBase64Encoded` is always present.
- `pathParameters`, `stageVariables` and `requestContext.authorizer` are absent when
  empty.

Pure: values in, a dict out.
"""

from __future__ import annotations

from typing import Any

from tenku.proxy.binary import http_api_body
from tenku.proxy.request import ProxyRequest, StageInfo


def stage_path(stage: str, path: str) -> str:
    """The path an HTTP API reports: the stage segment first unless it is `$default`."""
    return path if stage == "$default" else f"/{stage}{path}"


def headers_v2(request: ProxyRequest) -> dict[str, str]:
    """Lower-cased names, repeats joined with commas, Cookie left out."""
    return {
        name: ",".join(values) for name, values in request.header_map.items() if name != "cookie"
    }


def query_v2(request: ProxyRequest) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in request.query_pairs:
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


def http_context(request: ProxyRequest, stage: StageInfo) -> dict[str, Any]:
    """`requestContext.http` (also used by payload 2.0 authorizer events)."""
    return {
        "method": request.method.upper(),
        "path": stage_path(stage.stage, request.http_api_path),
        "protocol": request.protocol,
        "sourceIp": request.source_ip,
        "userAgent": request.user_agent,
    }


def request_context_v2(
    request: ProxyRequest,
    stage: StageInfo,
    *,
    route_key: str,
    request_id: str,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {"accountId": stage.account_id, "apiId": stage.api_id}
    if authorizer:
        context["authorizer"] = authorizer
    context.update(
        {
            "domainName": stage.domain_name,
            "domainPrefix": stage.domain_prefix,
            "http": http_context(request, stage),
            "requestId": request_id,
            "routeKey": route_key,
            "stage": stage.stage,
            "time": request.time_text,
            "timeEpoch": request.epoch_millis,
        }
    )
    return context


def request_fields_v2(request: ProxyRequest, stage: StageInfo) -> dict[str, Any]:
    """rawPath, rawQueryString, cookies, headers and queryStringParameters, AWS's way."""
    fields: dict[str, Any] = {
        "rawPath": stage_path(stage.stage, request.http_api_path),
        "rawQueryString": request.query,
    }
    if request.cookies:
        fields["cookies"] = list(request.cookies)
    fields["headers"] = headers_v2(request)
    if request.query:
        fields["queryStringParameters"] = query_v2(request)
    return fields


def build_event_v2(
    request: ProxyRequest,
    stage: StageInfo,
    *,
    route_key: str,
    path_parameters: dict[str, str] | None,
    request_id: str,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event for one request. `authorizer` is `requestContext.authorizer` as built
    by the authorizer modules (`{"jwt": ...}`, `{"lambda": ...}`, `{"iam": ...}`)."""
    event: dict[str, Any] = {"version": "2.0", "routeKey": route_key}
    event.update(request_fields_v2(request, stage))
    event["requestContext"] = request_context_v2(
        request, stage, route_key=route_key, request_id=request_id, authorizer=authorizer
    )
    if request.body:
        text, encoded = http_api_body(
            request.body, request.content_type, request.header("content-encoding")
        )
        event["body"] = text
    else:
        encoded = False
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = encoded
    variables = stage.variables
    if variables:
        event["stageVariables"] = variables
    return event
