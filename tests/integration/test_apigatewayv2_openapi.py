"""ImportApi, ReimportApi and ExportApi through boto3 and the AWS CLI, with the OpenAPI
document aws-sam-translator emits for an AWS::Serverless::HttpApi (a Cognito JWT
authorizer, a Lambda authorizer, CORS, a catch-all `$default` route)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.conftest import TenkuProcess
from tests.integration.test_apigatewayv2_apis import FN_URI, ISSUER, error_of
from tests.unit.apigatewayv2.test_openapi import sam_definition


@pytest.fixture(scope="module")
def agw(tenku: TenkuProcess) -> Any:
    return tenku.client("apigatewayv2")


def export(agw: Any, api_id: str, output: str = "JSON", **extra: Any) -> dict[str, Any]:
    body = agw.export_api(ApiId=api_id, Specification="OAS30", OutputType=output, **extra)["body"]
    text = body.read()
    return dict(json.loads(text) if output == "JSON" else yaml.safe_load(text))


def test_import_sam_definition(agw: Any, tenku: TenkuProcess) -> None:
    api = agw.import_api(Body=json.dumps(sam_definition()))
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201
    api_id = api["ApiId"]
    assert api["Name"] == "sam-app" and api["Version"] == "1.0" and api["ProtocolType"] == "HTTP"
    assert api["ApiEndpoint"] == f"http://{api_id}.execute-api.localhost:{tenku.port}"
    assert api["CorsConfiguration"] == {"AllowOrigins": ["https://example.com"], "MaxAge": 600}
    assert api["Tags"] == {"httpapi:createdBy": "SAM"}
    assert "Warnings" not in api and api["ImportInfo"]
    authorizers = {a["Name"]: a for a in agw.get_authorizers(ApiId=api_id)["Items"]}
    jwt = authorizers["MyOAuth2Auth"]
    assert jwt["AuthorizerType"] == "JWT"
    assert jwt["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": ["client-1"]}
    assert jwt["IdentitySource"] == ["$request.header.Authorization"]
    lam = authorizers["LambdaAuth"]
    assert (lam["AuthorizerType"], lam["AuthorizerUri"]) == ("REQUEST", FN_URI)
    assert lam["AuthorizerPayloadFormatVersion"] == "2.0" and lam["EnableSimpleResponses"] is True
    routes = {r["RouteKey"]: r for r in agw.get_routes(ApiId=api_id)["Items"]}
    assert set(routes) == {"GET /pets", "DELETE /pets/{id}", "$default"}
    assert routes["GET /pets"]["AuthorizationType"] == "JWT"
    assert routes["GET /pets"]["AuthorizerId"] == jwt["AuthorizerId"]
    assert routes["GET /pets"]["AuthorizationScopes"] == ["pets/read"]
    assert routes["DELETE /pets/{id}"]["AuthorizerId"] == lam["AuthorizerId"]
    assert routes["$default"]["AuthorizationType"] == "NONE"
    integrations = {i["IntegrationId"]: i for i in agw.get_integrations(ApiId=api_id)["Items"]}
    first = integrations[routes["GET /pets"]["Target"].removeprefix("integrations/")]
    assert (first["IntegrationType"], first["IntegrationUri"]) == ("AWS_PROXY", FN_URI)
    assert (first["PayloadFormatVersion"], first["TimeoutInMillis"]) == ("2.0", 5000)
    assert len(integrations) == 3  # one per operation, as API Gateway imports them
    # SAM then adds a $default stage with AutoDeploy: it deploys the imported API
    stage = agw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    assert stage["DeploymentId"]


def test_import_yaml_and_export_round_trip(agw: Any) -> None:
    api_id = agw.import_api(Body=yaml.safe_dump(sam_definition()))["ApiId"]
    document = export(agw, api_id)
    assert document["openapi"] == "3.0.1" and document["info"]["title"] == "sam-app"
    assert set(document["paths"]) == {"/pets", "/pets/{id}", "$default"}
    operation = document["paths"]["/pets"]["get"]
    assert operation["security"] == [{"MyOAuth2Auth": ["pets/read"]}]
    assert operation["x-amazon-apigateway-integration"]["payloadFormatVersion"] == "2.0"
    schemes = document["components"]["securitySchemes"]
    assert schemes["MyOAuth2Auth"]["x-amazon-apigateway-authorizer"]["jwtConfiguration"] == {
        "issuer": ISSUER,
        "audience": ["client-1"],
    }
    assert document["x-amazon-apigateway-cors"]["allowOrigins"] == ["https://example.com"]
    assert export(agw, api_id, "YAML") == document
    bare = export(agw, api_id, IncludeExtensions=False)
    assert "x-amazon-apigateway-integration" not in json.dumps(bare)
    # the export imports into an equal API
    copy_id = agw.import_api(Body=json.dumps(document))["ApiId"]
    keys = lambda a: sorted(  # noqa: E731
        (r["RouteKey"], r["AuthorizationType"], tuple(r.get("AuthorizationScopes", ())))
        for r in agw.get_routes(ApiId=a)["Items"]
    )
    assert keys(copy_id) == keys(api_id)


def test_reimport_replaces_the_definition(agw: Any) -> None:
    api = agw.import_api(Body=json.dumps(sam_definition()))
    api_id = api["ApiId"]
    stage = agw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    agw.create_stage(ApiId=api_id, StageName="frozen")
    frozen = agw.create_deployment(ApiId=api_id, StageName="frozen")["DeploymentId"]
    changed = sam_definition()
    changed["info"]["title"] = "sam-app-2"
    del changed["paths"]["/pets/{id}"]
    changed["paths"]["/owners"] = {
        "post": {
            "x-amazon-apigateway-integration": {
                "type": "http_proxy",
                "uri": "https://o.example",
                "httpMethod": "POST",
            }
        }
    }
    del changed["x-amazon-apigateway-cors"]
    again = agw.reimport_api(ApiId=api_id, Body=json.dumps(changed))
    assert again["ApiId"] == api_id and again["Name"] == "sam-app-2"
    assert "CorsConfiguration" not in again
    keys = {r["RouteKey"] for r in agw.get_routes(ApiId=api_id)["Items"]}
    assert keys == {"GET /pets", "POST /owners", "$default"}
    assert len(agw.get_integrations(ApiId=api_id)["Items"]) == 3
    # the auto-deploying stage moved on; the manual one still serves the old definition
    assert (
        agw.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"] != stage["DeploymentId"]
    )
    assert agw.get_stage(ApiId=api_id, StageName="frozen")["DeploymentId"] == frozen
    assert set(export(agw, api_id, StageName="frozen")["paths"]) == {
        "/pets",
        "/pets/{id}",
        "$default",
    }
    assert error_of(agw.reimport_api, ApiId="nosuchapi", Body="{}")[0] == "NotFoundException"


def test_fail_on_warnings_and_base_paths(agw: Any) -> None:
    document = sam_definition()
    document["paths"]["/mock"] = {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}
    lenient = agw.import_api(Body=json.dumps(document))
    assert any("Unsupported integration type MOCK" in w for w in lenient["Warnings"])
    code, message, status = error_of(agw.import_api, Body=json.dumps(document), FailOnWarnings=True)
    assert (code, status) == (
        "BadRequestException",
        400,
    ) and "Warnings found during import" in message
    based = sam_definition()
    based["servers"] = [
        {"url": "https://h/{basePath}", "variables": {"basePath": {"default": "/v1"}}}
    ]
    for mode, expected in (
        (None, "GET /pets"),
        ("prepend", "GET /v1/pets"),
        ("split", "GET /pets"),
    ):
        extra = {"Basepath": mode} if mode else {}
        api_id = agw.import_api(Body=json.dumps(based), **extra)["ApiId"]
        assert expected in {r["RouteKey"] for r in agw.get_routes(ApiId=api_id)["Items"]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not: [valid", "Unable to parse the API definition"),
        ("[]", "expected a JSON or YAML object"),
        (json.dumps({"openapi": "3.0.1", "paths": {}}), "must have an info.title"),
        (json.dumps({"info": {"title": "x"}}), "OpenAPI 3.0 or Swagger 2.0"),
    ],
)
def test_bad_definitions(agw: Any, body: str, message: str) -> None:
    code, got, status = error_of(agw.import_api, Body=body)
    assert (code, status) == ("BadRequestException", 400) and message in got


def test_bad_definitions_do_not_leave_half_an_api(agw: Any) -> None:
    document = sam_definition()
    document["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["timeoutInMillis"] = 99999
    before = len(agw.get_apis(MaxResults="500")["Items"])
    code, message, _ = error_of(agw.import_api, Body=json.dumps(document))
    assert (code, message) == (
        "BadRequestException",
        "Timeout should be between 50 ms and 30000 ms",
    )
    assert len(agw.get_apis(MaxResults="500")["Items"]) == before


def test_export_refusals(agw: Any) -> None:
    api_id = agw.import_api(Body=json.dumps(sam_definition()))["ApiId"]
    assert error_of(agw.export_api, ApiId=api_id, Specification="RAML", OutputType="JSON")[0] == (
        "BadRequestException"
    )
    assert error_of(agw.export_api, ApiId=api_id, Specification="OAS30", OutputType="XML")[0] == (
        "BadRequestException"
    )
    code, message, _ = error_of(
        agw.export_api, ApiId=api_id, Specification="OAS30", OutputType="JSON", StageName="nope"
    )
    assert (code, message) == ("NotFoundException", "Invalid stage identifier specified")


def test_cli_import_and_export(tenku: TenkuProcess, tmp_path: Path) -> None:
    source = tmp_path / "api.yaml"
    source.write_text(yaml.safe_dump(sam_definition()))
    made = tenku.aws("apigatewayv2", "import-api", "--body", f"file://{source}")
    assert made.returncode == 0, made.stderr
    api_id = json.loads(made.stdout)["ApiId"]
    routes = json.loads(tenku.aws("apigatewayv2", "get-routes", "--api-id", api_id).stdout)
    assert {r["RouteKey"] for r in routes["Items"]} == {
        "GET /pets",
        "DELETE /pets/{id}",
        "$default",
    }
    target = tmp_path / "out.json"
    exported = tenku.aws(
        "apigatewayv2", "export-api", "--api-id", api_id, "--specification", "OAS30",
        "--output-type", "JSON", str(target),
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert json.loads(target.read_text())["info"]["title"] == "sam-app"
    bad = tenku.aws("apigatewayv2", "import-api", "--body", "{}", "--fail-on-warnings")
    assert bad.returncode != 0 and "BadRequestException" in bad.stderr
