"""API keys and usage plans over the wire, and a few API Gateway calls through the AWS CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def apigw(tenku: TenkuProcess) -> Any:
    return tenku.client("apigateway")


def error_of(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    status = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error["Code"], status, error["Message"]


def deployed_api(apigw: Any, stage: str = "prod") -> str:
    api = apigw.create_rest_api(name="keys")
    root = api["rootResourceId"]
    apigw.put_method(
        restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE",
        apiKeyRequired=True,
    )  # fmt: skip
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api["id"], stageName=stage)
    api_id: str = api["id"]
    return api_id


def test_api_keys(apigw: Any) -> None:
    generated = apigw.create_api_key(name="generated", enabled=True, description="d")
    assert len(generated["value"]) >= 20 and generated["enabled"] is True
    given = apigw.create_api_key(name="given", value="a" * 30, customerId="c1")
    assert given["value"] == "a" * 30 and given["enabled"] is False
    assert "value" not in apigw.get_api_key(apiKey=given["id"])
    assert apigw.get_api_key(apiKey=given["id"], includeValue=True)["value"] == "a" * 30
    listed = apigw.get_api_keys(nameQuery="giv", includeValues=True)["items"]
    assert [(k["id"], k["value"]) for k in listed] == [(given["id"], "a" * 30)]
    assert all("value" not in k for k in apigw.get_api_keys()["items"])
    assert [k["id"] for k in apigw.get_api_keys(customerId="c1")["items"]] == [given["id"]]
    updated = apigw.update_api_key(
        apiKey=given["id"],
        patchOperations=[
            {"op": "replace", "path": "/enabled", "value": "true"},
            {"op": "replace", "path": "/description", "value": "now on"},
        ],
    )
    assert updated["enabled"] is True and updated["description"] == "now on"
    assert error_of(apigw.create_api_key, name="dup", value="a" * 30) == (
        "ConflictException",
        409,
        "API Key already exists",
    )
    assert error_of(apigw.create_api_key, name="short", value="tooshort") == (
        "BadRequestException",
        400,
        "API Key value should be at least 20 characters",
    )
    assert (
        error_of(
            apigw.update_api_key,
            apiKey=given["id"],
            patchOperations=[{"op": "replace", "path": "/value", "value": "b" * 30}],
        )[0]
        == "BadRequestException"
    )
    apigw.delete_api_key(apiKey=given["id"])
    assert error_of(apigw.get_api_key, apiKey=given["id"]) == (
        "NotFoundException",
        404,
        "Invalid API Key identifier specified",
    )
    apigw.delete_api_key(apiKey=generated["id"])


def test_usage_plans_and_keys(apigw: Any) -> None:
    api_id = deployed_api(apigw)
    plan = apigw.create_usage_plan(
        name="gold",
        description="for paying users",
        apiStages=[{"apiId": api_id, "stage": "prod"}],
        throttle={"burstLimit": 20, "rateLimit": 10.0},
        quota={"limit": 1000, "period": "MONTH"},
    )
    assert plan["apiStages"] == [{"apiId": api_id, "stage": "prod"}]
    assert plan["throttle"] == {"burstLimit": 20, "rateLimit": 10.0}
    assert plan["quota"] == {"limit": 1000, "offset": 0, "period": "MONTH"}
    key = apigw.create_api_key(name="customer", enabled=True)
    plan_key = apigw.create_usage_plan_key(
        usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY"
    )
    assert plan_key == {
        "id": key["id"],
        "type": "API_KEY",
        "value": key["value"],
        "name": "customer",
        "ResponseMetadata": plan_key["ResponseMetadata"],
    }
    assert (
        error_of(
            apigw.create_usage_plan_key, usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY"
        )[0]
        == "ConflictException"
    )
    assert error_of(
        apigw.create_usage_plan_key, usagePlanId=plan["id"], keyId="nosuchkey1", keyType="API_KEY"
    ) == ("NotFoundException", 404, "Invalid API Key identifier specified")
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == [
        key["id"]
    ]
    assert apigw.get_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])["name"] == "customer"
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]] == [plan["id"]]
    updated = apigw.update_usage_plan(
        usagePlanId=plan["id"],
        patchOperations=[
            {"op": "replace", "path": "/throttle/rateLimit", "value": "5"},
            {"op": "replace", "path": "/quota/limit", "value": "50"},
            {"op": "replace", "path": "/quota/period", "value": "DAY"},
            {"op": "remove", "path": "/apiStages", "value": f"{api_id}:prod"},
        ],
    )
    assert updated["throttle"]["rateLimit"] == 5.0
    assert updated["quota"] == {"limit": 50, "offset": 0, "period": "DAY"}
    assert updated["apiStages"] == []
    readded = apigw.update_usage_plan(
        usagePlanId=plan["id"],
        patchOperations=[{"op": "add", "path": "/apiStages", "value": f"{api_id}:prod"}],
    )
    assert readded["apiStages"] == [{"apiId": api_id, "stage": "prod"}]
    assert error_of(
        apigw.update_usage_plan,
        usagePlanId=plan["id"],
        patchOperations=[{"op": "add", "path": "/apiStages", "value": f"{api_id}:nosuch"}],
    ) == ("BadRequestException", 400, f"API Stage not found: {api_id}:nosuch")
    assert (
        error_of(
            apigw.create_usage_plan,
            name="bad",
            apiStages=[{"apiId": "nosuchapi1", "stage": "prod"}],
        )[2]
        == "API Stage not found: nosuchapi1:prod"
    )
    apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    assert error_of(apigw.get_usage_plan_key, usagePlanId=plan["id"], keyId=key["id"])[0] == (
        "NotFoundException"
    )
    apigw.delete_usage_plan(usagePlanId=plan["id"])
    assert error_of(apigw.get_usage_plan, usagePlanId=plan["id"]) == (
        "NotFoundException",
        404,
        "Invalid Usage Plan ID specified",
    )


def cli(tenku: TenkuProcess, *args: str) -> Any:
    done = tenku.aws("apigateway", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_aws_cli_builds_and_deploys_an_api(tenku: TenkuProcess) -> None:
    api = cli(
        tenku, "create-rest-api", "--name", "cli-api", "--endpoint-configuration", "types=REGIONAL"
    )
    api_id, root = api["id"], api["rootResourceId"]
    users = cli(
        tenku,
        "create-resource",
        "--rest-api-id",
        api_id,
        "--parent-id",
        root,
        "--path-part",
        "users",
    )
    cli(
        tenku, "put-method", "--rest-api-id", api_id, "--resource-id", users["id"],
        "--http-method", "GET", "--authorization-type", "NONE",
    )  # fmt: skip
    integration = cli(
        tenku, "put-integration", "--rest-api-id", api_id, "--resource-id", users["id"],
        "--http-method", "GET", "--type", "AWS_PROXY", "--integration-http-method", "POST",
        "--uri", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:000000000000:function:users/invocations",
    )  # fmt: skip
    assert integration["httpMethod"] == "POST"
    deployment = cli(tenku, "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
    stage = cli(tenku, "get-stage", "--rest-api-id", api_id, "--stage-name", "dev")
    assert stage["deploymentId"] == deployment["id"]
    updated = cli(
        tenku, "update-stage", "--rest-api-id", api_id, "--stage-name", "dev",
        "--patch-operations", "op=replace,path=/variables/env,value=dev",
    )  # fmt: skip
    assert updated["variables"] == {"env": "dev"}
    resources = cli(tenku, "get-resources", "--rest-api-id", api_id)["items"]
    assert {r["path"] for r in resources} == {"/", "/users"}
    failed = tenku.aws(
        "apigateway", "put-integration", "--rest-api-id", api_id, "--resource-id", users["id"],
        "--http-method", "GET", "--type", "HTTP", "--uri", "https://example.com",
    )  # fmt: skip
    assert failed.returncode != 0
    assert "BadRequestException" in failed.stderr
    assert "Enumeration value for HttpMethod must be non-empty" in failed.stderr
    missing = tenku.aws("apigateway", "get-rest-api", "--rest-api-id", "nosuchapi1")
    assert "NotFoundException" in missing.stderr
    cli(tenku, "delete-rest-api", "--rest-api-id", api_id)


def test_aws_cli_imports_a_definition(tenku: TenkuProcess, tmp_path: Any) -> None:
    definition = tmp_path / "api.json"
    definition.write_text(
        json.dumps(
            {
                "openapi": "3.0.1",
                "info": {"title": "cli-import", "version": "1"},
                "paths": {
                    "/ping": {
                        "get": {"x-amazon-apigateway-integration": {"type": "mock"}},
                    }
                },
            }
        )
    )
    api = cli(tenku, "import-rest-api", "--body", f"fileb://{definition}")
    assert api["name"] == "cli-import"
    keys = cli(tenku, "create-api-key", "--name", "cli-key", "--enabled")
    assert keys["enabled"] is True
    listed = cli(tenku, "get-api-keys", "--include-values")["items"]
    assert any(k["id"] == keys["id"] and k["value"] == keys["value"] for k in listed)
