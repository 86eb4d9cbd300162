"""Importing OpenAPI 3 and Swagger 2.0 definitions (as SAM's AWS::Serverless::Api emits
them) with ImportRestApi and PutRestApi, and exporting a stage with GetExport."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess

FN = "arn:aws:lambda:us-east-1:000000000000:function:{}"
URI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations"


def sam_swagger() -> dict[str, Any]:
    """What SAM's AWS::Serverless::Api produces for a Lambda TOKEN authorizer, an API key
    and a proxy route (after intrinsics are resolved)."""
    return {
        "swagger": "2.0",
        "info": {"version": "1.0", "title": "sam-app"},
        "paths": {
            "/hello": {
                "get": {
                    "x-amazon-apigateway-integration": {
                        "httpMethod": "POST",
                        "type": "aws_proxy",
                        "uri": URI.format(FN.format("hello")),
                    },
                    "security": [{"MyLambdaAuth": []}, {"api_key": []}],
                    "responses": {},
                }
            },
            "/items/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
                "put": {
                    "operationId": "putItem",
                    "x-amazon-apigateway-integration": {
                        "httpMethod": "POST",
                        "type": "aws",
                        "uri": URI.format(FN.format("items")),
                        "passthroughBehavior": "when_no_templates",
                        "requestTemplates": {"application/json": '{"id": "$input.params(\'id\')"}'},
                        "responses": {
                            "default": {"statusCode": "200"},
                            ".*NotFound.*": {
                                "statusCode": "404",
                                "responseTemplates": {"application/json": '{"error": "not found"}'},
                            },
                        },
                    },
                    "responses": {"200": {"description": "ok"}, "404": {"description": "missing"}},
                },
            },
            "/{proxy+}": {
                "x-amazon-apigateway-any-method": {
                    "x-amazon-apigateway-integration": {
                        "httpMethod": "POST",
                        "type": "aws_proxy",
                        "uri": URI.format(FN.format("proxy")),
                    },
                    "responses": {},
                }
            },
        },
        "securityDefinitions": {
            "MyLambdaAuth": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "token",
                    "authorizerUri": URI.format(FN.format("auth")),
                    "identityValidationExpression": "^Bearer .+$",
                    "authorizerResultTtlInSeconds": 0,
                },
            },
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
        },
        "x-amazon-apigateway-binary-media-types": ["image~1png", "*~1*"],
        "x-amazon-apigateway-api-key-source": "HEADER",
    }


def openapi3() -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "oas3-app", "version": "2024-01-01"},
        "paths": {
            "/orders": {
                "post": {
                    "security": [{"RequestAuth": []}],
                    "x-amazon-apigateway-integration": {
                        "type": "aws_proxy",
                        "httpMethod": "POST",
                        "uri": URI.format(FN.format("orders")),
                    },
                },
                "options": {
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "responses": {
                            "default": {
                                "statusCode": "200",
                                "responseParameters": {
                                    "method.response.header.Access-Control-Allow-Origin": "'*'"
                                },
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "cors",
                            "headers": {"Access-Control-Allow-Origin": {}},
                        }
                    },
                },
            }
        },
        "components": {
            "securitySchemes": {
                "RequestAuth": {
                    "type": "apiKey",
                    "name": "Unused",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {
                        "type": "request",
                        "authorizerUri": URI.format(FN.format("auth")),
                        "identitySource": "method.request.header.X-Tenant",
                        "authorizerResultTtlInSeconds": 300,
                    },
                }
            }
        },
    }


@pytest.fixture(scope="module")
def apigw(tenku: TenkuProcess) -> Any:
    return tenku.client("apigateway")


def by_path(apigw: Any, api_id: str) -> dict[str, Any]:
    items = apigw.get_resources(restApiId=api_id, embed=["methods"], limit=500)["items"]
    return {r["path"]: r for r in items}


def test_import_sam_swagger_with_token_authorizer(apigw: Any) -> None:
    api = apigw.import_rest_api(body=json.dumps(sam_swagger()).encode())
    assert api["name"] == "sam-app" and api["version"] == "1.0"
    assert api["binaryMediaTypes"] == ["image/png", "*/*"]
    authorizers = apigw.get_authorizers(restApiId=api["id"])["items"]
    assert len(authorizers) == 1
    auth = authorizers[0]
    assert auth["name"] == "MyLambdaAuth" and auth["type"] == "TOKEN"
    assert auth["identitySource"] == "method.request.header.Authorization"
    assert auth["identityValidationExpression"] == "^Bearer .+$"
    assert auth["authorizerResultTtlInSeconds"] == 0 and auth["authType"] == "custom"
    assert auth["authorizerUri"] == URI.format(FN.format("auth"))
    resources = by_path(apigw, api["id"])
    assert sorted(resources) == ["/", "/hello", "/items", "/items/{id}", "/{proxy+}"]
    hello = resources["/hello"]["resourceMethods"]["GET"]
    assert hello["authorizationType"] == "CUSTOM" and hello["authorizerId"] == auth["id"]
    assert hello["apiKeyRequired"] is True
    assert hello["methodIntegration"]["type"] == "AWS_PROXY"
    assert hello["methodIntegration"]["httpMethod"] == "POST"
    put = resources["/items/{id}"]["resourceMethods"]["PUT"]
    assert put["operationName"] == "putItem"
    assert put["requestParameters"] == {"method.request.path.id": True}
    integration = put["methodIntegration"]
    assert integration["passthroughBehavior"] == "WHEN_NO_TEMPLATES"
    assert integration["integrationResponses"]["404"]["selectionPattern"] == ".*NotFound.*"
    assert "selectionPattern" not in integration["integrationResponses"]["200"]
    assert set(put["methodResponses"]) == {"200", "404"}
    proxy = resources["/{proxy+}"]["resourceMethods"]
    assert list(proxy) == ["ANY"] and proxy["ANY"]["authorizationType"] == "NONE"
    deployment = apigw.create_deployment(restApiId=api["id"], stageName="Prod")
    assert deployment["id"]


def test_import_openapi3_yaml_with_request_authorizer(apigw: Any) -> None:
    api = apigw.import_rest_api(
        body=yaml.safe_dump(openapi3()).encode(),
        parameters={"endpointConfigurationTypes": "REGIONAL"},
    )
    assert api["endpointConfiguration"]["types"] == ["REGIONAL"]
    auth = apigw.get_authorizers(restApiId=api["id"])["items"][0]
    assert auth["type"] == "REQUEST" and auth["identitySource"] == "method.request.header.X-Tenant"
    methods = by_path(apigw, api["id"])["/orders"]["resourceMethods"]
    assert methods["POST"]["authorizationType"] == "CUSTOM"
    options = methods["OPTIONS"]
    assert options["methodIntegration"]["type"] == "MOCK"
    assert options["methodResponses"]["200"]["responseParameters"] == {
        "method.response.header.Access-Control-Allow-Origin": False
    }
    assert options["methodIntegration"]["integrationResponses"]["200"]["responseParameters"] == {
        "method.response.header.Access-Control-Allow-Origin": "'*'"
    }


def test_put_rest_api_merge_and_overwrite(apigw: Any) -> None:
    api = apigw.create_rest_api(name="target")
    extra = apigw.create_resource(
        restApiId=api["id"], parentId=api["rootResourceId"], pathPart="kept"
    )
    apigw.put_method(
        restApiId=api["id"], resourceId=extra["id"], httpMethod="GET", authorizationType="NONE"
    )
    merged = apigw.put_rest_api(
        restApiId=api["id"], mode="merge", body=json.dumps(openapi3()).encode()
    )
    assert merged["id"] == api["id"]
    assert sorted(by_path(apigw, api["id"])) == ["/", "/kept", "/orders"]
    apigw.put_rest_api(
        restApiId=api["id"], mode="overwrite", body=json.dumps(sam_swagger()).encode()
    )
    paths = by_path(apigw, api["id"])
    assert sorted(paths) == ["/", "/hello", "/items", "/items/{id}", "/{proxy+}"]
    assert paths["/"]["id"] == api["rootResourceId"]
    assert [a["name"] for a in apigw.get_authorizers(restApiId=api["id"])["items"]] == [
        "MyLambdaAuth"
    ]


def error_of(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    status = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error["Code"], status, error["Message"]


def test_import_refusals(apigw: Any) -> None:
    before = len(apigw.get_rest_apis(limit=500)["items"])
    assert error_of(apigw.import_rest_api, body=b"not a definition: [")[:2] == (
        "BadRequestException",
        400,
    )
    assert (
        error_of(apigw.import_rest_api, body=b'{"hello": "world"}')[2] == "Invalid OpenAPI input."
    )
    bad = sam_swagger()
    bad["paths"]["/bad path"] = bad["paths"].pop("/hello")
    message = error_of(apigw.import_rest_api, body=json.dumps(bad).encode())[2]
    assert message.startswith("Errors found during import:")
    assert "Unable to create resource at path '/bad path'" in message
    no_method = sam_swagger()
    del no_method["paths"]["/hello"]["get"]["x-amazon-apigateway-integration"]["httpMethod"]
    message = error_of(apigw.import_rest_api, body=json.dumps(no_method).encode())[2]
    assert "Enumeration value for HttpMethod must be non-empty" in message
    warned = sam_swagger()
    del warned["paths"]["/hello"]["get"]["x-amazon-apigateway-integration"]
    assert error_of(apigw.import_rest_api, body=json.dumps(warned).encode(), failOnWarnings=True)[
        2
    ].startswith("Warnings found during import:")
    assert len(apigw.get_rest_apis(limit=500)["items"]) == before  # nothing half-imported
    api = apigw.import_rest_api(body=json.dumps(warned).encode())
    assert api["warnings"] == ["No integration defined for method: GET /hello"]


def test_export_round_trips(apigw: Any) -> None:
    api = apigw.import_rest_api(body=json.dumps(sam_swagger()).encode())
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    exported = apigw.get_export(
        restApiId=api["id"],
        stageName="prod",
        exportType="swagger",
        parameters={"extensions": "integrations,authorizers"},
    )
    document = json.loads(exported["body"].read())
    assert document["swagger"] == "2.0" and document["info"]["title"] == "sam-app"
    assert set(document["paths"]) == {"/", "/hello", "/items", "/items/{id}", "/{proxy+}"}
    assert "x-amazon-apigateway-any-method" in document["paths"]["/{proxy+}"]
    again = apigw.import_rest_api(body=json.dumps(document).encode())
    hello = by_path(apigw, again["id"])["/hello"]["resourceMethods"]["GET"]
    assert hello["authorizationType"] == "CUSTOM"
    assert hello["methodIntegration"]["uri"] == URI.format(FN.format("hello"))
    assert (
        error_of(apigw.get_export, restApiId=api["id"], stageName="nosuch", exportType="oas30")[0]
        == "NotFoundException"
    )
