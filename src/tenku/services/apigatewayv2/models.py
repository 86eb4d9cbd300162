"""Pure rules of API Gateway V2: ids, ARNs, endpoints, and the validation (with AWS's
defaults filled in) of CORS configurations, integrations, authorizers and stage settings.

Each `check_*` takes the complete document of a resource (after an update has been
merged into it) and returns it with defaults applied, or raises BadRequestException;
create and update therefore share one set of rules. No storage, no clock.
"""

from __future__ import annotations

import os
import random
import re
import string
from typing import Any
from urllib.parse import urlsplit

from tenku.services.apigatewayv2.errors import bad_request, bad_token

HTTP = "HTTP"
WEBSOCKET = "WEBSOCKET"
PAYLOAD_VERSIONS = ("1.0", "2.0")
HTTP_TIMEOUT_MS = (50, 30_000)
WEBSOCKET_TIMEOUT_MS = (50, 29_000)
INTEGRATION_TYPES = ("AWS", "HTTP", "MOCK", "HTTP_PROXY", "AWS_PROXY")
CORS_METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DEFAULT_PAGE = 100
_ALPHABET = string.ascii_lowercase + string.digits
_random = random.Random(os.urandom(16))
_LAMBDA_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?"
)
_INVOKE_URI = re.compile(
    r"arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/(?P<fn>[^/]+)/invocations"
)
_IDENTITY = re.compile(
    r"\$(request\.(header|querystring)\.[^\s,]+|context\.[^\s,]+|stageVariables\.[^\s,]+)"
)
_JWT_IDENTITY = re.compile(r"\$request\.(header|querystring)\.[^\s,]+")
_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
_STAGE_VARIABLE = re.compile(r"[A-Za-z0-9_]{1,64}")
_LOG_GROUP_ARN = re.compile(r"arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[^:]+(:\*)?")


# -- ids, ARNs, endpoints ----------------------------------------------------------------
def new_id(length: int) -> str:
    """Lower-case letters and digits: 10 for APIs, 7 for routes and integrations, 6 for
    authorizers and deployments, as AWS hands them out."""
    return "".join(_random.choice(_ALPHABET) for _ in range(length))


def api_endpoint(api_id: str, protocol: str, endpoint_url: str) -> str:
    """`http://{apiId}.execute-api.localhost:{port}` (AWS: https://{apiId}.execute-api.
    {region}.amazonaws.com); WebSocket APIs get the `ws://` form."""
    port = urlsplit(endpoint_url).port
    suffix = f":{port}" if port else ""
    scheme = "ws" if protocol == WEBSOCKET else "http"
    return f"{scheme}://{api_id}.execute-api.localhost{suffix}"


def api_arn(region: str, api_id: str) -> str:
    return f"arn:aws:apigateway:{region}::/apis/{api_id}"


def stage_arn(region: str, api_id: str, stage: str) -> str:
    return f"{api_arn(region, api_id)}/stages/{stage}"


def parse_resource_arn(arn: str) -> tuple[str, str, str | None] | None:
    """(region, api id, stage name or None) of an API or stage ARN."""
    match = re.fullmatch(
        r"arn:aws[a-z-]*:apigateway:([a-z0-9-]+)::/apis/([a-z0-9]+)(?:/stages/([^/]+))?", arn
    )
    return (match.group(1), match.group(2), match.group(3)) if match else None


def lambda_function_arn(uri: str | None) -> str | None:
    """The function ARN behind a Lambda integration or authorizer URI: a function ARN
    itself, or `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`."""
    if not uri:
        return None
    invoke = _INVOKE_URI.fullmatch(uri)
    candidate = invoke.group("fn") if invoke else uri
    return candidate if _LAMBDA_ARN.fullmatch(candidate) else None


def check_enum(value: str | None, allowed: tuple[str, ...], what: str) -> None:
    """API Gateway's wording for a value outside an enumeration."""
    if value is not None and value not in allowed:
        raise bad_request(f"Invalid {what} specified. Must be one of [{', '.join(allowed)}]")


# -- paging -------------------------------------------------------------------------------
def page_request(max_results: str | None, next_token: str | None) -> tuple[int, int]:
    """(seq to start after, page size) from GetXxx's MaxResults and NextToken."""
    size = DEFAULT_PAGE
    if max_results is not None:
        try:
            size = int(max_results)
        except ValueError:
            raise bad_request("Invalid MaxResults specified. Must be a number.") from None
        if not 1 <= size <= 500:
            raise bad_request("MaxResults must be between 1 and 500.")
    after = 0
    if next_token:
        try:
            after = int(next_token, 16)
        except ValueError:
            raise bad_token() from None
    return after, size


def page_answer(
    rows: list[tuple[int, dict[str, Any]]], size: int
) -> tuple[list[dict[str, Any]], str | None]:
    """The items of a page (rows fetched with size + 1) and the token of the next one."""
    items = [doc for _, doc in rows[:size]]
    token = format(rows[size - 1][0], "x") if len(rows) > size else None
    return items, token


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document without its private `_` keys."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


# -- CORS ---------------------------------------------------------------------------------
def check_cors(cors: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in cors.items() if v is not None}
    for method in out.get("AllowMethods", []):
        if method.upper() not in CORS_METHODS:
            raise bad_request(f"Invalid CORS AllowMethods value specified: {method}")
    max_age = out.get("MaxAge")
    if max_age is not None and not -1 <= max_age <= 86400:
        raise bad_request("CORS MaxAge must be between -1 and 86400 seconds.")
    if out.get("AllowCredentials") and "*" in out.get("AllowOrigins", []):
        raise bad_request("AllowCredentials is not supported with a wildcard (*) in AllowOrigins.")
    return out


# -- integrations -------------------------------------------------------------------------
def check_integration(protocol: str, doc: dict[str, Any]) -> dict[str, Any]:
    kind = doc["IntegrationType"]
    check_enum(kind, INTEGRATION_TYPES, "integration type")
    check_enum(doc.get("ConnectionType"), ("INTERNET", "VPC_LINK"), "connection type")
    check_enum(
        doc.get("ContentHandlingStrategy"),
        ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT"),
        "content handling strategy",
    )
    check_enum(
        doc.get("PassthroughBehavior"),
        ("WHEN_NO_MATCH", "NEVER", "WHEN_NO_TEMPLATES"),
        "passthrough behavior",
    )
    if protocol == HTTP and kind not in ("AWS_PROXY", "HTTP_PROXY"):
        raise bad_request(
            f"Integration type {kind} is not supported for HTTP APIs. Use AWS_PROXY or HTTP_PROXY."
        )
    doc.setdefault("ConnectionType", "INTERNET")
    if doc["ConnectionType"] == "VPC_LINK" and not doc.get("ConnectionId"):
        raise bad_request("ConnectionId must be specified for VPC_LINK integrations.")
    uri = doc.get("IntegrationUri")
    subtype = doc.get("IntegrationSubtype")
    if kind == "AWS_PROXY" and subtype:
        if not doc.get("RequestParameters"):
            raise bad_request("RequestParameters must be specified for AWS service integrations.")
    elif kind == "AWS_PROXY":
        if not uri:
            raise bad_request("IntegrationUri must be specified for AWS_PROXY integrations.")
        if protocol == HTTP and lambda_function_arn(uri) is None:
            raise bad_request(f"Invalid Lambda function ARN or invocation URI specified: {uri}")
        doc.setdefault("IntegrationMethod", "POST")
    elif kind == "HTTP_PROXY":
        if not uri:
            raise bad_request("IntegrationUri must be specified for HTTP_PROXY integrations.")
        if doc["ConnectionType"] == "INTERNET" and urlsplit(uri).scheme not in ("http", "https"):
            raise bad_request(f"Invalid HTTP endpoint specified for URI: {uri}")
        if not doc.get("IntegrationMethod"):
            raise bad_request("IntegrationMethod must be specified for HTTP_PROXY integrations.")
    _check_payload_version(protocol, doc, kind, subtype)
    low, high = HTTP_TIMEOUT_MS if protocol == HTTP else WEBSOCKET_TIMEOUT_MS
    timeout = doc.setdefault("TimeoutInMillis", high)
    if not low <= timeout <= high:
        raise bad_request(f"Timeout should be between {low} ms and {high} ms")
    for status in doc.get("ResponseParameters") or {}:
        if not (status.isdigit() and 200 <= int(status) <= 599):
            raise bad_request(
                f"Invalid status code {status} in ResponseParameters. Must be 200-599."
            )
    return doc


def _check_payload_version(protocol: str, doc: dict[str, Any], kind: str, subtype: Any) -> None:
    version = doc.get("PayloadFormatVersion")
    if version is None:
        # AWS: "If you create a Lambda integration by using the AWS CLI, CloudFormation,
        # or an SDK, you must specify a payloadFormatVersion"; other integrations use 1.0.
        if protocol == HTTP and kind == "AWS_PROXY" and not subtype:
            raise bad_request(
                "PayloadFormatVersion must be specified for AWS_PROXY integrations of HTTP APIs."
                " Supported values are 1.0 and 2.0."
            )
        doc["PayloadFormatVersion"] = "1.0"
        return
    if version not in PAYLOAD_VERSIONS:
        raise bad_request(
            f"Unsupported payload format version {version}. Supported values are 1.0 and 2.0."
        )
    if version == "2.0" and (kind != "AWS_PROXY" or subtype or protocol != HTTP):
        raise bad_request(
            "Payload format version 2.0 is supported only for Lambda proxy (AWS_PROXY)"
            " integrations of HTTP APIs."
        )


# -- authorizers --------------------------------------------------------------------------
def identity_sources(value: Any) -> list[str]:
    """An identity source given as a list or as one comma-separated string."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [item.strip() for item in items if item and item.strip()]


def check_authorizer(protocol: str, doc: dict[str, Any]) -> dict[str, Any]:
    kind = doc["AuthorizerType"]
    check_enum(kind, ("REQUEST", "JWT"), "authorizer type")
    sources = doc.get("IdentitySource") or []
    if kind == "JWT":
        if protocol != HTTP:
            raise bad_request("JWT authorizers are supported only for HTTP APIs.")
        jwt = doc.get("JwtConfiguration") or {}
        if not jwt.get("Issuer"):
            raise bad_request("JwtConfiguration.Issuer must be specified for JWT authorizers.")
        if not jwt.get("Audience"):
            raise bad_request(
                "JwtConfiguration.Audience must contain at least one entry for JWT authorizers."
            )
        if len(sources) != 1 or not _JWT_IDENTITY.fullmatch(sources[0]):
            raise bad_request(
                "JWT authorizers need exactly one identity source of the form"
                " $request.header.<name> or $request.querystring.<name>."
            )
        if doc.get("AuthorizerUri"):
            raise bad_request("AuthorizerUri is not supported for JWT authorizers.")
        return doc
    if doc.get("JwtConfiguration"):
        raise bad_request("JwtConfiguration is supported only for JWT authorizers.")
    uri = doc.get("AuthorizerUri")
    if not uri:
        raise bad_request("AuthorizerUri must be specified for REQUEST authorizers.")
    if lambda_function_arn(uri) is None:
        raise bad_request(f"Invalid authorizer URI specified: {uri}")
    for source in sources:
        if not _IDENTITY.fullmatch(source):
            raise bad_request(f"Invalid identity source specified: {source}")
    ttl = doc.setdefault("AuthorizerResultTtlInSeconds", 0)
    if not 0 <= ttl <= 3600:
        raise bad_request("AuthorizerResultTtlInSeconds must be between 0 and 3600.")
    if ttl > 0 and not sources:
        raise bad_request("IdentitySource must be specified when authorizer caching is enabled.")
    if protocol == HTTP:
        version = doc.get("AuthorizerPayloadFormatVersion")
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            # An OpenAPI body may carry it as a YAML/JSON number (SAM writes 1.0 as given).
            version = doc["AuthorizerPayloadFormatVersion"] = f"{float(version):.1f}"
        if version is None:
            raise bad_request(
                "AuthorizerPayloadFormatVersion must be specified for REQUEST authorizers of"
                " HTTP APIs. Supported values are 1.0 and 2.0."
            )
        if version not in PAYLOAD_VERSIONS:
            raise bad_request(
                f"Unsupported authorizer payload format version {version}."
                " Supported values are 1.0 and 2.0."
            )
        if doc.get("EnableSimpleResponses") and version != "2.0":
            raise bad_request(
                "EnableSimpleResponses is supported only for authorizer payload format version 2.0."
            )
        doc.setdefault("EnableSimpleResponses", False)
    return doc


# -- stages -------------------------------------------------------------------------------
def check_stage_name(name: str) -> None:
    if name != "$default" and not _STAGE_NAME.fullmatch(name):
        raise bad_request(
            "Stage name only allows a-zA-Z0-9_- (or $default) and at most 128 characters."
        )


def check_stage_settings(doc: dict[str, Any], route_keys: set[str]) -> dict[str, Any]:
    for name in doc.get("StageVariables") or {}:
        if not _STAGE_VARIABLE.fullmatch(name):
            raise bad_request(f"Stage variable name {name} must match [A-Za-z0-9_]{{1,64}}.")
    logs = doc.get("AccessLogSettings")
    if logs:
        destination = logs.get("DestinationArn")
        if destination and not _LOG_GROUP_ARN.fullmatch(destination):
            raise bad_request(f"Invalid CloudWatch Logs log group ARN: {destination}")
        if destination and not logs.get("Format"):
            raise bad_request("Access log format must be specified with a destination ARN.")
    _check_throttling(doc.get("DefaultRouteSettings") or {})
    for key, settings in (doc.get("RouteSettings") or {}).items():
        if key not in route_keys:
            raise bad_request(
                f"Unable to find Route by key {key} within the provided RouteSettings"
            )
        _check_throttling(settings)
    return doc


def _check_throttling(settings: dict[str, Any]) -> None:
    check_enum(settings.get("LoggingLevel"), ("ERROR", "INFO", "OFF"), "logging level")
    burst = settings.get("ThrottlingBurstLimit")
    rate = settings.get("ThrottlingRateLimit")
    if burst is not None and burst < 0:
        raise bad_request("ThrottlingBurstLimit must be a non-negative number.")
    if rate is not None and rate < 0:
        raise bad_request("ThrottlingRateLimit must be a non-negative number.")
