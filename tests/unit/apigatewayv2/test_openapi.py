"""OpenAPI translation: a SAM-shaped HttpApi definition in, an import plan out; exports
that import back to the same API; base paths; warnings and refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.apigatewayv2 import openapi
from tenku.services.apigatewayv2.openapi_export import export_document

FN = "arn:aws:lambda:us-east-1:000000000000:function:app"
URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/invocations"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"


def sam_definition() -> dict[str, Any]:
    """What aws-sam-translator emits for an AWS::Serverless::HttpApi with an OAuth2 (JWT)
    authorizer, a Lambda authorizer, CORS and two function events plus a catch-all."""
    integration = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": URI,
        "payloadFormatVersion": "2.0",
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "sam-app", "version": "1.0"},
        "paths": {
            "/pets": {
                "get": {
                    "x-amazon-apigateway-integration": dict(integration, timeoutInMillis=5000),
                    "security": [{"MyOAuth2Auth": ["pets/read"]}],
                    "responses": {},
                },
            },
            "/pets/{id}": {
                "delete": {
                    "x-amazon-apigateway-integration": integration,
                    "security": [{"LambdaAuth": []}],
                    "parameters": [{"name": "id", "in": "path", "required": True}],
                    "responses": {},
                },
            },
            "$default": {
                "x-amazon-apigateway-any-method": {
                    "isDefaultRoute": True,
                    "x-amazon-apigateway-integration": integration,
                    "security": [{}],
                    "responses": {},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "MyOAuth2Auth": {
                    "type": "oauth2",
                    "x-amazon-apigateway-authorizer": {
                        "identitySource": "$request.header.Authorization",
                        "jwtConfiguration": {"audience": ["client-1"], "issuer": ISSUER},
                        "type": "jwt",
                    },
                },
                "LambdaAuth": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Unused",
                    "x-amazon-apigateway-authorizer": {
                        "type": "request",
                        "authorizerUri": URI,
                        "authorizerPayloadFormatVersion": "2.0",
                        "enableSimpleResponses": True,
                        "identitySource": "$request.header.Authorization, $request.querystring.k",
                        "authorizerResultTtlInSeconds": 300,
                    },
                },
            }
        },
        "security": [{"MyOAuth2Auth": []}],
        "x-amazon-apigateway-cors": {"allowOrigins": ["https://example.com"], "maxAge": 600},
        "tags": [{"name": "httpapi:createdBy", "x-amazon-apigateway-tag-value": "SAM"}],
    }


def test_sam_definition_translates() -> None:
    plan = openapi.translate(sam_definition())
    assert plan.name == "sam-app" and plan.version == "1.0"
    assert plan.cors == {"AllowOrigins": ["https://example.com"], "MaxAge": 600}
    assert plan.tags == {"httpapi:createdBy": "SAM"}
    by_name = {a["Name"]: a for a in plan.authorizers}
    assert by_name["MyOAuth2Auth"]["AuthorizerType"] == "JWT"
    assert by_name["MyOAuth2Auth"]["JwtConfiguration"] == {
        "Issuer": ISSUER,
        "Audience": ["client-1"],
    }
    assert by_name["MyOAuth2Auth"]["IdentitySource"] == ["$request.header.Authorization"]
    lam = by_name["LambdaAuth"]
    assert lam["AuthorizerType"] == "REQUEST" and lam["AuthorizerUri"] == URI
    assert lam["IdentitySource"] == ["$request.header.Authorization", "$request.querystring.k"]
    assert lam["EnableSimpleResponses"] is True and lam["AuthorizerResultTtlInSeconds"] == 300
    routes = {r["RouteKey"]: r for r in plan.routes}
    assert set(routes) == {"GET /pets", "DELETE /pets/{id}", "$default"}
    assert routes["GET /pets"]["AuthorizationType"] == "JWT"
    assert routes["GET /pets"]["AuthorizationScopes"] == ["pets/read"]
    assert routes["DELETE /pets/{id}"]["AuthorizationType"] == "CUSTOM"
    assert routes["$default"]["AuthorizationType"] == "NONE"  # security: [{}] opts out
    first = plan.integrations[routes["GET /pets"]["_Integration"]]
    assert first == {
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": URI,
        "IntegrationMethod": "POST",
        "PayloadFormatVersion": "2.0",
        "TimeoutInMillis": 5000,
    }
    assert plan.warnings == []


def test_root_security_applies_when_an_operation_has_none() -> None:
    document = sam_definition()
    del document["paths"]["/pets"]["get"]["security"]
    plan = openapi.translate(document)
    route = next(r for r in plan.routes if r["RouteKey"] == "GET /pets")
    assert route["AuthorizationType"] == "JWT" and "AuthorizationScopes" not in route


def test_yaml_and_json_bodies() -> None:
    import yaml

    document = sam_definition()
    assert openapi.load_document(json.dumps(document)) == document
    assert openapi.load_document(yaml.safe_dump(document)) == document
    with pytest.raises(ServiceError, match="Unable to parse"):
        openapi.load_document("[1, 2]")
    with pytest.raises(ServiceError, match="Unable to parse"):
        openapi.load_document("a: [unclosed")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (None, "GET /pets"),
        ("ignore", "GET /pets"),
        ("prepend", "GET /v1/api/pets"),
        ("split", "GET /api/pets"),
    ],
)
def test_base_path_modes(mode: str | None, expected: str) -> None:
    document = sam_definition()
    document["servers"] = [
        {
            "url": "https://x.example.com/{basePath}",
            "variables": {"basePath": {"default": "/v1/api"}},
        }
    ]
    plan = openapi.translate(document, mode)
    assert expected in {r["RouteKey"] for r in plan.routes}
    assert "$default" in {r["RouteKey"] for r in plan.routes}  # $default never moves


def test_base_path_from_server_url_and_swagger() -> None:
    assert openapi.base_path({"openapi": "3.0.1", "servers": [{"url": "https://h/v2/"}]}) == "/v2"
    assert openapi.base_path({"openapi": "3.0.1", "servers": [{"url": "/stage"}]}) == "/stage"
    assert openapi.base_path({"swagger": "2.0", "basePath": "/b"}) == "/b"
    assert openapi.base_path({"openapi": "3.0.1"}) == ""


def test_refs_are_resolved() -> None:
    document = sam_definition()
    document["components"]["x-amazon-apigateway-integrations"] = {
        "shared": {"type": "http_proxy", "uri": "https://backend.example.com", "httpMethod": "GET"}
    }
    document["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"] = {
        "$ref": "#/components/x-amazon-apigateway-integrations/shared"
    }
    plan = openapi.translate(document)
    route = next(r for r in plan.routes if r["RouteKey"] == "GET /pets")
    assert plan.integrations[route["_Integration"]]["IntegrationType"] == "HTTP_PROXY"
    document["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"] = {"$ref": "#/nope"}
    with pytest.raises(ServiceError, match="Unable to resolve reference #/nope"):
        openapi.translate(document)


def test_warnings_for_unsupported_parts() -> None:
    document = sam_definition()
    document["paths"]["/pets"]["trace"] = {}
    document["paths"]["/mock"] = {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}
    document["paths"]["/old"] = {
        "get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": URI}}
    }
    plan = openapi.translate(document)
    assert any("Unsupported method trace" in w for w in plan.warnings)
    assert any("Unsupported integration type MOCK" in w for w in plan.warnings)
    assert any(w == "No payloadFormatVersion for GET /old; using 1.0." for w in plan.warnings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("openapi"), "must be an OpenAPI 3.0 or Swagger 2.0 document"),
        (lambda d: d["info"].pop("title"), "must have an info.title"),
        (lambda d: d["paths"].update({"/bad/": {"get": {}}}), "Invalid route key: GET /bad/."),
        (
            lambda d: d["paths"]["/pets"]["get"].update(security=[{"Nope": []}]),
            "Security scheme Nope used by GET /pets is not defined.",
        ),
    ],
)
def test_refusals(change: Any, message: str) -> None:
    document = sam_definition()
    change(document)
    with pytest.raises(ServiceError) as caught:
        openapi.translate(document)
    assert caught.value.code == "BadRequestException"
    assert message in caught.value.message


def test_bad_basepath_mode() -> None:
    with pytest.raises(ServiceError, match="Basepath must be one of ignore, prepend or split"):
        openapi.translate(sam_definition(), "sideways")


def test_export_imports_back_to_the_same_api() -> None:
    plan = openapi.translate(sam_definition())
    # give the plan ids as the provider would
    authorizers = [dict(a, AuthorizerId=f"a{i}") for i, a in enumerate(plan.authorizers)]
    ids = {a["_Scheme"]: a["AuthorizerId"] for a in authorizers}
    integrations = [dict(d, IntegrationId=f"i{i}") for i, d in enumerate(plan.integrations)]
    routes = []
    for i, r in enumerate(plan.routes):
        route = {k: v for k, v in r.items() if not k.startswith("_")}
        route.update(RouteId=f"r{i}", Target=f"integrations/i{r['_Integration']}")
        if r.get("_Scheme"):
            route["AuthorizerId"] = ids[r["_Scheme"]]
        routes.append(route)
    api = {"Name": "sam-app", "Version": "1.0", "CorsConfiguration": plan.cors, "CreatedDate": 0}
    exported = export_document(
        api, routes, integrations, authorizers, endpoint="http://x.localhost:1", stage="prod"
    )
    assert exported["openapi"] == "3.0.1"
    assert exported["servers"][0]["variables"]["basePath"]["default"] == "prod"
    assert exported["paths"]["/pets/{id}"]["parameters"][0]["name"] == "id"
    again = openapi.translate(json.loads(json.dumps(exported)))
    strip = lambda rows: sorted(  # noqa: E731
        ({k: v for k, v in r.items() if k != "_Integration"} for r in rows),
        key=lambda r: r["RouteKey"],
    )
    assert strip(again.routes) == strip(plan.routes)
    assert sorted(map(json.dumps, again.integrations)) == sorted(map(json.dumps, plan.integrations))
    assert again.authorizers == plan.authorizers
    assert again.cors == plan.cors
    bare = export_document(
        api, routes, integrations, authorizers, endpoint="e", stage=None, extensions=False
    )
    text = json.dumps(bare)
    assert "x-amazon-apigateway-integration" not in text
    assert "x-amazon-apigateway-authorizer" not in text
    assert "x-amazon-apigateway-cors" not in text


def test_sams_default_path_and_none_security() -> None:
    """SAM writes the catch-all route as the path `/$default` and opts a route out of the
    default authorizer with `security: [{"NONE": []}]`; API Gateway imports both."""
    document = sam_definition()
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": URI}
    document["paths"] = {
        "/$default": {
            "x-amazon-apigateway-any-method": {
                "x-amazon-apigateway-integration": integration,
                "isDefaultRoute": True,
                "responses": {},
            }
        },
        "/open": {
            "post": {
                "x-amazon-apigateway-integration": integration,
                "security": [{"NONE": []}],
                "responses": {},
            }
        },
    }
    routes = {r["RouteKey"]: r for r in openapi.translate(document).routes}
    assert set(routes) == {"$default", "POST /open"}
    assert routes["POST /open"]["AuthorizationType"] == "NONE"
    document["paths"]["/open"]["post"]["security"] = [{"Missing": []}]
    with pytest.raises(ServiceError, match="Security scheme Missing used by"):
        openapi.translate(document)
