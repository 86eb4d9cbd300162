"""What a stage serves, as immutable values: the read side for the HTTP API data plane.

`ServedApi` is one stage of one API as of the stage's current deployment: the routes
(with their parsed keys, integration, authorization type, authorizer and scopes), the
API's CORS configuration (also as deployed), and the stage's own settings (variables,
access logs, throttling), which take effect at once as in AWS. Maps are read-only views.
`build_served` turns a stored deployment snapshot and stage document into one.
No storage and no clock here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from tenku.services.apigatewayv2.models import lambda_function_arn
from tenku.services.apigatewayv2.routekeys import parse_http_route_key

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Throttle(NamedTuple):
    burst_limit: int | None
    rate_limit: float | None


class AccessLog(NamedTuple):
    destination_arn: str  # a CloudWatch Logs log group ARN
    format: str  # "$context.requestId ..." as configured


class ServedCors(NamedTuple):
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    max_age: int | None
    allow_credentials: bool


class ServedIntegration(NamedTuple):
    integration_id: str
    type: str  # "AWS_PROXY" or "HTTP_PROXY"
    uri: str | None  # as configured (a Lambda ARN, an invocation URI or an http(s) URL)
    function_arn: str | None  # the Lambda function ARN of a Lambda proxy integration
    method: str | None  # IntegrationMethod ("POST" for Lambda, "ANY"/"GET"... for HTTP)
    payload_format_version: str  # "1.0" or "2.0"
    timeout_ms: int  # 50..30000
    connection_type: str  # "INTERNET" or "VPC_LINK"
    credentials_arn: str | None
    subtype: str | None  # AWS service integrations (e.g. "SQS-SendMessage"); not served yet
    request_parameters: Mapping[str, str]
    response_parameters: Mapping[str, Mapping[str, str]]  # status code -> mapping


class ServedAuthorizer(NamedTuple):
    authorizer_id: str
    name: str
    type: str  # "JWT" or "REQUEST"
    identity_source: tuple[str, ...]  # ("$request.header.Authorization",)
    issuer: str | None  # JWT
    audience: tuple[str, ...]  # JWT
    uri: str | None  # REQUEST: the Lambda invocation URI
    function_arn: str | None  # REQUEST: the Lambda function ARN
    payload_format_version: str | None  # REQUEST: "1.0" or "2.0"
    enable_simple_responses: bool  # REQUEST, 2.0 only
    result_ttl_seconds: int  # REQUEST: 0 = no caching
    credentials_arn: str | None


class ServedRoute(NamedTuple):
    route_id: str
    route_key: str  # "$default" or "GET /pets/{id}"
    method: str | None  # "GET", "ANY"...; None for $default
    path: str | None  # "/pets/{id}"; None for $default
    segments: tuple[str, ...]  # ("pets", "{id}"); ("",) for "/"; () for $default
    authorization_type: str  # "NONE", "JWT", "AWS_IAM" or "CUSTOM"
    authorizer: ServedAuthorizer | None
    scopes: tuple[str, ...]  # AuthorizationScopes (JWT)
    integration: ServedIntegration | None  # None when the route has no target
    request_parameters: Mapping[str, Any]
    throttle: Throttle | None  # the stage's RouteSettings for this key, else its default


class ServedApi(NamedTuple):
    api_id: str
    account: str
    region: str
    protocol: str  # always "HTTP": WebSocket APIs are not served
    name: str
    stage: str  # "$default" or a stage name (the first path segment of requests)
    stage_variables: Mapping[str, str]
    access_log: AccessLog | None
    default_throttle: Throttle | None
    cors: ServedCors | None
    routes: tuple[ServedRoute, ...]
    deployment_id: str
    execute_api_endpoint_disabled: bool
    # Changes whenever anything about this API or stage changes (a process-local counter,
    # not persisted): compare it to `provider.api_generation(api_id)` to notice changes.
    generation: int

    def route(self, route_key: str) -> ServedRoute | None:
        for route in self.routes:
            if route.route_key == route_key:
                return route
        return None


def _throttle(settings: Mapping[str, Any] | None) -> Throttle | None:
    if not settings:
        return None
    burst = settings.get("ThrottlingBurstLimit")
    rate = settings.get("ThrottlingRateLimit")
    return None if burst is None and rate is None else Throttle(burst, rate)


def _strings(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def _cors(cors: Mapping[str, Any] | None) -> ServedCors | None:
    if not cors:
        return None
    return ServedCors(
        _strings(cors.get("AllowOrigins")),
        _strings(cors.get("AllowMethods")),
        _strings(cors.get("AllowHeaders")),
        _strings(cors.get("ExposeHeaders")),
        cors.get("MaxAge"),
        bool(cors.get("AllowCredentials")),
    )


def _integration(doc: Mapping[str, Any]) -> ServedIntegration:
    responses = {
        status: MappingProxyType(dict(mapping))
        for status, mapping in (doc.get("ResponseParameters") or {}).items()
    }
    return ServedIntegration(
        integration_id=doc["IntegrationId"],
        type=doc["IntegrationType"],
        uri=doc.get("IntegrationUri"),
        function_arn=lambda_function_arn(doc.get("IntegrationUri"))
        if doc["IntegrationType"] == "AWS_PROXY"
        else None,
        method=doc.get("IntegrationMethod"),
        payload_format_version=doc.get("PayloadFormatVersion", "1.0"),
        timeout_ms=int(doc.get("TimeoutInMillis", 30_000)),
        connection_type=doc.get("ConnectionType", "INTERNET"),
        credentials_arn=doc.get("CredentialsArn"),
        subtype=doc.get("IntegrationSubtype"),
        request_parameters=MappingProxyType(dict(doc.get("RequestParameters") or {})),
        response_parameters=MappingProxyType(responses),
    )


def _authorizer(doc: Mapping[str, Any]) -> ServedAuthorizer:
    jwt = doc.get("JwtConfiguration") or {}
    return ServedAuthorizer(
        authorizer_id=doc["AuthorizerId"],
        name=doc.get("Name", ""),
        type=doc["AuthorizerType"],
        identity_source=_strings(doc.get("IdentitySource")),
        issuer=jwt.get("Issuer"),
        audience=_strings(jwt.get("Audience")),
        uri=doc.get("AuthorizerUri"),
        function_arn=lambda_function_arn(doc.get("AuthorizerUri")),
        payload_format_version=doc.get("AuthorizerPayloadFormatVersion"),
        enable_simple_responses=bool(doc.get("EnableSimpleResponses")),
        result_ttl_seconds=int(doc.get("AuthorizerResultTtlInSeconds") or 0),
        credentials_arn=doc.get("AuthorizerCredentialsArn"),
    )


def build_served(
    api_id: str,
    account: str,
    region: str,
    stage: Mapping[str, Any],
    snapshot: Mapping[str, Any],
    generation: int,
) -> ServedApi:
    """One stage of an API as served: its deployment `snapshot` plus its stage settings."""
    api = snapshot["Api"]
    integrations = {d["IntegrationId"]: _integration(d) for d in snapshot["Integrations"]}
    authorizers = {d["AuthorizerId"]: _authorizer(d) for d in snapshot["Authorizers"]}
    route_settings = stage.get("RouteSettings") or {}
    default_throttle = _throttle(stage.get("DefaultRouteSettings"))
    routes = []
    for doc in snapshot["Routes"]:
        key = parse_http_route_key(doc["RouteKey"])
        target = doc.get("Target") or ""
        integration_id = target.split("/", 1)[1] if target.startswith("integrations/") else ""
        routes.append(
            ServedRoute(
                route_id=doc["RouteId"],
                route_key=key.text,
                method=key.method,
                path=key.path,
                segments=key.segments,
                authorization_type=doc.get("AuthorizationType", "NONE"),
                authorizer=authorizers.get(doc.get("AuthorizerId") or ""),
                scopes=_strings(doc.get("AuthorizationScopes")),
                integration=integrations.get(integration_id),
                request_parameters=MappingProxyType(dict(doc.get("RequestParameters") or {})),
                throttle=_throttle(route_settings.get(key.text)) or default_throttle,
            )
        )
    logs = stage.get("AccessLogSettings") or {}
    return ServedApi(
        api_id=api_id,
        account=account,
        region=region,
        protocol=api["ProtocolType"],
        name=api.get("Name", ""),
        stage=stage["StageName"],
        stage_variables=MappingProxyType(dict(stage.get("StageVariables") or {})),
        access_log=AccessLog(logs["DestinationArn"], logs.get("Format", ""))
        if logs.get("DestinationArn")
        else None,
        default_throttle=default_throttle,
        cors=_cors(api.get("CorsConfiguration")),
        routes=tuple(routes),
        deployment_id=stage["DeploymentId"],
        execute_api_endpoint_disabled=bool(api.get("DisableExecuteApiEndpoint")),
        generation=generation,
    )
