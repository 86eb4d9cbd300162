"""An HTTP API as an OpenAPI 3.0 definition: the pure side of ExportApi.

The document has AWS's export shape: `openapi: 3.0.1`, `info`, a server whose `basePath`
variable is the stage, one path item per route path (with generated path parameters), an
operation per route (`x-amazon-apigateway-any-method` for ANY, the `$default` path for the
`$default` route) carrying its `x-amazon-apigateway-integration` and `security`, security
schemes with `x-amazon-apigateway-authorizer`, and `x-amazon-apigateway-cors`.
Without extensions every `x-amazon-apigateway-*` key is left out. Importing an export
gives the same routes, integrations, authorizers and CORS back. No storage.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tenku.services.apigatewayv2.openapi import (
    ANY_METHOD,
    AUTHORIZER,
    AUTHTYPE,
    CORS,
    ENDPOINT,
    INTEGRATION,
    TAG_VALUE,
)
from tenku.services.apigatewayv2.routekeys import DEFAULT, parse_http_route_key

IAM_SCHEME = "sigv4"
_CORS_KEYS = {
    "AllowOrigins": "allowOrigins",
    "AllowMethods": "allowMethods",
    "AllowHeaders": "allowHeaders",
    "ExposeHeaders": "exposeHeaders",
    "MaxAge": "maxAge",
    "AllowCredentials": "allowCredentials",
}
_INTEGRATION_KEYS = {
    "PayloadFormatVersion": "payloadFormatVersion",
    "IntegrationUri": "uri",
    "IntegrationMethod": "httpMethod",
    "ConnectionType": "connectionType",
    "ConnectionId": "connectionId",
    "TimeoutInMillis": "timeoutInMillis",
    "CredentialsArn": "credentials",
    "RequestParameters": "requestParameters",
    "ResponseParameters": "responseParameters",
    "IntegrationSubtype": "integrationSubtype",
    "Description": "description",
}


def _integration(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": doc["IntegrationType"].lower()}
    for member, key in _INTEGRATION_KEYS.items():
        if doc.get(member) not in (None, {}):
            out[key] = doc[member]
    if (doc.get("TlsConfig") or {}).get("ServerNameToVerify"):
        out["tlsConfig"] = {"serverNameToVerify": doc["TlsConfig"]["ServerNameToVerify"]}
    return out


def _scheme(doc: dict[str, Any], extensions: bool) -> dict[str, Any]:
    if doc["AuthorizerType"] == "JWT":
        jwt = doc.get("JwtConfiguration") or {}
        scheme: dict[str, Any] = {"type": "oauth2", "flows": {}}
        raw: dict[str, Any] = {
            "type": "jwt",
            "identitySource": ",".join(doc.get("IdentitySource") or []),
            "jwtConfiguration": {"issuer": jwt.get("Issuer"), "audience": jwt.get("Audience", [])},
        }
    else:
        scheme = {"type": "apiKey", "name": "Unused", "in": "header"}
        raw = {
            "type": "request",
            "identitySource": ",".join(doc.get("IdentitySource") or []),
            "authorizerUri": doc.get("AuthorizerUri"),
            "authorizerPayloadFormatVersion": doc.get("AuthorizerPayloadFormatVersion"),
            "enableSimpleResponses": doc.get("EnableSimpleResponses"),
            "authorizerResultTtlInSeconds": doc.get("AuthorizerResultTtlInSeconds"),
            "authorizerCredentials": doc.get("AuthorizerCredentialsArn"),
        }
        raw = {k: v for k, v in raw.items() if v is not None}
    if extensions:
        scheme[AUTHORIZER] = raw
    return scheme


def _operation(
    route: dict[str, Any],
    integrations: dict[str, dict[str, Any]],
    authorizers: dict[str, dict[str, Any]],
    extensions: bool,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "responses": {"default": {"description": f"Default response for {route['RouteKey']}"}}
    }
    if route.get("OperationName"):
        operation["operationId"] = route["OperationName"]
    kind = route.get("AuthorizationType", "NONE")
    authorizer = authorizers.get(route.get("AuthorizerId") or "")
    if kind in ("JWT", "CUSTOM") and authorizer is not None:
        operation["security"] = [{authorizer["Name"]: list(route.get("AuthorizationScopes") or [])}]
    elif kind == "AWS_IAM":
        operation["security"] = [{IAM_SCHEME: []}]
    target = str(route.get("Target") or "")
    integration = integrations.get(target.removeprefix("integrations/"))
    if extensions and integration is not None:
        operation[INTEGRATION] = _integration(integration)
    return operation


def export_document(
    api: dict[str, Any],
    routes: list[dict[str, Any]],
    integrations: list[dict[str, Any]],
    authorizers: list[dict[str, Any]],
    *,
    endpoint: str,
    stage: str | None,
    extensions: bool = True,
) -> dict[str, Any]:
    """The OpenAPI 3.0 document of an API (as stored, or as a stage's deployment holds it)."""
    created = datetime.fromtimestamp(float(api.get("CreatedDate", 0)), UTC)
    info: dict[str, Any] = {
        "title": api["Name"],
        "version": api.get("Version") or created.strftime("%Y-%m-%d %H:%M:%SUTC"),
    }
    if api.get("Description"):
        info["description"] = api["Description"]
    document: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": info,
        "servers": [
            {
                "url": endpoint + "/{basePath}",
                "variables": {"basePath": {"default": "" if stage in (None, DEFAULT) else stage}},
            }
        ],
    }
    by_integration = {d["IntegrationId"]: d for d in integrations}
    by_authorizer = {d["AuthorizerId"]: d for d in authorizers}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        key = parse_http_route_key(route["RouteKey"])
        path = key.path or DEFAULT
        item = paths.setdefault(path, {})
        method = ANY_METHOD if key.method in (None, "ANY") else str(key.method).lower()
        item[method] = _operation(route, by_integration, by_authorizer, extensions)
        if key.parameters and "parameters" not in item:
            item["parameters"] = [
                {
                    "name": name,
                    "in": "path",
                    "description": f"Generated path parameter for {name}",
                    "required": True,
                    "schema": {"type": "string"},
                }
                for name in key.parameters
            ]
    document["paths"] = paths
    schemes = {d["Name"]: _scheme(d, extensions) for d in authorizers}
    if any(r.get("AuthorizationType") == "AWS_IAM" for r in routes):
        schemes[IAM_SCHEME] = {"type": "apiKey", "name": "Authorization", "in": "header"}
        if extensions:
            schemes[IAM_SCHEME][AUTHTYPE] = "awsSigv4"
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    if extensions:
        if api.get("CorsConfiguration"):
            cors = api["CorsConfiguration"]
            document[CORS] = {_CORS_KEYS[k]: v for k, v in cors.items() if k in _CORS_KEYS}
        if api.get("DisableExecuteApiEndpoint"):
            document[ENDPOINT] = {"disableExecuteApiEndpoint": True}
        tags = api.get("Tags") or {}
        if tags:
            document["tags"] = [{"name": k, TAG_VALUE: v} for k, v in sorted(tags.items())]
        document["x-amazon-apigateway-importexport-version"] = "1.0"
    return document
