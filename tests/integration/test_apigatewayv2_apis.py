"""API Gateway V2 APIs through boto3 and the AWS CLI: create, get, list with paging,
update, delete, quick create, CORS, tags, endpoint URLs, restart survival, bad input."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess

FN = "arn:aws:lambda:us-east-1:000000000000:function:app"
FN_URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/invocations"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"


@pytest.fixture(scope="module")
def agw(tenku: TenkuProcess) -> Any:
    return tenku.client("apigatewayv2")


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def new_api(agw: Any, **extra: Any) -> str:
    return str(
        agw.create_api(Name=f"api-{uuid.uuid4().hex[:8]}", ProtocolType="HTTP", **extra)["ApiId"]
    )


def test_create_get_update_delete(agw: Any, tenku: TenkuProcess) -> None:
    created = agw.create_api(
        Name="orders",
        ProtocolType="HTTP",
        Description="the orders API",
        Version="v1",
        DisableExecuteApiEndpoint=True,
        CorsConfiguration={
            "AllowOrigins": ["https://shop.example"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["content-type", "authorization"],
            "ExposeHeaders": ["x-request-id"],
            "MaxAge": 300,
            "AllowCredentials": True,
        },
        Tags={"team": "checkout"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    api_id = created["ApiId"]
    assert len(api_id) == 10 and api_id.isalnum() and api_id.islower()
    assert created["ApiEndpoint"] == f"http://{api_id}.execute-api.localhost:{tenku.port}"
    assert created["RouteSelectionExpression"] == "$request.method $request.path"
    assert created["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert created["DisableExecuteApiEndpoint"] is True
    assert created["CorsConfiguration"]["MaxAge"] == 300
    assert created["Tags"] == {"team": "checkout"}
    fetched = agw.get_api(ApiId=api_id)
    for key in ("Name", "Description", "Version", "CorsConfiguration", "CreatedDate", "Tags"):
        assert fetched[key] == created[key]

    updated = agw.update_api(
        ApiId=api_id, Name="orders-v2", CorsConfiguration={"AllowOrigins": ["*"]}
    )
    assert updated["Name"] == "orders-v2" and updated["Description"] == "the orders API"
    assert updated["CorsConfiguration"] == {"AllowOrigins": ["*"]}
    agw.delete_cors_configuration(ApiId=api_id)
    assert "CorsConfiguration" not in agw.get_api(ApiId=api_id)

    agw.delete_api(ApiId=api_id)
    code, message, status = error_of(agw.get_api, ApiId=api_id)
    assert (code, status) == ("NotFoundException", 404)
    assert message == f"Invalid API identifier specified 000000000000:{api_id}"


def test_unknown_api_everywhere(agw: Any) -> None:
    expected = ("NotFoundException", "Invalid API identifier specified 000000000000:nosuchapi", 404)
    assert error_of(agw.get_api, ApiId="nosuchapi") == expected
    assert error_of(agw.update_api, ApiId="nosuchapi", Name="x") == expected
    assert error_of(agw.delete_api, ApiId="nosuchapi") == expected
    assert error_of(agw.get_routes, ApiId="nosuchapi") == expected
    assert error_of(agw.create_stage, ApiId="nosuchapi", StageName="s") == expected
    assert error_of(agw.delete_cors_configuration, ApiId="nosuchapi") == expected


def test_apis_are_scoped_by_region(agw: Any, tenku: TenkuProcess) -> None:
    api_id = new_api(agw)
    other = tenku.client("apigatewayv2", region="eu-west-1")
    assert error_of(other.get_api, ApiId=api_id)[0] == "NotFoundException"
    assert api_id not in {a["ApiId"] for a in other.get_apis()["Items"]}


def test_paging_through_apis(tenku: TenkuProcess) -> None:
    agw = tenku.client("apigatewayv2", region="ap-south-1")  # a region of its own
    made = [new_api(agw) for _ in range(7)]
    page = agw.get_apis(MaxResults="3")
    assert [a["ApiId"] for a in page["Items"]] == made[:3] and page["NextToken"]
    seen: list[str] = []
    for page in agw.get_paginator("get_apis").paginate(PaginationConfig={"PageSize": 2}):
        seen += [a["ApiId"] for a in page["Items"]]
    assert seen == made
    assert "NextToken" not in agw.get_apis(MaxResults="7")
    assert error_of(agw.get_apis, MaxResults="many")[0] == "BadRequestException"
    assert error_of(agw.get_apis, MaxResults="0")[0] == "BadRequestException"
    assert error_of(agw.get_apis, NextToken="not-a-token")[0:3:2] == ("BadRequestException", 400)


def test_quick_create(agw: Any) -> None:
    api = agw.create_api(Name="quick", ProtocolType="HTTP", Target=FN, RouteKey="GET /hello")
    api_id = api["ApiId"]
    (route,) = agw.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "GET /hello" and route["ApiGatewayManaged"] is True
    (integration,) = agw.get_integrations(ApiId=api_id)["Items"]
    assert route["Target"] == f"integrations/{integration['IntegrationId']}"
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationMethod"] == "POST"
    assert integration["TimeoutInMillis"] == 30000
    assert integration["ApiGatewayManaged"] is True
    (stage,) = agw.get_stages(ApiId=api_id)["Items"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    assert stage["ApiGatewayManaged"] is True
    (deployment,) = agw.get_deployments(ApiId=api_id)["Items"]
    assert stage["DeploymentId"] == deployment["DeploymentId"]
    assert deployment["AutoDeployed"] is True and deployment["DeploymentStatus"] == "DEPLOYED"
    assert stage["LastDeploymentStatusMessage"] == (
        f"Successfully deployed stage with deployment ID '{deployment['DeploymentId']}'"
    )
    # the default route key, and an HTTP URL as target
    url_api = agw.create_api(Name="proxy", ProtocolType="HTTP", Target="https://backend.example")
    (route,) = agw.get_routes(ApiId=url_api["ApiId"])["Items"]
    (integration,) = agw.get_integrations(ApiId=url_api["ApiId"])["Items"]
    assert route["RouteKey"] == "$default"
    assert (integration["IntegrationType"], integration["IntegrationMethod"]) == (
        "HTTP_PROXY",
        "ANY",
    )
    assert integration["PayloadFormatVersion"] == "1.0"
    # UpdateApi changes the managed route and integration, and redeploys
    agw.update_api(ApiId=api_id, RouteKey="POST /hello", Target=FN_URI)
    (route,) = agw.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "POST /hello"
    assert agw.get_integrations(ApiId=api_id)["Items"][0]["IntegrationUri"] == FN_URI
    assert len(agw.get_deployments(ApiId=api_id)["Items"]) == 2


def test_quick_create_refusals(agw: Any) -> None:
    code, message, _ = error_of(agw.create_api, Name="q", ProtocolType="HTTP", Target="ftp://x")
    assert code == "BadRequestException" and "Invalid target specified: ftp://x" in message
    code, message, _ = error_of(agw.create_api, Name="q", ProtocolType="HTTP", RouteKey="GET /a")
    assert code == "BadRequestException" and "only be specified with Target" in message
    code, message, _ = error_of(
        agw.create_api, Name="q", ProtocolType="HTTP", Target=FN, RouteKey="GET a"
    )
    assert message.startswith("Invalid route key: GET a.")
    code, _, _ = error_of(
        agw.create_api,
        Name="ws",
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression="$request.body.action",
        Target=FN,
    )
    assert code == "BadRequestException"
    assert error_of(agw.update_api, ApiId=new_api(agw), Target=FN)[0] == "BadRequestException"


def test_create_api_bad_input(agw: Any) -> None:
    code, message, status = error_of(agw.create_api, Name="x", ProtocolType="SOAP")
    assert (code, status) == ("BadRequestException", 400)
    assert message == "Invalid protocol specified. Must be one of [HTTP, WEBSOCKET]"
    code, message, _ = error_of(agw.create_api, Name="ws", ProtocolType="WEBSOCKET")
    assert message == "RouteSelectionExpression must be specified for WEBSOCKET APIs."
    code, message, _ = error_of(
        agw.create_api, Name="x", ProtocolType="HTTP", RouteSelectionExpression="$request.body.x"
    )
    assert code == "BadRequestException"
    bad_cors = [
        ({"AllowOrigins": ["*"], "AllowCredentials": True}, "wildcard"),
        ({"AllowMethods": ["FETCH"]}, "AllowMethods value specified: FETCH"),
        ({"MaxAge": 86401}, "MaxAge must be between -1 and 86400"),
    ]
    for cors, why in bad_cors:
        code, message, _ = error_of(
            agw.create_api, Name="x", ProtocolType="HTTP", CorsConfiguration=cors
        )
        assert code == "BadRequestException" and why in message


def test_websocket_apis_are_stored(agw: Any) -> None:
    api = agw.create_api(
        Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )
    assert api["ApiEndpoint"].startswith(f"ws://{api['ApiId']}.execute-api.localhost:")
    route = agw.create_route(ApiId=api["ApiId"], RouteKey="$connect")
    assert route["RouteKey"] == "$connect"
    assert agw.get_api(ApiId=api["ApiId"])["ProtocolType"] == "WEBSOCKET"


def test_tags_on_apis_and_stages(agw: Any) -> None:
    api_id = new_api(agw, Tags={"a": "1"})
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api_id}"
    agw.tag_resource(ResourceArn=arn, Tags={"b": "2", "a": "one"})
    assert agw.get_tags(ResourceArn=arn)["Tags"] == {"a": "one", "b": "2"}
    agw.untag_resource(ResourceArn=arn, TagKeys=["a", "missing"])
    assert agw.get_tags(ResourceArn=arn)["Tags"] == {"b": "2"}
    assert agw.get_api(ApiId=api_id)["Tags"] == {"b": "2"}
    agw.create_stage(ApiId=api_id, StageName="prod", Tags={"s": "1"})
    stage_arn = f"{arn}/stages/prod"
    agw.tag_resource(ResourceArn=stage_arn, Tags={"t": "2"})
    assert agw.get_tags(ResourceArn=stage_arn)["Tags"] == {"s": "1", "t": "2"}
    assert agw.get_stage(ApiId=api_id, StageName="prod")["Tags"] == {"s": "1", "t": "2"}
    code, _, status = error_of(agw.get_tags, ResourceArn=f"{arn}/stages/nope")
    assert (code, status) == ("NotFoundException", 404)
    code, _, _ = error_of(
        agw.get_tags, ResourceArn="arn:aws:apigateway:us-east-1::/apis/zz0000zz00"
    )
    assert code == "NotFoundException"
    code, _, _ = error_of(
        agw.tag_resource, ResourceArn="arn:aws:sqs:us-east-1:1:q", Tags={"a": "b"}
    )
    assert code == "BadRequestException"


def test_cli_create_and_list(tenku: TenkuProcess) -> None:
    made = tenku.aws(
        "apigatewayv2", "create-api", "--name", "cli-api", "--protocol-type", "HTTP",
        "--cors-configuration", "AllowOrigins=https://a.example,MaxAge=60",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    api = json.loads(made.stdout)
    assert api["CorsConfiguration"] == {"AllowOrigins": ["https://a.example"], "MaxAge": 60}
    listed = tenku.aws("apigatewayv2", "get-apis")
    assert api["ApiId"] in {a["ApiId"] for a in json.loads(listed.stdout)["Items"]}
    missing = tenku.aws("apigatewayv2", "get-api", "--api-id", "nosuchapi")
    assert missing.returncode != 0
    assert "NotFoundException" in missing.stderr
    assert "Invalid API identifier specified 000000000000:nosuchapi" in missing.stderr


def test_everything_survives_kill_9(fresh_tenku: TenkuProcess) -> None:
    agw = fresh_tenku.client("apigatewayv2")
    api_id = agw.create_api(Name="durable", ProtocolType="HTTP", Target=FN, RouteKey="GET /a")[
        "ApiId"
    ]
    authorizer = agw.create_authorizer(
        ApiId=api_id,
        AuthorizerType="JWT",
        Name="jwt",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": ISSUER, "Audience": ["c"]},
    )
    agw.create_stage(ApiId=api_id, StageName="prod", StageVariables={"k": "v"})
    deployment = agw.create_deployment(ApiId=api_id, StageName="prod")
    before = {
        "api": agw.get_api(ApiId=api_id),
        "routes": agw.get_routes(ApiId=api_id)["Items"],
        "integrations": agw.get_integrations(ApiId=api_id)["Items"],
        "stages": agw.get_stages(ApiId=api_id)["Items"],
        "deployments": agw.get_deployments(ApiId=api_id)["Items"],
    }
    fresh_tenku.kill()
    fresh_tenku.start()
    agw = fresh_tenku.client("apigatewayv2")
    api = agw.get_api(ApiId=api_id)
    assert api["ApiEndpoint"] == f"http://{api_id}.execute-api.localhost:{fresh_tenku.port}"
    for key in ("Name", "CreatedDate", "Tags"):
        assert api[key] == before["api"][key]
    assert agw.get_routes(ApiId=api_id)["Items"] == before["routes"]
    assert agw.get_integrations(ApiId=api_id)["Items"] == before["integrations"]
    assert agw.get_stages(ApiId=api_id)["Items"] == before["stages"]
    assert agw.get_deployments(ApiId=api_id)["Items"] == before["deployments"]
    assert (
        agw.get_authorizer(ApiId=api_id, AuthorizerId=authorizer["AuthorizerId"])["Name"] == "jwt"
    )
    assert (
        agw.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == deployment["DeploymentId"]
    )
