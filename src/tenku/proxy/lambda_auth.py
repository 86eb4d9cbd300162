"""Lambda authorizers: the events they receive, how their answers are judged, the
result cache, and the answers clients get.

Events:
- REST TOKEN: `{"type": "TOKEN", "authorizationToken", "methodArn"}`.
- REST REQUEST: the 1.0 proxy event without a body, plus `type` and `methodArn`.
- HTTP API REQUEST 1.0: `version`, `type`, `methodArn`, `identitySource` and
  `authorizationToken` (the identity values joined with commas), then the HTTP API 1.0
  request fields. HTTP API REQUEST 2.0: `version`, `type`, `routeArn`,
  `identitySource` (a list), `routeKey` and the 2.0 request fields, no body.

Answers: a simple response `{"isAuthorized": bool, "context"}` (HTTP API 2.0 with
simple responses), or `{"principalId", "policyDocument", "context",
"usageIdentifierKey"}` judged by `policy.evaluate` against the method/route ARN. REST
context values must be strings, numbers or booleans (they reach the integration as
strings); HTTP APIs also pass lists and maps.

What the client gets: a missing identity source, a failed REST
`identityValidationExpression` or an authorizer that fails with the message
`Unauthorized` -> 401 `{"message":"Unauthorized"}`. A deny -> REST 403
`{"Message":"User is not authorized to access this resource[ with an explicit deny]"}`,
HTTP API 403 `{"message":"Forbidden"}`. Any other failure or a malformed answer ->
REST 500 `{"message": null}`, HTTP API 500 `{"message":"Internal Server Error"}`.

The cache keys on the authorizer and its identity values; it keeps the parsed answer,
not the decision, so a cached policy is judged again against each new ARN (a policy
for one method does not open another) and a cached deny stays a deny.

No I/O: the authorizer function is called through the `invoke` callable handed in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tenku.core.clock import Clock
from tenku.proxy import responses
from tenku.proxy.events_v1 import (
    headers_v1,
    identity_v1,
    query_v1,
    rest_request_context,
    rest_request_fields,
)
from tenku.proxy.events_v2 import request_context_v2, request_fields_v2, stage_path
from tenku.proxy.policy import Decision, MalformedPolicy, evaluate, statements
from tenku.proxy.request import ProxyRequest, StageInfo
from tenku.proxy.responses import ProxyResponse

Invoke = Callable[[dict[str, Any]], Awaitable[tuple[bytes, bool]]]


@dataclass(frozen=True)
class LambdaAuthorizer:
    """An authorizer's settings. `rest` picks REST or HTTP API behaviour; `kind` is
    TOKEN or REQUEST; `payload_version` and `simple_responses` are HTTP API settings."""

    authorizer_id: str
    rest: bool
    kind: str = "REQUEST"
    identity_sources: tuple[str, ...] = ()
    ttl_seconds: int = 0
    payload_version: str = "1.0"
    simple_responses: bool = False
    identity_validation_expression: str | None = None


class MalformedAuthorizerResponse(ValueError):
    """The authorizer answered something API Gateway cannot use."""


@dataclass(frozen=True)
class AuthorizerAnswer:
    """A parsed authorizer answer; independent of the ARN, so it can be cached."""

    is_authorized: bool | None  # a simple response's verdict; None for a policy
    policy: Any
    principal_id: str | None
    context: dict[str, Any]
    usage_identifier_key: str | None = None

    def decide(self, arn: str) -> Decision:
        if self.is_authorized is not None:
            return Decision.ALLOW if self.is_authorized else Decision.EXPLICIT_DENY
        return evaluate(self.policy, arn)


@dataclass(frozen=True)
class AuthOutcome:
    """The result for one request: `response` is None when the request may proceed;
    `authorizer` is then `requestContext.authorizer` for the integration's event."""

    response: ProxyResponse | None
    authorizer: dict[str, Any] | None = None
    principal_id: str | None = None
    usage_identifier_key: str | None = None
    from_cache: bool = False


# -- events ------------------------------------------------------------------------------
def rest_token_event(token: str, method_arn: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}


def rest_request_event(
    request: ProxyRequest,
    stage: StageInfo,
    *,
    method_arn: str,
    resource_path: str,
    resource_id: str,
    path_parameters: dict[str, str] | None,
    request_id: str,
    extended_request_id: str,
) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "REQUEST", "methodArn": method_arn}
    event.update(
        rest_request_fields(request, resource_path=resource_path, path_parameters=path_parameters)
    )
    event["stageVariables"] = stage.variables
    event["requestContext"] = rest_request_context(
        request,
        stage,
        resource_path=resource_path,
        resource_id=resource_id,
        request_id=request_id,
        extended_request_id=extended_request_id,
    )
    return event


def http_request_event_v1(
    request: ProxyRequest,
    stage: StageInfo,
    *,
    method_arn: str,
    identity: Sequence[str],
    resource_path: str,
    path_parameters: dict[str, str] | None,
    request_id: str,
) -> dict[str, Any]:
    headers, _ = headers_v1(request, lower=True)
    query, _ = query_v1(request)
    joined = ",".join(identity)
    return {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": method_arn,
        "identitySource": joined,
        "authorizationToken": joined,
        "resource": resource_path,
        "path": stage_path(stage.stage, request.http_api_path),
        "httpMethod": request.method.upper(),
        "headers": headers,
        "queryStringParameters": query,
        "pathParameters": dict(path_parameters) if path_parameters else {},
        "stageVariables": stage.variables,
        "requestContext": {
            "path": stage_path(stage.stage, request.http_api_path),
            "accountId": stage.account_id,
            "resourceId": None,
            "stage": stage.stage,
            "requestId": request_id,
            "identity": identity_v1(request),
            "resourcePath": resource_path,
            "httpMethod": request.method.upper(),
            "apiId": stage.api_id,
        },
    }


def http_request_event_v2(
    request: ProxyRequest,
    stage: StageInfo,
    *,
    route_arn: str,
    identity: Sequence[str],
    route_key: str,
    path_parameters: dict[str, str] | None,
    request_id: str,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn,
        "identitySource": list(identity),
        "routeKey": route_key,
    }
    event.update(request_fields_v2(request, stage))
    event["requestContext"] = request_context_v2(
        request, stage, route_key=route_key, request_id=request_id
    )
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if stage.variables:
        event["stageVariables"] = stage.variables
    return event


# -- judging answers ---------------------------------------------------------------------
def _context(value: Any, rest: bool) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedAuthorizerResponse("context must be an object")
    if rest:
        for key, item in value.items():
            if item is not None and not isinstance(item, (str, int, float, bool)):
                raise MalformedAuthorizerResponse(f"context value {key!r} must be a scalar")
    return value


def parse_answer(payload: bytes, spec: LambdaAuthorizer) -> AuthorizerAnswer:
    """The authorizer's (successful) answer; MalformedAuthorizerResponse if unusable."""
    try:
        answer = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedAuthorizerResponse("the answer is not JSON") from error
    if not isinstance(answer, dict):
        raise MalformedAuthorizerResponse("the answer must be an object")
    simple_allowed = not spec.rest and spec.payload_version == "2.0" and spec.simple_responses
    if simple_allowed and "isAuthorized" in answer:
        verdict = answer["isAuthorized"]
        if not isinstance(verdict, bool):
            raise MalformedAuthorizerResponse("isAuthorized must be a boolean")
        return AuthorizerAnswer(verdict, None, None, _context(answer.get("context"), False))
    principal = answer.get("principalId")
    if spec.rest and not isinstance(principal, (str, int)):
        raise MalformedAuthorizerResponse("principalId is required")
    try:
        statements(answer.get("policyDocument"))
    except MalformedPolicy as error:
        raise MalformedAuthorizerResponse(str(error)) from error
    usage_key = answer.get("usageIdentifierKey")
    return AuthorizerAnswer(
        None,
        answer["policyDocument"],
        None if principal is None else str(principal),
        _context(answer.get("context"), spec.rest),
        usage_key if isinstance(usage_key, str) else None,
    )


def is_unauthorized_error(payload: bytes) -> bool:
    """Whether a failed authorizer failed with the message `Unauthorized` (-> 401)."""
    try:
        error = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(error, dict) and error.get("errorMessage") == "Unauthorized"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rest_authorizer_context(answer: AuthorizerAnswer, latency_ms: int = 0) -> dict[str, Any]:
    """REST `requestContext.authorizer`: principalId, latency, the context as strings."""
    out: dict[str, Any] = {"principalId": answer.principal_id, "integrationLatency": latency_ms}
    out.update({k: _text(v) for k, v in answer.context.items() if v is not None})
    return out


def http_authorizer_context(answer: AuthorizerAnswer) -> dict[str, Any]:
    """HTTP API `requestContext.authorizer`: `{"lambda": context}`."""
    return {"lambda": dict(answer.context)}


# -- answers for the client --------------------------------------------------------------
def unauthorized(spec: LambdaAuthorizer) -> AuthOutcome:
    return AuthOutcome(
        responses.rest_unauthorized() if spec.rest else responses.http_unauthorized()
    )


def failed(spec: LambdaAuthorizer) -> AuthOutcome:
    if spec.rest:
        return AuthOutcome(responses.rest_authorizer_error())
    return AuthOutcome(responses.http_internal_error())


def outcome(
    spec: LambdaAuthorizer,
    answer: AuthorizerAnswer,
    arn: str,
    *,
    cached: bool = False,
    latency_ms: int = 0,
) -> AuthOutcome:
    decision = answer.decide(arn)
    if decision is not Decision.ALLOW:
        if spec.rest:
            denied = responses.rest_access_denied(decision is Decision.EXPLICIT_DENY)
        else:
            denied = responses.http_forbidden()
        return AuthOutcome(denied, from_cache=cached)
    context = (
        rest_authorizer_context(answer, latency_ms)
        if spec.rest
        else http_authorizer_context(answer)
    )
    return AuthOutcome(None, context, answer.principal_id, answer.usage_identifier_key, cached)


# -- cache -------------------------------------------------------------------------------
@dataclass
class AuthorizerCache:
    """Parsed answers by (authorizer id, identity values), each until its TTL ends. One
    per API (or per process); entries expire by the injected clock."""

    clock: Clock
    max_entries: int = 10_000
    _entries: dict[tuple[str, tuple[str, ...]], tuple[float, AuthorizerAnswer]] = field(
        default_factory=dict
    )

    def get(self, authorizer_id: str, identity: Sequence[str]) -> AuthorizerAnswer | None:
        key = (authorizer_id, tuple(identity))
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self.clock.now():
            del self._entries[key]
            return None
        return entry[1]

    def put(
        self, authorizer_id: str, identity: Sequence[str], answer: AuthorizerAnswer, ttl: float
    ) -> None:
        if ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.pop(next(iter(self._entries)))
        self._entries[(authorizer_id, tuple(identity))] = (self.clock.now() + ttl, answer)

    def forget(self, authorizer_id: str) -> None:
        """Drop every entry of an authorizer (it was updated or deleted)."""
        for key in [k for k in self._entries if k[0] == authorizer_id]:
            del self._entries[key]


# -- the whole step ----------------------------------------------------------------------
async def authorize(
    spec: LambdaAuthorizer,
    *,
    identity: list[str] | None,
    arn: str,
    build_event: Callable[[list[str]], dict[str, Any]],
    invoke: Invoke,
    cache: AuthorizerCache | None = None,
) -> AuthOutcome:
    """Run one authorizer for one request. `identity` is what
    `identity.identity_values` found (None: a source is missing); for REST TOKEN it is
    `[token]`. `build_event(identity)` makes the authorizer's event; `invoke(event)`
    calls the function and gives (payload, function_error), a timeout counting as a
    function error."""
    if identity is None or (spec.kind == "TOKEN" and not identity):
        return unauthorized(spec)
    if spec.kind == "TOKEN" and spec.identity_validation_expression:
        try:
            valid = re.fullmatch(spec.identity_validation_expression, identity[0]) is not None
        except re.error:
            valid = True  # AWS refuses a bad expression when it is set; never here
        if not valid:
            return unauthorized(spec)
    use_cache = cache is not None and spec.ttl_seconds > 0 and bool(identity)
    if use_cache and cache is not None:
        cached = cache.get(spec.authorizer_id, identity)
        if cached is not None:
            return outcome(spec, cached, arn, cached=True)
    payload, function_error = await invoke(build_event(identity))
    if function_error:
        return unauthorized(spec) if is_unauthorized_error(payload) else failed(spec)
    try:
        answer = parse_answer(payload, spec)
    except MalformedAuthorizerResponse:
        return failed(spec)
    if use_cache and cache is not None:
        cache.put(spec.authorizer_id, identity, answer, spec.ttl_seconds)
    return outcome(spec, answer, arn)
