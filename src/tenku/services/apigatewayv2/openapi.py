"""OpenAPI 3.0 (and Swagger 2.0) definitions to an HTTP API: the pure translation behind
ImportApi and ReimportApi.

Read: `info` (title, description, version), the base path (the `basePath` server
variable, else the servers URL's path; Swagger's `basePath`) applied per `Basepath`
(ignore, prepend, split), every operation of every path (`x-amazon-apigateway-any-method`
is ANY, the path `$default` is the `$default` route) with its
`x-amazon-apigateway-integration` (type, uri, httpMethod, payloadFormatVersion,
connectionType, connectionId, timeoutInMillis, credentials, requestParameters,
responseParameters, tlsConfig; `$ref`s resolved), security schemes with
`x-amazon-apigateway-authorizer` (jwt, request) or `x-amazon-apigateway-authtype:
awsSigv4`, `security` per operation or at the root (scopes), `x-amazon-apigateway-cors`,
`x-amazon-apigateway-endpoint-configuration` and tags with
`x-amazon-apigateway-tag-value` (as SAM's `AWS::Serverless::HttpApi` emits them).
Unsupported parts become warnings. Values in, an `ImportPlan` out; the provider assigns
ids and applies the same validation as the API operations. No storage.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from tenku.services.apigatewayv2.errors import bad_request
from tenku.services.apigatewayv2.models import identity_sources
from tenku.services.apigatewayv2.routekeys import DEFAULT, parse_http_route_key

ANY_METHOD = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"
AUTHORIZER = "x-amazon-apigateway-authorizer"
AUTHTYPE = "x-amazon-apigateway-authtype"
CORS = "x-amazon-apigateway-cors"
ENDPOINT = "x-amazon-apigateway-endpoint-configuration"
TAG_VALUE = "x-amazon-apigateway-tag-value"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_PATH_ITEM_KEYS = ("parameters", "summary", "description", "servers", "$ref")
_CORS_KEYS = {
    "allowOrigins": "AllowOrigins",
    "allowMethods": "AllowMethods",
    "allowHeaders": "AllowHeaders",
    "exposeHeaders": "ExposeHeaders",
    "maxAge": "MaxAge",
    "allowCredentials": "AllowCredentials",
}
_INTEGRATION_KEYS = {
    "uri": "IntegrationUri",
    "httpMethod": "IntegrationMethod",
    "payloadFormatVersion": "PayloadFormatVersion",
    "connectionType": "ConnectionType",
    "connectionId": "ConnectionId",
    "timeoutInMillis": "TimeoutInMillis",
    "credentials": "CredentialsArn",
    "requestParameters": "RequestParameters",
    "responseParameters": "ResponseParameters",
    "integrationSubtype": "IntegrationSubtype",
    "description": "Description",
}


class ImportPlan(NamedTuple):
    name: str
    description: str | None
    version: str | None
    cors: dict[str, Any] | None
    disable_execute_api_endpoint: bool | None
    tags: dict[str, str]
    # CreateAuthorizer-shaped documents; "_Scheme" names the security scheme
    authorizers: list[dict[str, Any]]
    # CreateIntegration-shaped documents, referred to by index from routes
    integrations: list[dict[str, Any]]
    # CreateRoute-shaped documents; "_Integration" (index) and "_Scheme" link them
    routes: list[dict[str, Any]]
    warnings: list[str]


def load_document(body: str) -> dict[str, Any]:
    """The definition as a dict, from JSON or (when PyYAML is installed) YAML."""
    try:
        document = json.loads(body)
    except ValueError:
        try:
            import yaml
        except ImportError:  # JSON only without PyYAML
            raise bad_request("Unable to parse the API definition: it is not valid JSON.") from None
        try:
            document = yaml.safe_load(body)
        except yaml.YAMLError as error:
            raise bad_request(f"Unable to parse the API definition: {error}") from None
    if not isinstance(document, dict):
        raise bad_request("Unable to parse the API definition: expected a JSON or YAML object.")
    return document


def _resolve(document: dict[str, Any], value: Any) -> Any:
    """Follow a local `{"$ref": "#/a/b"}` (a few levels deep at most)."""
    for _ in range(8):
        if not (isinstance(value, dict) and isinstance(value.get("$ref"), str)):
            return value
        pointer = value["$ref"]
        if not pointer.startswith("#/"):
            raise bad_request(f"Only local references are supported: {pointer}")
        target: Any = document
        for part in pointer[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise bad_request(f"Unable to resolve reference {pointer}")
            target = target[part]
        value = target
    raise bad_request("Too many nested references in the API definition.")


def base_path(document: dict[str, Any]) -> str:
    """The definition's base path ("/v1"), or "" when it has none."""
    if "swagger" in document:
        path = str(document.get("basePath") or "")
    else:
        servers = document.get("servers") or []
        server = servers[0] if servers and isinstance(servers[0], dict) else {}
        variables = server.get("variables") or {}
        default = (variables.get("basePath") or {}).get("default")
        if default is not None:
            path = str(default)
        else:
            url = str(server.get("url") or "")
            for name, variable in variables.items():
                url = url.replace("{" + name + "}", str((variable or {}).get("default", "")))
            path = urlsplit(url).path if "://" in url else url
    path = "/" + path.strip("/") if path.strip("/") else ""
    return path


def _apply_base_path(path: str, base: str, mode: str) -> str:
    if path == DEFAULT or not base:
        return path
    if mode == "prepend":
        prefix = base
    elif mode == "split":
        prefix = "/" + "/".join(base.strip("/").split("/")[1:]) if "/" in base.strip("/") else ""
    else:
        return path
    return (prefix + path).rstrip("/") or "/" if prefix else path


def _cors(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    return {_CORS_KEYS[k]: v for k, v in raw.items() if k in _CORS_KEYS}


def _authorizers(
    schemes: dict[str, Any], warnings: list[str]
) -> tuple[list[dict[str, Any]], set[str]]:
    """(authorizer documents, names of AWS_IAM schemes)."""
    out: list[dict[str, Any]] = []
    iam: set[str] = set()
    for name, scheme in schemes.items():
        if not isinstance(scheme, dict):
            continue
        if str(scheme.get(AUTHTYPE, "")).lower() == "awssigv4":
            iam.add(name)
            continue
        raw = scheme.get(AUTHORIZER)
        if not isinstance(raw, dict):
            continue
        kind = str(raw.get("type", "")).lower()
        sources = identity_sources(raw.get("identitySource"))
        if kind == "jwt":
            jwt = raw.get("jwtConfiguration") or {}
            audience = jwt.get("audience") or []
            out.append({
                "_Scheme": name, "Name": name, "AuthorizerType": "JWT", "IdentitySource": sources,
                "JwtConfiguration": {
                    "Issuer": jwt.get("issuer"),
                    "Audience": audience if isinstance(audience, list) else [audience],
                },
            })  # fmt: skip
        elif kind == "request":
            doc = {
                "_Scheme": name, "Name": name, "AuthorizerType": "REQUEST",
                "IdentitySource": sources,
                "AuthorizerUri": raw.get("authorizerUri"),
                "AuthorizerPayloadFormatVersion": raw.get("authorizerPayloadFormatVersion"),
                "EnableSimpleResponses": raw.get("enableSimpleResponses"),
                "AuthorizerResultTtlInSeconds": raw.get("authorizerResultTtlInSeconds"),
                "AuthorizerCredentialsArn": raw.get("authorizerCredentials"),
            }  # fmt: skip
            out.append({k: v for k, v in doc.items() if v is not None})
        else:
            warnings.append(
                f"Unsupported authorizer type {kind or '(none)'} for security scheme"
                f" {name}; ignored."
            )
    return out, iam


def _integration(
    document: dict[str, Any], raw: Any, where: str, warnings: list[str]
) -> dict[str, Any] | None:
    raw = _resolve(document, raw)
    if not isinstance(raw, dict):
        return None
    kind = str(raw.get("type", "")).upper()
    if kind not in ("AWS_PROXY", "HTTP_PROXY"):
        warnings.append(f"Unsupported integration type {kind or '(none)'} for {where}; ignored.")
        return None
    doc: dict[str, Any] = {"IntegrationType": kind}
    for key, member in _INTEGRATION_KEYS.items():
        if raw.get(key) is not None:
            doc[member] = raw[key]
    if isinstance(raw.get("tlsConfig"), dict) and raw["tlsConfig"].get("serverNameToVerify"):
        doc["TlsConfig"] = {"ServerNameToVerify": raw["tlsConfig"]["serverNameToVerify"]}
    if "TimeoutInMillis" in doc:
        doc["TimeoutInMillis"] = int(doc["TimeoutInMillis"])
    if "PayloadFormatVersion" in doc:
        doc["PayloadFormatVersion"] = str(doc["PayloadFormatVersion"])
    elif kind == "AWS_PROXY" and "IntegrationSubtype" not in doc:
        warnings.append(f"No payloadFormatVersion for {where}; using 1.0.")
        doc["PayloadFormatVersion"] = "1.0"
    if kind == "HTTP_PROXY":
        doc.setdefault("IntegrationMethod", "ANY")
    return doc


def _security(
    requirements: Any, schemes: dict[str, str], where: str, warnings: list[str]
) -> tuple[str, str | None, list[str]]:
    """(authorization type, scheme name, scopes) of an operation's `security`."""
    if not isinstance(requirements, list):
        return "NONE", None, []
    chosen = [r for r in requirements if isinstance(r, dict) and r]
    if not chosen:
        return "NONE", None, []
    if len(chosen) > 1 or len(chosen[0]) > 1:
        warnings.append(f"Only the first security requirement of {where} is used.")
    name, scopes = next(iter(chosen[0].items()))
    kind = schemes.get(name)
    if kind is None and name == "NONE":
        return "NONE", None, []  # how SAM opts a route out of the API's default authorizer
    if kind is None:
        raise bad_request(f"Security scheme {name} used by {where} is not defined.")
    return kind, name, [str(s) for s in scopes or []] if kind == "JWT" else []


def translate(document: dict[str, Any], basepath: str | None = None) -> ImportPlan:
    """The HTTP API a definition describes; BadRequestException when it cannot be one."""
    if (
        not str(document.get("openapi", "")).startswith("3.")
        and str(document.get("swagger")) != "2.0"
    ):
        raise bad_request("The API definition must be an OpenAPI 3.0 or Swagger 2.0 document.")
    mode = (basepath or "ignore").lower()
    if mode not in ("ignore", "prepend", "split"):
        raise bad_request("Basepath must be one of ignore, prepend or split.")
    info = document.get("info") or {}
    if not isinstance(info, dict) or not info.get("title"):
        raise bad_request("The API definition must have an info.title (the API's name).")
    warnings: list[str] = []
    components = document.get("components") or {}
    raw_schemes = components.get("securitySchemes") or document.get("securityDefinitions") or {}
    authorizers, iam = _authorizers(raw_schemes, warnings)
    scheme_kinds = {
        a["_Scheme"]: ("JWT" if a["AuthorizerType"] == "JWT" else "CUSTOM") for a in authorizers
    }
    scheme_kinds.update({name: "AWS_IAM" for name in iam})
    base = base_path(document)
    integrations: list[dict[str, Any]] = []
    routes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw_path, item in (document.get("paths") or {}).items():
        item = _resolve(document, item)
        if not isinstance(item, dict):
            continue
        # SAM writes the default route as the path `/$default`; API Gateway reads it as
        # `$default` just the same.
        path = _apply_base_path(DEFAULT if raw_path == "/" + DEFAULT else str(raw_path), base, mode)
        for key, operation in item.items():
            if key in _PATH_ITEM_KEYS or (key.startswith("x-") and key != ANY_METHOD):
                continue
            if key != ANY_METHOD and key not in METHODS:
                warnings.append(f"Unsupported method {key} on path {raw_path}; ignored.")
                continue
            method = "ANY" if key == ANY_METHOD else key.upper()
            if path == DEFAULT:
                if method != "ANY":
                    warnings.append(
                        f"Only {ANY_METHOD} is supported on the $default path; {key} ignored."
                    )
                    continue
                route_key = DEFAULT
            else:
                route_key = f"{method} {path}"
            parse_http_route_key(route_key)
            if route_key in seen:
                raise bad_request(f"Route with key {route_key} is defined more than once.")
            seen.add(route_key)
            operation = operation if isinstance(operation, dict) else {}
            route: dict[str, Any] = {"RouteKey": route_key}
            if operation.get("operationId"):
                route["OperationName"] = str(operation["operationId"])
            integration = _integration(document, operation.get(INTEGRATION), route_key, warnings)
            if integration is not None:
                route["_Integration"] = len(integrations)
                integrations.append(integration)
            kind, scheme, scopes = _security(
                operation.get("security", document.get("security")),
                scheme_kinds,
                route_key,
                warnings,
            )
            route["AuthorizationType"] = kind
            if kind in ("JWT", "CUSTOM"):
                route["_Scheme"] = scheme
            if scopes:
                route["AuthorizationScopes"] = scopes
            routes.append(route)
    raw_endpoint = document.get(ENDPOINT)
    endpoint: dict[str, Any] = raw_endpoint if isinstance(raw_endpoint, dict) else {}
    tags = {
        str(t["name"]): str(t[TAG_VALUE])
        for t in document.get("tags") or []
        if isinstance(t, dict) and t.get("name") and t.get(TAG_VALUE) is not None
    }
    return ImportPlan(
        name=str(info["title"]),
        description=info.get("description"),
        version=str(info["version"]) if info.get("version") is not None else None,
        cors=_cors(document.get(CORS)),
        disable_execute_api_endpoint=endpoint.get("disableExecuteApiEndpoint"),
        tags=tags,
        authorizers=authorizers,
        integrations=integrations,
        routes=routes,
        warnings=warnings,
    )
