"""Pure rules of API Gateway REST APIs: identifiers, resource path parts, HTTP methods,
integration and authorizer members, Lambda invocation URIs.

Must not: do I/O, read the clock or know how anything is stored.
"""

from __future__ import annotations

import os
import re
from typing import Any

from tenku.services.apigateway.errors import (
    bad_request,
    invalid_path_part,
)

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY")
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
INTEGRATION_TYPES = ("HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS")
PASSTHROUGH_BEHAVIORS = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
CONTENT_HANDLINGS = ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT")
AUTHORIZER_TYPES = ("TOKEN", "REQUEST", "COGNITO_USER_POOLS")
API_KEY_SOURCES = ("HEADER", "AUTHORIZER")
ENDPOINT_TYPES = ("REGIONAL", "EDGE", "PRIVATE")
MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 50, 29_000
MAX_COMPRESSION_SIZE = 10_485_760
DEFAULT_AUTHORIZER_TTL = 300
MAX_AUTHORIZER_TTL = 3600

# a literal part, or a whole `{name}` / `{name+}` variable
_LITERAL_PART = re.compile(r"^[A-Za-z0-9._:@$&=,;!*'()~-]+$")
_VARIABLE_PART = re.compile(r"^\{[A-Za-z0-9._-]+\+?\}$")
_LAMBDA_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:([a-z0-9-]+):lambda:path/2015-03-31/functions/"
    r"(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^/]+)/invocations/?$"
)


def new_id(length: int = 10) -> str:
    """A random lowercase alphanumeric id, as API Gateway's ids look (`a1b2c3d4e5`)."""
    return "".join(_ALPHABET[b % 36] for b in os.urandom(length))


def is_variable(path_part: str) -> bool:
    return path_part.startswith("{") and path_part.endswith("}")


def is_greedy(path_part: str) -> bool:
    return is_variable(path_part) and path_part.endswith("+}")


def validate_path_part(path_part: str) -> None:
    """Refuse a path part that is not a literal or one whole `{var}` / `{var+}`."""
    if not path_part or not (_LITERAL_PART.match(path_part) or _VARIABLE_PART.match(path_part)):
        raise invalid_path_part()


def child_path(parent_path: str, path_part: str) -> str:
    return f"{parent_path.rstrip('/')}/{path_part}"


def lambda_function_arn(uri: str | None) -> str | None:
    """The function ARN inside a Lambda invocation URI
    (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`)."""
    if not uri:
        return None
    match = _LAMBDA_URI.match(uri)
    return match.group(2) if match else None


def check_enum(value: str | None, allowed: tuple[str, ...], what: str) -> None:
    if value is not None and value not in allowed:
        raise bad_request(f"Invalid {what} specified: {value}")


def check_http_method(http_method: str) -> None:
    if http_method not in HTTP_METHODS:
        raise bad_request(
            "Invalid HttpMethod specified. Valid options are "
            "GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY"
        )


def check_integration(integration: dict[str, Any]) -> None:
    """What AWS validates in PutIntegration (and again after UpdateIntegration)."""
    kind = integration.get("type")
    if kind not in INTEGRATION_TYPES:
        raise bad_request(f"Invalid integration type specified: {kind}")
    uri = integration.get("uri")
    if kind in ("AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY"):
        if not integration.get("httpMethod"):
            raise bad_request("Enumeration value for HttpMethod must be non-empty")
        if not uri:
            raise bad_request("Invalid URI specified")
    if kind in ("AWS", "AWS_PROXY"):
        parts = str(uri).split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            raise bad_request("Invalid ARN specified in the request")
        if not parts[5].startswith(("path", "action")):
            raise bad_request("AWS ARN for integration must contain path or action")
        if kind == "AWS_PROXY" and (
            parts[4] != "lambda" or not parts[5].startswith("path/2015-03-31/functions/")
        ):
            raise bad_request(
                "Integrations of type 'AWS_PROXY' currently only supports Lambda function "
                "and Firehose stream invocations."
            )
    if kind in ("HTTP", "HTTP_PROXY") and not str(uri).startswith(("http://", "https://")):
        raise bad_request("Invalid HTTP endpoint specified for URI")
    timeout = integration.get("timeoutInMillis")
    if timeout is not None and not MIN_TIMEOUT_MS <= int(timeout) <= MAX_TIMEOUT_MS:
        raise bad_request(f"Timeout should be between {MIN_TIMEOUT_MS} ms and {MAX_TIMEOUT_MS} ms")
    check_enum(
        integration.get("passthroughBehavior"), PASSTHROUGH_BEHAVIORS, "passthrough behavior"
    )
    check_enum(integration.get("contentHandling"), CONTENT_HANDLINGS, "content handling")


def check_authorizer(authorizer: dict[str, Any]) -> None:
    """What AWS validates in CreateAuthorizer (and again after UpdateAuthorizer)."""
    kind = authorizer.get("type")
    if kind not in AUTHORIZER_TYPES:
        raise bad_request(f"Invalid authorizer type specified: {kind}")
    if not authorizer.get("name"):
        raise bad_request("Authorizer name must be non-empty")
    if kind in ("TOKEN", "REQUEST") and not authorizer.get("authorizerUri"):
        raise bad_request(f"Authorizer URI must be specified for authorizer of type {kind}")
    if kind == "COGNITO_USER_POOLS" and not authorizer.get("providerARNs"):
        raise bad_request("ProviderARNs need to be specified for COGNITO_USER_POOLS authorizer")
    if kind == "TOKEN" and not authorizer.get("identitySource"):
        raise bad_request("Identity source must be specified for TOKEN authorizer")
    source = authorizer.get("identitySource")
    if kind == "TOKEN" and source and not str(source).startswith("method.request.header."):
        raise bad_request(
            f"Invalid identity source specified: {source}. Identity source for TOKEN "
            "authorizer must be a header: method.request.header.{name}"
        )
    ttl = authorizer.get("authorizerResultTtlInSeconds")
    if ttl is not None and not 0 <= int(ttl) <= MAX_AUTHORIZER_TTL:
        raise bad_request(
            f"Authorizer result TTL must be between 0 and {MAX_AUTHORIZER_TTL} seconds"
        )


def check_request_parameters(parameters: dict[str, Any] | None) -> None:
    """Method request parameters are `method.request.{path|querystring|header...}.name`."""
    for key in parameters or {}:
        match = re.match(
            r"^method\.request\.(path|querystring|multivaluequerystring|header|"
            r"multivalueheader)\.(.+)$",
            key,
        )
        if not match:
            raise bad_request(f"Invalid mapping expression specified: {key}")
