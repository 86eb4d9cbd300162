"""The payload format 1.0 event: REST API Lambda proxy integrations, and HTTP API Lambda
integrations configured with `PayloadFormatVersion: "1.0"`.

Common to both: `headers` and `queryStringParameters` keep one value per name (the
last one), `multiValueHeaders` and `multiValueQueryStringParameters` keep them all;
query values are decoded; every key is present, with `null` where there is nothing
(no query, no path parameters, no stage variables, no body); `isBase64Encoded` false
unless the body was encoded; Cookie headers stay headers.

Where they differ:
- REST: header names keep the client's spelling; `path` is the path as received
  (percent-encoded) without the stage, `requestContext.path` has the stage in front;
  `resource` is the resource template (`/{proxy+}`); there is no `version` key;
  `requestContext` has `resourceId`, `deploymentId` and an identity that includes
  `apiKey`/`apiKeyId` when an API key was used; bodies are base64-encoded only when
  their Content-Type matches a binary media type of the API.
- HTTP API 1.0: `"version": "1.0"` first; header names lower-cased; `path` and
  `requestContext.path` are the decoded path with the stage in front unless `$default`;
  `resource` and `resourcePath` are the route's path (`$default` for the default route);
  `resourceId` is null; bodies are encoded by the HTTP API rule (see `binary`).

Pure: values in, a dict out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tenku.proxy.binary import http_api_body, rest_body
from tenku.proxy.events_v2 import stage_path
from tenku.proxy.request import ProxyRequest, StageInfo

_IDENTITY_NULLS = (
    "cognitoIdentityPoolId",
    "accountId",
    "cognitoIdentityId",
    "caller",
    "principalOrgId",
    "accessKey",
    "cognitoAuthenticationType",
    "cognitoAuthenticationProvider",
    "userArn",
    "user",
)


def headers_v1(
    request: ProxyRequest, lower: bool
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """(headers, multiValueHeaders); a name's first spelling names the group."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in request.headers:
        key = name.lower()
        shown = key if lower else spelling.setdefault(key, name)
        single[shown] = value
        multi.setdefault(shown, []).append(value)
    return (single or None), (multi or None)


def query_v1(request: ProxyRequest) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in request.query_pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return (single or None), (multi or None)


def identity_v1(request: ProxyRequest, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """`requestContext.identity`: the caller's address and agent, nulls for the IAM and
    Cognito fields unless `extra` (a signed caller, an API key) fills them."""
    identity: dict[str, Any] = dict.fromkeys(_IDENTITY_NULLS)
    identity["sourceIp"] = request.source_ip
    identity["userAgent"] = request.user_agent or None
    if extra:
        identity.update(extra)
    return identity


def rest_request_context(
    request: ProxyRequest,
    stage: StageInfo,
    *,
    resource_path: str,
    resource_id: str,
    request_id: str,
    extended_request_id: str,
    deployment_id: str | None = None,
    authorizer: dict[str, Any] | None = None,
    identity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "resourceId": resource_id,
        "resourcePath": resource_path,
        "httpMethod": request.method.upper(),
        "extendedRequestId": extended_request_id,
        "requestTime": request.time_text,
        "path": f"/{stage.stage}{request.path or '/'}",
        "accountId": stage.account_id,
        "protocol": request.protocol,
        "stage": stage.stage,
        "domainPrefix": stage.domain_prefix,
        "requestTimeEpoch": request.epoch_millis,
        "requestId": request_id,
        "identity": identity_v1(request, identity),
        "domainName": stage.domain_name,
        "deploymentId": deployment_id,
        "apiId": stage.api_id,
    }
    if authorizer:
        context["authorizer"] = authorizer
    return context


def rest_request_fields(
    request: ProxyRequest, *, resource_path: str, path_parameters: dict[str, str] | None
) -> dict[str, Any]:
    """resource, path, httpMethod, the header and query maps and pathParameters."""
    headers, multi_headers = headers_v1(request, lower=False)
    query, multi_query = query_v1(request)
    return {
        "resource": resource_path,
        "path": request.path or "/",
        "httpMethod": request.method.upper(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(path_parameters) if path_parameters else None,
    }


def build_rest_event(
    request: ProxyRequest,
    stage: StageInfo,
    *,
    resource_path: str,
    resource_id: str,
    path_parameters: dict[str, str] | None,
    request_id: str,
    extended_request_id: str,
    binary_media_types: Iterable[str] = (),
    deployment_id: str | None = None,
    authorizer: dict[str, Any] | None = None,
    identity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The REST API Lambda proxy event. `authorizer` is `requestContext.authorizer` as
    `lambda_auth.rest_authorizer_context` builds it; `identity` adds caller fields."""
    event = rest_request_fields(
        request, resource_path=resource_path, path_parameters=path_parameters
    )
    event["stageVariables"] = stage.variables
    event["requestContext"] = rest_request_context(
        request,
        stage,
        resource_path=resource_path,
        resource_id=resource_id,
        request_id=request_id,
        extended_request_id=extended_request_id,
        deployment_id=deployment_id,
        authorizer=authorizer,
        identity=identity,
    )
    encoded = False
    body: str | None = None
    if request.body:
        body, encoded = rest_body(request.body, request.content_type, binary_media_types)
    event["body"] = body
    event["isBase64Encoded"] = encoded
    return event


def build_http_v1_event(
    request: ProxyRequest,
    stage: StageInfo,
    *,
    resource_path: str,
    path_parameters: dict[str, str] | None,
    request_id: str,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The HTTP API payload 1.0 event. `resource_path` is the route's path (`/pets/{id}`)
    or `$default`; `authorizer` e.g. `{"claims": ..., "scopes": ...}` for JWT."""
    headers, multi_headers = headers_v1(request, lower=True)
    query, multi_query = query_v1(request)
    path = stage_path(stage.stage, request.http_api_path)
    context: dict[str, Any] = {"accountId": stage.account_id, "apiId": stage.api_id}
    if authorizer:
        context["authorizer"] = authorizer
    context.update(
        {
            "domainName": stage.domain_name,
            "domainPrefix": stage.domain_prefix,
            "extendedRequestId": request_id,
            "httpMethod": request.method.upper(),
            "identity": identity_v1(request),
            "path": path,
            "protocol": request.protocol,
            "requestId": request_id,
            "requestTime": request.time_text,
            "requestTimeEpoch": request.epoch_millis,
            "resourceId": None,
            "resourcePath": resource_path,
            "stage": stage.stage,
        }
    )
    body: str | None = None
    encoded = False
    if request.body:
        body, encoded = http_api_body(
            request.body, request.content_type, request.header("content-encoding")
        )
    return {
        "version": "1.0",
        "resource": resource_path,
        "path": path,
        "httpMethod": request.method.upper(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "requestContext": context,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": stage.variables,
        "body": body,
        "isBase64Encoded": encoded,
    }
