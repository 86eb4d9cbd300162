"""API Gateway REST API deployments and stages over the wire: snapshots, stage settings,
refusals, and that everything survives a restart."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess


def error_of(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    status = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error["Code"], status, error["Message"]


def mock_api(apigw: Any, name: str = "deploy") -> tuple[str, str]:
    api = apigw.create_rest_api(name=name)
    root = api["rootResourceId"]
    apigw.put_method(
        restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE"
    )
    apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
    return api["id"], root


def exported_paths(apigw: Any, api_id: str, stage: str) -> dict[str, Any]:
    body = apigw.get_export(restApiId=api_id, stageName=stage, exportType="oas30")["body"].read()
    paths: dict[str, Any] = json.loads(body)["paths"]
    return paths


def test_deploy_refusals(tenku: TenkuProcess) -> None:
    apigw = tenku.client("apigateway")
    api = apigw.create_rest_api(name="empty")
    assert error_of(apigw.create_deployment, restApiId=api["id"], stageName="dev") == (
        "BadRequestException",
        400,
        "The REST API doesn't contain any methods",
    )
    apigw.put_method(
        restApiId=api["id"],
        resourceId=api["rootResourceId"],
        httpMethod="GET",
        authorizationType="NONE",
    )
    assert error_of(apigw.create_deployment, restApiId=api["id"], stageName="dev") == (
        "BadRequestException",
        400,
        "No integration defined for method",
    )
    assert error_of(apigw.create_deployment, restApiId="nosuchapi1")[0] == "NotFoundException"
    assert apigw.get_stages(restApiId=api["id"])["item"] == []


def test_snapshot_is_what_the_stage_serves(tenku: TenkuProcess) -> None:
    apigw = tenku.client("apigateway")
    api_id, root = mock_api(apigw, "snap")
    first = apigw.create_deployment(restApiId=api_id, stageName="dev", description="v1")
    assert len(first["id"]) == 6 and first["description"] == "v1"
    stage = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert stage["deploymentId"] == first["id"] and stage["tracingEnabled"] is False
    assert list(exported_paths(apigw, api_id, "dev")) == ["/"]
    # a change to the working copy is not served until the next deployment
    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")
    apigw.put_method(
        restApiId=api_id, resourceId=pets["id"], httpMethod="POST", authorizationType="NONE"
    )
    apigw.put_integration(restApiId=api_id, resourceId=pets["id"], httpMethod="POST", type="MOCK")
    assert list(exported_paths(apigw, api_id, "dev")) == ["/"]
    second = apigw.create_deployment(restApiId=api_id, stageName="dev")
    assert apigw.get_stage(restApiId=api_id, stageName="dev")["deploymentId"] == second["id"]
    assert list(exported_paths(apigw, api_id, "dev")) == ["/", "/pets"]
    summary = apigw.get_deployment(
        restApiId=api_id, deploymentId=second["id"], embed=["apisummary"]
    )
    assert summary["apiSummary"]["/pets"]["POST"] == {
        "authorizationType": "NONE",
        "apiKeyRequired": False,
    }
    ids = [d["id"] for d in apigw.get_deployments(restApiId=api_id)["items"]]
    assert ids == [first["id"], second["id"]]
    # an old deployment can be served by another stage
    apigw.create_stage(restApiId=api_id, stageName="old", deploymentId=first["id"])
    assert list(exported_paths(apigw, api_id, "old")) == ["/"]
    assert error_of(apigw.delete_deployment, restApiId=api_id, deploymentId=first["id"]) == (
        "BadRequestException",
        400,
        "Active stages pointing to this deployment must be moved or deleted",
    )
    apigw.update_stage(
        restApiId=api_id,
        stageName="old",
        patchOperations=[{"op": "replace", "path": "/deploymentId", "value": second["id"]}],
    )
    apigw.delete_deployment(restApiId=api_id, deploymentId=first["id"])
    assert error_of(apigw.get_deployment, restApiId=api_id, deploymentId=first["id"]) == (
        "NotFoundException",
        404,
        "Invalid Deployment identifier specified",
    )


def test_stage_settings(tenku: TenkuProcess) -> None:
    apigw = tenku.client("apigateway")
    api_id, _root = mock_api(apigw, "stages")
    deployment = apigw.create_deployment(restApiId=api_id)
    stage = apigw.create_stage(
        restApiId=api_id,
        stageName="prod",
        deploymentId=deployment["id"],
        variables={"lambdaAlias": "live"},
        tracingEnabled=True,
        description="production",
    )
    assert stage["variables"] == {"lambdaAlias": "live"} and stage["tracingEnabled"] is True
    assert error_of(
        apigw.create_stage, restApiId=api_id, stageName="prod", deploymentId=deployment["id"]
    ) == ("ConflictException", 409, "Stage already exists")
    assert error_of(apigw.create_stage, restApiId=api_id, stageName="x", deploymentId="nosuch") == (
        "NotFoundException",
        404,
        "Invalid Deployment identifier specified",
    )
    updated = apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/variables/lambdaAlias", "value": "canary"},
            {"op": "add", "path": "/variables/table", "value": "orders"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "100"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50.5"},
            {"op": "replace", "path": "/~1orders/GET/logging/loglevel", "value": "INFO"},
            {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": "arn:aws:logs:us-east-1:000000000000:log-group:access",
            },
            {"op": "replace", "path": "/tracingEnabled", "value": "false"},
        ],
    )
    assert updated["variables"] == {"lambdaAlias": "canary", "table": "orders"}
    assert updated["methodSettings"]["*/*"]["throttlingBurstLimit"] == 100
    assert updated["methodSettings"]["*/*"]["throttlingRateLimit"] == 50.5
    assert updated["methodSettings"]["orders/GET"]["loggingLevel"] == "INFO"
    assert updated["accessLogSettings"] == {
        "format": "$context.requestId",
        "destinationArn": "arn:aws:logs:us-east-1:000000000000:log-group:access",
    }
    assert updated["tracingEnabled"] is False
    removed = apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "remove", "path": "/variables/table"},
            {"op": "remove", "path": "/accessLogSettings"},
            {"op": "remove", "path": "/*/*"},
        ],
    )
    assert removed["variables"] == {"lambdaAlias": "canary"}
    assert "accessLogSettings" not in removed and "*/*" not in removed["methodSettings"]
    for bad in (
        [{"op": "replace", "path": "/deploymentId", "value": "nosuch"}],
        [{"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "many"}],
        [{"op": "add", "path": "/variables/bad-name", "value": "x"}],
        [{"op": "replace", "path": "/stageName", "value": "x"}],
    ):
        code, status, _ = error_of(
            apigw.update_stage, restApiId=api_id, stageName="prod", patchOperations=bad
        )
        assert (code, status) == ("BadRequestException", 400)
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]] == ["prod"]
    apigw.delete_stage(restApiId=api_id, stageName="prod")
    assert error_of(apigw.get_stage, restApiId=api_id, stageName="prod") == (
        "NotFoundException",
        404,
        "Invalid Stage identifier specified",
    )


def test_deployment_with_a_stage_name_updates_an_existing_stage(tenku: TenkuProcess) -> None:
    apigw = tenku.client("apigateway")
    api_id, _root = mock_api(apigw, "redeploy")
    apigw.create_deployment(restApiId=api_id, stageName="dev", variables={"a": "1"})
    second = apigw.create_deployment(restApiId=api_id, stageName="dev", variables={"b": "2"})
    stage = apigw.get_stage(restApiId=api_id, stageName="dev")
    assert stage["deploymentId"] == second["id"]
    assert stage["variables"] == {"a": "1", "b": "2"}
    assert error_of(apigw.create_deployment, restApiId=api_id, stageName="bad name")[0] == (
        "BadRequestException"
    )


def test_everything_survives_a_restart(fresh_tenku: TenkuProcess) -> None:
    apigw = fresh_tenku.client("apigateway")
    api_id, root = mock_api(apigw, "durable")
    authorizer = apigw.create_authorizer(
        restApiId=api_id,
        name="auth",
        type="REQUEST",
        authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations",
        identitySource="method.request.header.Authorization",
    )
    deployment = apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"v": "1"})
    key = apigw.create_api_key(name="k", enabled=True)
    plan = apigw.create_usage_plan(name="p", apiStages=[{"apiId": api_id, "stage": "prod"}])
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    fresh_tenku.kill()  # SIGKILL: only what was committed may come back
    fresh_tenku.start()
    apigw = fresh_tenku.client("apigateway")
    assert apigw.get_rest_api(restApiId=api_id)["name"] == "durable"
    assert (
        apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")["methodIntegration"][
            "type"
        ]
        == "MOCK"
    )
    assert apigw.get_authorizer(restApiId=api_id, authorizerId=authorizer["id"])["name"] == "auth"
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == deployment["id"] and stage["variables"] == {"v": "1"}
    assert list(exported_paths(apigw, api_id, "prod")) == ["/"]
    assert apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == [
        key["id"]
    ]
