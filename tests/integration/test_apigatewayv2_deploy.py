"""Stages and deployments of HTTP APIs through boto3 and the AWS CLI: stage settings,
manual deployments that freeze a snapshot, auto-deploy after every change, refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.test_apigatewayv2_apis import FN, error_of, new_api

LOGS = "arn:aws:logs:us-east-1:000000000000:log-group:api-access"


@pytest.fixture(scope="module")
def agw(tenku: TenkuProcess) -> Any:
    return tenku.client("apigatewayv2")


def api_with_route(agw: Any, key: str = "GET /a") -> tuple[str, str]:
    api_id = new_api(agw)
    integration = agw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=FN, PayloadFormatVersion="2.0"
    )["IntegrationId"]
    agw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}")
    return api_id, integration


def test_stage_lifecycle(agw: Any) -> None:
    api_id, _ = api_with_route(agw)
    stage = agw.create_stage(
        ApiId=api_id,
        StageName="prod",
        Description="production",
        StageVariables={"table": "orders", "mode": "live"},
        AccessLogSettings={"DestinationArn": LOGS, "Format": "$context.requestId $context.status"},
        DefaultRouteSettings={"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50.0},
        RouteSettings={"GET /a": {"ThrottlingBurstLimit": 5, "ThrottlingRateLimit": 1.5}},
    )
    assert stage["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert stage["AutoDeploy"] is False and "DeploymentId" not in stage
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 100
    assert stage["RouteSettings"]["GET /a"]["ThrottlingRateLimit"] == 1.5
    updated = agw.update_stage(
        ApiId=api_id,
        StageName="prod",
        StageVariables={"mode": "maintenance", "table": ""},
        RouteSettings={"GET /a": {"ThrottlingBurstLimit": 7}},
    )
    assert updated["StageVariables"] == {"mode": "maintenance"}
    assert updated["RouteSettings"]["GET /a"] == {
        "ThrottlingBurstLimit": 7,
        "ThrottlingRateLimit": 1.5,
    }
    assert updated["LastUpdatedDate"] >= stage["LastUpdatedDate"]
    agw.delete_route_settings(ApiId=api_id, StageName="prod", RouteKey="GET /a")
    agw.delete_access_log_settings(ApiId=api_id, StageName="prod")
    got = agw.get_stage(ApiId=api_id, StageName="prod")
    assert got["RouteSettings"] == {} and "AccessLogSettings" not in got
    agw.create_stage(ApiId=api_id, StageName="dev")
    assert [s["StageName"] for s in agw.get_stages(ApiId=api_id)["Items"]] == ["prod", "dev"]
    agw.delete_stage(ApiId=api_id, StageName="dev")
    code, message, status = error_of(agw.get_stage, ApiId=api_id, StageName="dev")
    assert (code, message, status) == (
        "NotFoundException",
        "Invalid stage identifier specified",
        404,
    )


def test_stage_refusals(agw: Any) -> None:
    api_id, _ = api_with_route(agw)
    agw.create_stage(ApiId=api_id, StageName="prod")
    code, message, status = error_of(agw.create_stage, ApiId=api_id, StageName="prod")
    assert (code, message, status) == ("ConflictException", "Stage already exists", 409)
    bad = [
        ({"StageName": "bad name"}, "Stage name only allows"),
        ({"StageName": "s", "RouteSettings": {"GET /nope": {}}},
         "Unable to find Route by key GET /nope within the provided RouteSettings"),
        ({"StageName": "s",
          "AccessLogSettings": {"DestinationArn": "arn:aws:s3:::b", "Format": "x"}},
         "Invalid CloudWatch Logs log group ARN"),
        ({"StageName": "s", "AccessLogSettings": {"DestinationArn": LOGS}},
         "Access log format must be specified"),
        ({"StageName": "s", "StageVariables": {"a-b": "x"}}, "Stage variable name a-b"),
        ({"StageName": "s", "DeploymentId": "nope00"},
         "Invalid Deployment identifier specified nope00"),
    ]  # fmt: skip
    for params, message in bad:
        code, got, _ = error_of(agw.create_stage, ApiId=api_id, **params)
        assert code in ("BadRequestException", "NotFoundException") and message in got, got


def test_manual_deployments_freeze_a_snapshot(agw: Any, tenku: TenkuProcess) -> None:
    api_id, integration = api_with_route(agw)
    agw.create_stage(ApiId=api_id, StageName="prod")
    first = agw.create_deployment(ApiId=api_id, StageName="prod", Description="first")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (first["DeploymentStatus"], first["AutoDeployed"]) == ("DEPLOYED", False)
    assert agw.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == first["DeploymentId"]
    agw.create_route(ApiId=api_id, RouteKey="POST /b", Target=f"integrations/{integration}")
    # nothing new deployed: the stage still serves the first snapshot (one route)
    assert len(agw.get_deployments(ApiId=api_id)["Items"]) == 1
    exported = json.loads(
        agw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", StageName="prod")[
            "body"
        ].read()
    )
    assert list(exported["paths"]) == ["/a"]
    second = agw.create_deployment(ApiId=api_id, StageName="prod")
    exported = json.loads(
        agw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", StageName="prod")[
            "body"
        ].read()
    )
    assert sorted(exported["paths"]) == ["/a", "/b"]
    # an unattached deployment, then pointing the stage back at the first one
    third = agw.create_deployment(ApiId=api_id)
    agw.update_stage(ApiId=api_id, StageName="prod", DeploymentId=first["DeploymentId"])
    assert agw.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == first["DeploymentId"]
    assert (
        agw.get_deployment(ApiId=api_id, DeploymentId=first["DeploymentId"])["Description"]
        == "first"
    )
    agw.update_deployment(ApiId=api_id, DeploymentId=third["DeploymentId"], Description="spare")
    code, message, _ = error_of(
        agw.delete_deployment, ApiId=api_id, DeploymentId=first["DeploymentId"]
    )
    assert (code, message) == (
        "BadRequestException",
        "Active stages pointing to this deployment must be moved or deleted",
    )
    agw.delete_deployment(ApiId=api_id, DeploymentId=second["DeploymentId"])
    ids = [d["DeploymentId"] for d in agw.get_deployments(ApiId=api_id)["Items"]]
    assert ids == [first["DeploymentId"], third["DeploymentId"]]
    code, message, status = error_of(agw.get_deployment, ApiId=api_id, DeploymentId="gone00")
    assert (code, message, status) == (
        "NotFoundException",
        "Invalid Deployment identifier specified gone00",
        404,
    )


def test_deploying_an_api_without_routes(agw: Any) -> None:
    api_id = new_api(agw)
    code, message, status = error_of(agw.create_deployment, ApiId=api_id)
    assert (code, message, status) == (
        "BadRequestException",
        "Unable to deploy API because no routes exist in this API",
        400,
    )
    stage = agw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    assert "DeploymentId" not in stage
    assert stage["LastDeploymentStatusMessage"] == (
        "Deployment attempt failed: Unable to deploy API because no routes exist in this API"
    )
    assert error_of(agw.create_deployment, ApiId=api_id, StageName="nope")[0] == "NotFoundException"


def test_auto_deploy_after_every_change(agw: Any) -> None:
    api_id, integration = api_with_route(agw)
    stage = agw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    first = stage["DeploymentId"]
    assert (
        stage["LastDeploymentStatusMessage"]
        == f"Successfully deployed stage with deployment ID '{first}'"
    )
    manual = agw.create_stage(ApiId=api_id, StageName="manual")
    changes = [
        lambda: agw.create_route(
            ApiId=api_id, RouteKey="GET /b", Target=f"integrations/{integration}"
        ),
        lambda: agw.update_integration(
            ApiId=api_id, IntegrationId=integration, TimeoutInMillis=2000
        ),
        lambda: agw.update_api(ApiId=api_id, CorsConfiguration={"AllowOrigins": ["*"]}),
        lambda: agw.delete_cors_configuration(ApiId=api_id),
    ]
    seen = {first}
    for change in changes:
        change()
        current = agw.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
        assert current not in seen
        seen.add(current)
    deployments = agw.get_deployments(ApiId=api_id)["Items"]
    assert len(deployments) == 5 and all(d["AutoDeployed"] for d in deployments)
    assert "DeploymentId" not in agw.get_stage(ApiId=api_id, StageName=manual["StageName"])
    # a manual stage can be switched to auto-deploy: it deploys at once
    switched = agw.update_stage(ApiId=api_id, StageName="manual", AutoDeploy=True)
    assert switched["DeploymentId"] not in seen
    code, _, _ = error_of(agw.update_stage, ApiId=api_id, StageName="manual", DeploymentId=first)
    assert code == "BadRequestException"


def test_cli_stage_and_deployment(tenku: TenkuProcess, agw: Any) -> None:
    api_id, _ = api_with_route(agw)
    made = tenku.aws(
        "apigatewayv2", "create-stage", "--api-id", api_id, "--stage-name", "beta",
        "--stage-variables", "color=blue",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["StageVariables"] == {"color": "blue"}
    deployed = tenku.aws(
        "apigatewayv2", "create-deployment", "--api-id", api_id, "--stage-name", "beta"
    )
    assert deployed.returncode == 0, deployed.stderr
    deployment_id = json.loads(deployed.stdout)["DeploymentId"]
    stage = json.loads(
        tenku.aws("apigatewayv2", "get-stage", "--api-id", api_id, "--stage-name", "beta").stdout
    )
    assert stage["DeploymentId"] == deployment_id
    dup = tenku.aws("apigatewayv2", "create-stage", "--api-id", api_id, "--stage-name", "beta")
    assert dup.returncode != 0 and "ConflictException" in dup.stderr
