"""OpenAPI 3 and Swagger 2.0 definitions with API Gateway's extensions, read into the
pieces of a REST API (pure; `imports.py` applies them to a working copy).

Understood: `x-amazon-apigateway-integration` (type, uri, httpMethod, credentials,
passthroughBehavior, requestTemplates, requestParameters, responses, timeoutInMillis,
contentHandling, cacheKeyParameters, cacheNamespace, connectionType/Id),
`x-amazon-apigateway-any-method`, security schemes with `x-amazon-apigateway-authorizer`
and `x-amazon-apigateway-authtype` (Lambda TOKEN/REQUEST, Cognito, `awsSigv4`), API key
schemes (`apiKey` in a header) that make methods require a key,
`x-amazon-apigateway-binary-media-types`, `x-amazon-apigateway-api-key-source`,
`x-amazon-apigateway-policy`, operation ids, parameters and responses.
Must not: touch storage or decide ids.
"""

from __future__ import annotations

import importlib
import json
from typing import Any, NamedTuple

from tenku.services.apigateway import models
from tenku.services.apigateway.errors import bad_request

Doc = dict[str, Any]

_VERBS = ("get", "put", "post", "delete", "patch", "options", "head")
_ANY = "x-amazon-apigateway-any-method"
_PARAMETER_PLACES = {"path": "path", "query": "querystring", "header": "header"}


class ImportedMethod(NamedTuple):
    path: str
    method: Doc  # a Method document; `authorizerId` holds the authorizer's *name*


class ImportedApi(NamedTuple):
    members: Doc  # RestApi members the definition sets (name, description, ...)
    authorizers: list[Doc]  # Authorizer documents without ids
    methods: list[ImportedMethod]
    paths: list[str]  # every path, methods or not
    warnings: list[str]


def optional_yaml() -> Any:
    """PyYAML if it is installed (it is not a dependency: JSON always works), else None."""
    try:
        return importlib.import_module("yaml")
    except ImportError:
        return None


def parse_definition(body: bytes) -> Doc:
    """The definition as a dict: JSON, or YAML when PyYAML is installed."""
    text = bytes(body).decode("utf-8", "replace").strip()
    document: Any = None
    try:
        document = json.loads(text)
    except ValueError:
        yaml = optional_yaml()
        if yaml is None:
            raise bad_request("Invalid OpenAPI input.") from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            raise bad_request("Invalid OpenAPI input.") from None
    if not isinstance(document, dict) or not ("swagger" in document or "openapi" in document):
        raise bad_request("Invalid OpenAPI input.")
    return document


def _upper(value: Any) -> str | None:
    return str(value).upper() if value is not None else None


def _authorizer(name: str, scheme: Doc) -> Doc:
    spec = scheme.get("x-amazon-apigateway-authorizer") or {}
    kind = _upper(spec.get("type")) or "TOKEN"
    authorizer: Doc = {"name": name, "type": kind}
    for key in (
        "authorizerUri",
        "authorizerCredentials",
        "identityValidationExpression",
        "authorizerResultTtlInSeconds",
        "providerARNs",
    ):
        if spec.get(key) is not None:
            authorizer[key] = spec[key]
    source = spec.get("identitySource")
    if source is None and kind == "TOKEN" and scheme.get("in") == "header" and scheme.get("name"):
        source = f"method.request.header.{scheme['name']}"
    if source is not None:
        authorizer["identitySource"] = source
    authorizer.setdefault("authorizerResultTtlInSeconds", models.DEFAULT_AUTHORIZER_TTL)
    if scheme.get("x-amazon-apigateway-authtype"):
        authorizer["authType"] = scheme["x-amazon-apigateway-authtype"]
    return authorizer


def _integration(spec: Doc) -> Doc:
    integration: Doc = {
        "type": _upper(spec.get("type")),
        "passthroughBehavior": _upper(spec.get("passthroughBehavior")) or "WHEN_NO_MATCH",
        "timeoutInMillis": int(spec.get("timeoutInMillis", 29_000)),
        "cacheKeyParameters": list(spec.get("cacheKeyParameters") or ()),
    }
    for key in ("uri", "credentials", "requestTemplates", "requestParameters",
                "cacheNamespace", "connectionId", "contentHandling"):  # fmt: skip
        if spec.get(key) is not None:
            integration[key] = spec[key]
    if spec.get("httpMethod"):
        integration["httpMethod"] = str(spec["httpMethod"]).upper()
    if integration["type"] != "MOCK":
        integration["connectionType"] = spec.get("connectionType") or "INTERNET"
    responses: Doc = {}
    for pattern, response in (spec.get("responses") or {}).items():
        code = str(response.get("statusCode", "200"))
        out: Doc = {"statusCode": code}
        if pattern != "default":
            out["selectionPattern"] = pattern
        for key in ("responseTemplates", "responseParameters", "contentHandling"):
            if response.get(key) is not None:
                out[key] = response[key]
        responses[code] = out
    if responses:
        integration["integrationResponses"] = responses
    return integration


class _Reader:
    def __init__(self, definition: Doc) -> None:
        self.definition = definition
        self.swagger = "swagger" in definition
        schemes = (
            definition.get("securityDefinitions")
            if self.swagger
            else (definition.get("components") or {}).get("securitySchemes")
        )
        self.schemes: Doc = schemes or {}

    def _security(self, operation: Doc, method: Doc) -> None:
        requirements = operation.get("security", self.definition.get("security")) or []
        for requirement in requirements:
            for name, scopes in (requirement or {}).items():
                scheme = self.schemes.get(name) or {}
                authtype = str(scheme.get("x-amazon-apigateway-authtype") or "").lower()
                if "x-amazon-apigateway-authorizer" in scheme:
                    kind = _upper(scheme["x-amazon-apigateway-authorizer"].get("type"))
                    cognito = kind == "COGNITO_USER_POOLS"
                    method["authorizationType"] = "COGNITO_USER_POOLS" if cognito else "CUSTOM"
                    method["authorizerId"] = name
                    if cognito and scopes:
                        method["authorizationScopes"] = list(scopes)
                elif authtype == "awssigv4":
                    method["authorizationType"] = "AWS_IAM"
                elif scheme.get("type") == "apiKey":
                    method["apiKeyRequired"] = True

    def _method(self, path: str, verb: str, operation: Doc, shared: list[Any]) -> Doc:
        method: Doc = {"httpMethod": verb, "authorizationType": "NONE", "apiKeyRequired": False}
        if operation.get("operationId"):
            method["operationName"] = operation["operationId"]
        self._security(operation, method)
        parameters = {}
        for parameter in [*shared, *(operation.get("parameters") or ())]:
            place = _PARAMETER_PLACES.get(str((parameter or {}).get("in")))
            if place and parameter.get("name"):
                required = bool(parameter.get("required")) or place == "path"
                parameters[f"method.request.{place}.{parameter['name']}"] = required
        if parameters:
            method["requestParameters"] = parameters
        responses = {}
        for code, response in (operation.get("responses") or {}).items():
            if not str(code).isdigit():
                continue
            out: Doc = {"statusCode": str(code)}
            headers = (response or {}).get("headers") or {}
            if headers:
                out["responseParameters"] = {f"method.response.header.{h}": False for h in headers}
            responses[str(code)] = out
        if responses:
            method["methodResponses"] = responses
        spec = operation.get("x-amazon-apigateway-integration")
        if spec:
            method["methodIntegration"] = _integration(spec)
        return method

    def read(self, base_path: str) -> ImportedApi:
        definition = self.definition
        info = definition.get("info") or {}
        members: Doc = {}
        if info.get("title"):
            members["name"] = str(info["title"])
        if info.get("description"):
            members["description"] = str(info["description"])
        if info.get("version") is not None:
            members["version"] = str(info["version"])
        if definition.get("x-amazon-apigateway-binary-media-types"):
            # SAM writes `image~1png` for `image/png`, as patch paths do
            members["binaryMediaTypes"] = [
                str(t).replace("~1", "/")
                for t in definition["x-amazon-apigateway-binary-media-types"]
            ]
        if definition.get("x-amazon-apigateway-api-key-source"):
            members["apiKeySource"] = str(definition["x-amazon-apigateway-api-key-source"]).upper()
        if definition.get("x-amazon-apigateway-policy"):
            members["policy"] = json.dumps(definition["x-amazon-apigateway-policy"])
        authorizers = [
            _authorizer(name, scheme)
            for name, scheme in self.schemes.items()
            if isinstance(scheme, dict) and "x-amazon-apigateway-authorizer" in scheme
        ]
        methods: list[ImportedMethod] = []
        paths: list[str] = []
        warnings: list[str] = []
        for raw_path, item in (definition.get("paths") or {}).items():
            path = "/" + "/".join(p for p in (base_path + str(raw_path)).split("/") if p)
            paths.append(path)
            shared = list((item or {}).get("parameters") or ())
            for key, operation in (item or {}).items():
                verb = "ANY" if key == _ANY else key.upper() if key in _VERBS else None
                if verb is None or not isinstance(operation, dict):
                    continue
                method = self._method(path, verb, operation, shared)
                if "methodIntegration" not in method:
                    warnings.append(f"No integration defined for method: {verb} {path}")
                methods.append(ImportedMethod(path, method))
        return ImportedApi(members, authorizers, methods, paths, warnings)


def read_definition(definition: Doc, parameters: dict[str, str] | None = None) -> ImportedApi:
    """The REST API pieces a definition describes. `parameters` may hold `basepath`
    (`ignore`, the default, or `prepend` Swagger's `basePath` to every path)."""
    base_path = ""
    if (parameters or {}).get("basepath") == "prepend" and definition.get("basePath"):
        base_path = str(definition["basePath"])
    return _Reader(definition).read(base_path)
