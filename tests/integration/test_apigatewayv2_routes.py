"""Routes, integrations and authorizers of HTTP APIs through boto3: every operation's
happy path and AWS's refusals (bad route keys, duplicates, conflicting variables,
unknown ids, payload format versions, timeouts, authorizer configurations)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.test_apigatewayv2_apis import FN, FN_URI, ISSUER, error_of, new_api


@pytest.fixture(scope="module")
def agw(tenku: TenkuProcess) -> Any:
    return tenku.client("apigatewayv2")


@pytest.fixture(scope="module")
def raw(tenku: TenkuProcess) -> Any:
    """A client that sends what it is given: botocore checks some minimums itself."""
    return tenku.client("apigatewayv2", parameter_validation=False)


@pytest.fixture()
def api_id(agw: Any) -> str:
    return new_api(agw)


def lambda_integration(agw: Any, api_id: str, **extra: Any) -> str:
    made = agw.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=FN,
        PayloadFormatVersion="2.0",
        **extra,
    )
    return str(made["IntegrationId"])


def jwt_authorizer(agw: Any, api_id: str, name: str = "cognito") -> str:
    made = agw.create_authorizer(
        ApiId=api_id,
        AuthorizerType="JWT",
        Name=name,
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": ISSUER, "Audience": ["client-1"]},
    )
    return str(made["AuthorizerId"])


def lambda_authorizer(agw: Any, api_id: str, **extra: Any) -> str:
    made = agw.create_authorizer(
        ApiId=api_id,
        AuthorizerType="REQUEST",
        Name=extra.pop("Name", "lambda"),
        AuthorizerUri=FN_URI,
        AuthorizerPayloadFormatVersion=extra.pop("AuthorizerPayloadFormatVersion", "2.0"),
        IdentitySource=extra.pop("IdentitySource", ["$request.header.Authorization"]),
        **extra,
    )
    return str(made["AuthorizerId"])


# -- routes ----------------------------------------------------------------------------------
def test_route_lifecycle(agw: Any, api_id: str) -> None:
    integration = lambda_integration(agw, api_id)
    route = agw.create_route(
        ApiId=api_id,
        RouteKey="GET /pets/{id}",
        Target=f"integrations/{integration}",
        OperationName="getPet",
        RequestParameters={"route.request.querystring.q": {"Required": False}},
    )
    assert route["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert len(route["RouteId"]) == 7
    assert route["AuthorizationType"] == "NONE" and route["ApiKeyRequired"] is False
    got = agw.get_route(ApiId=api_id, RouteId=route["RouteId"])
    assert got["RouteKey"] == "GET /pets/{id}" and got["OperationName"] == "getPet"
    assert got["RequestParameters"] == {"route.request.querystring.q": {"Required": False}}
    updated = agw.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="ANY /pets/{id}")
    assert updated["RouteKey"] == "ANY /pets/{id}" and updated["Target"] == route["Target"]
    agw.delete_route_request_parameter(
        ApiId=api_id, RouteId=route["RouteId"], RequestParameterKey="route.request.querystring.q"
    )
    assert agw.get_route(ApiId=api_id, RouteId=route["RouteId"])["RequestParameters"] == {}
    agw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    assert agw.get_routes(ApiId=api_id)["Items"] == []
    code, message, status = error_of(agw.get_route, ApiId=api_id, RouteId=route["RouteId"])
    assert (code, status) == ("NotFoundException", 404)
    assert message == f"Invalid Route identifier specified {route['RouteId']}"


@pytest.mark.parametrize(
    "key",
    ["GET", "get /pets", "FETCH /x", "GET pets", "GET /pets/", "GET /a//b", "ANY /{proxy+}/x",
     "GET /{id}/{id}", "GET /f/{n}.json", "$connect"],
)  # fmt: skip
def test_bad_route_keys(agw: Any, api_id: str, key: str) -> None:
    code, message, status = error_of(agw.create_route, ApiId=api_id, RouteKey=key)
    assert (code, status) == ("BadRequestException", 400)
    assert message.startswith(f"Invalid route key: {key}.")


def test_duplicate_and_conflicting_keys(agw: Any, api_id: str) -> None:
    agw.create_route(ApiId=api_id, RouteKey="GET /pets/{id}")
    second = agw.create_route(ApiId=api_id, RouteKey="GET /owners")
    code, message, status = error_of(agw.create_route, ApiId=api_id, RouteKey="GET /pets/{id}")
    assert (code, status) == ("ConflictException", 409)
    assert message == "Route with key GET /pets/{id} already exists for this API"
    code, message, _ = error_of(agw.create_route, ApiId=api_id, RouteKey="DELETE /pets/{petId}")
    assert code == "ConflictException"
    assert message == (
        'The provided route key "DELETE /pets/{petId}" has a conflicting variable on the same'
        ' hierarchical level as "GET /pets/{id}"'
    )
    code, _, _ = error_of(
        agw.update_route, ApiId=api_id, RouteId=second["RouteId"], RouteKey="GET /pets/{id}"
    )
    assert code == "ConflictException"
    agw.create_route(ApiId=api_id, RouteKey="DELETE /pets/{id}")  # same name: fine
    agw.create_route(ApiId=api_id, RouteKey="$default")
    assert error_of(agw.create_route, ApiId=api_id, RouteKey="$default")[0] == "ConflictException"


def test_route_targets_and_authorization(agw: Any, api_id: str) -> None:
    code, message, _ = error_of(
        agw.create_route, ApiId=api_id, RouteKey="GET /a", Target="integrations/nope123"
    )
    assert code == "BadRequestException" and "Invalid target specified" in message
    code, _, _ = error_of(agw.create_route, ApiId=api_id, RouteKey="GET /a", Target=FN)
    assert code == "BadRequestException"
    code, message, _ = error_of(
        agw.create_route, ApiId=api_id, RouteKey="GET /a", AuthorizationType="JWT"
    )
    assert message == (
        "Invalid authorizer ID specified. Setting the authorization type to JWT requires a"
        " valid JWT authorizer."
    )
    request_auth = lambda_authorizer(agw, api_id)
    code, message, _ = error_of(
        agw.create_route,
        ApiId=api_id,
        RouteKey="GET /a",
        AuthorizationType="JWT",
        AuthorizerId=request_auth,
    )
    assert "requires a valid JWT authorizer" in message
    code, message, _ = error_of(
        agw.create_route, ApiId=api_id, RouteKey="GET /a", AuthorizationType="CUSTOM"
    )
    assert message == (
        "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or"
        " COGNITO_USER_POOLS requires a valid authorizer."
    )
    code, message, _ = error_of(
        agw.create_route, ApiId=api_id, RouteKey="GET /a", AuthorizationType="OAUTH"
    )
    assert message == (
        "Invalid authorization type specified. Must be one of [NONE, AWS_IAM, CUSTOM, JWT]"
    )
    assert error_of(agw.create_route, ApiId=api_id, RouteKey="GET /a", ApiKeyRequired=True)[0] == (
        "BadRequestException"
    )
    jwt = jwt_authorizer(agw, api_id)
    route = agw.create_route(
        ApiId=api_id,
        RouteKey="GET /me",
        AuthorizationType="JWT",
        AuthorizerId=jwt,
        AuthorizationScopes=["profile", "email"],
    )
    assert route["AuthorizerId"] == jwt and route["AuthorizationScopes"] == ["profile", "email"]
    custom = agw.create_route(
        ApiId=api_id, RouteKey="GET /admin", AuthorizationType="CUSTOM", AuthorizerId=request_auth
    )
    iam = agw.create_route(ApiId=api_id, RouteKey="GET /iam", AuthorizationType="AWS_IAM")
    assert iam["AuthorizationType"] == "AWS_IAM" and "AuthorizerId" not in iam
    # an authorizer id alone cannot turn an open route into an authorized one
    plain = agw.create_route(ApiId=api_id, RouteKey="GET /open")
    code, message, _ = error_of(
        agw.update_route, ApiId=api_id, RouteId=plain["RouteId"], AuthorizerId=jwt
    )
    assert message == "Unable to update route. Authorizer type is invalid or null."
    # switching to NONE detaches the authorizer
    opened = agw.update_route(ApiId=api_id, RouteId=custom["RouteId"], AuthorizationType="NONE")
    assert opened["AuthorizationType"] == "NONE" and "AuthorizerId" not in opened


def test_route_paging(agw: Any, api_id: str) -> None:
    keys = [f"GET /r{i}" for i in range(5)]
    for key in keys:
        agw.create_route(ApiId=api_id, RouteKey=key)
    first = agw.get_routes(ApiId=api_id, MaxResults="2")
    assert [r["RouteKey"] for r in first["Items"]] == keys[:2]
    pages = agw.get_paginator("get_routes").paginate(ApiId=api_id, PaginationConfig={"PageSize": 2})
    assert [r["RouteKey"] for page in pages for r in page["Items"]] == keys


# -- integrations ----------------------------------------------------------------------------
def test_integration_lifecycle(agw: Any, api_id: str) -> None:
    made = agw.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=FN_URI,
        PayloadFormatVersion="1.0",
        TimeoutInMillis=1500,
        RequestParameters={"overwrite:header.x-stage": "$context.stage"},
        ResponseParameters={"200": {"append:header.x-ok": "yes"}},
        Description="to the app",
    )
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (made["ConnectionType"], made["IntegrationMethod"]) == ("INTERNET", "POST")
    assert made["TimeoutInMillis"] == 1500 and made["PayloadFormatVersion"] == "1.0"
    integration_id = made["IntegrationId"]
    got = agw.get_integration(ApiId=api_id, IntegrationId=integration_id)
    assert got["ResponseParameters"] == {"200": {"append:header.x-ok": "yes"}}
    updated = agw.update_integration(
        ApiId=api_id, IntegrationId=integration_id, PayloadFormatVersion="2.0"
    )
    assert updated["PayloadFormatVersion"] == "2.0" and updated["TimeoutInMillis"] == 1500
    http = agw.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationUri="https://backend.example/items",
        IntegrationMethod="ANY",
    )
    assert http["PayloadFormatVersion"] == "1.0" and http["TimeoutInMillis"] == 30000
    assert [i["IntegrationId"] for i in agw.get_integrations(ApiId=api_id)["Items"]] == [
        integration_id,
        http["IntegrationId"],
    ]
    route = agw.create_route(
        ApiId=api_id, RouteKey="GET /x", Target=f"integrations/{integration_id}"
    )
    code, _, status = error_of(agw.delete_integration, ApiId=api_id, IntegrationId=integration_id)
    assert (code, status) == ("ConflictException", 409)
    agw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    agw.delete_integration(ApiId=api_id, IntegrationId=integration_id)
    code, message, status = error_of(
        agw.get_integration, ApiId=api_id, IntegrationId=integration_id
    )
    assert (code, message, status) == (
        "NotFoundException",
        f"Invalid Integration identifier specified {integration_id}",
        404,
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"PayloadFormatVersion": "3.0"}, "Unsupported payload format version 3.0."),
        ({"PayloadFormatVersion": None}, "PayloadFormatVersion must be specified"),
        ({"TimeoutInMillis": 49}, "Timeout should be between 50 ms and 30000 ms"),
        ({"TimeoutInMillis": 30001}, "Timeout should be between 50 ms and 30000 ms"),
        ({"IntegrationUri": "arn:aws:sqs:us-east-1:000000000000:q"}, "Invalid Lambda function ARN"),
        ({"IntegrationUri": None}, "IntegrationUri must be specified for AWS_PROXY"),
        ({"IntegrationType": "MOCK"}, "Integration type MOCK is not supported for HTTP APIs"),
        ({"IntegrationType": "SOAP"}, "Invalid integration type specified. Must be one of"),
        ({"IntegrationType": "HTTP_PROXY", "IntegrationMethod": "GET"}, "Invalid HTTP endpoint"),
        (
            {
                "IntegrationType": "HTTP_PROXY",
                "IntegrationUri": "https://x",
                "IntegrationMethod": "GET",
            },
            "Payload format version 2.0 is supported only for Lambda proxy",
        ),
        ({"ConnectionType": "VPC_LINK"}, "ConnectionId must be specified"),
        ({"ResponseParameters": {"700": {"a": "b"}}}, "Invalid status code 700"),
    ],
)
def test_bad_integrations(
    agw: Any, raw: Any, api_id: str, extra: dict[str, Any], message: str
) -> None:
    params: dict[str, Any] = {
        "ApiId": api_id,
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": FN,
        "PayloadFormatVersion": "2.0",
    }
    params.update(extra)
    params = {k: v for k, v in params.items() if v is not None}
    code, got, status = error_of(raw.create_integration, **params)
    assert (code, status) == ("BadRequestException", 400)
    assert message in got
    integration_id = lambda_integration(agw, api_id)
    code, got, _ = error_of(
        raw.update_integration, ApiId=api_id, IntegrationId=integration_id, TimeoutInMillis=10
    )
    assert got == "Timeout should be between 50 ms and 30000 ms"


def test_integration_responses(agw: Any, api_id: str) -> None:
    integration_id = lambda_integration(agw, api_id)
    made = agw.create_integration_response(
        ApiId=api_id, IntegrationId=integration_id, IntegrationResponseKey="$default"
    )
    response_id = made["IntegrationResponseId"]
    got = agw.get_integration_response(
        ApiId=api_id, IntegrationId=integration_id, IntegrationResponseId=response_id
    )
    assert got["IntegrationResponseKey"] == "$default"
    items = agw.get_integration_responses(ApiId=api_id, IntegrationId=integration_id)["Items"]
    assert [i["IntegrationResponseId"] for i in items] == [response_id]
    agw.delete_integration_response(
        ApiId=api_id, IntegrationId=integration_id, IntegrationResponseId=response_id
    )
    code, _, _ = error_of(
        agw.get_integration_response,
        ApiId=api_id,
        IntegrationId=integration_id,
        IntegrationResponseId=response_id,
    )
    assert code == "NotFoundException"


# -- authorizers -----------------------------------------------------------------------------
def test_authorizer_lifecycle(agw: Any, api_id: str) -> None:
    jwt = jwt_authorizer(agw, api_id)
    got = agw.get_authorizer(ApiId=api_id, AuthorizerId=jwt)
    assert got["AuthorizerType"] == "JWT" and got["JwtConfiguration"]["Issuer"] == ISSUER
    assert got["IdentitySource"] == ["$request.header.Authorization"]
    request = lambda_authorizer(
        agw,
        api_id,
        EnableSimpleResponses=True,
        AuthorizerResultTtlInSeconds=300,
        IdentitySource=["$request.header.Authorization", "$request.querystring.token"],
        AuthorizerCredentialsArn="arn:aws:iam::000000000000:role/invoke",
    )
    got = agw.get_authorizer(ApiId=api_id, AuthorizerId=request)
    assert got["AuthorizerPayloadFormatVersion"] == "2.0" and got["EnableSimpleResponses"] is True
    assert got["AuthorizerResultTtlInSeconds"] == 300
    updated = agw.update_authorizer(
        ApiId=api_id, AuthorizerId=jwt, JwtConfiguration={"Issuer": ISSUER, "Audience": ["a", "b"]}
    )
    assert updated["JwtConfiguration"]["Audience"] == ["a", "b"]
    assert {a["AuthorizerId"] for a in agw.get_authorizers(ApiId=api_id)["Items"]} == {jwt, request}
    route = agw.create_route(
        ApiId=api_id, RouteKey="GET /me", AuthorizationType="JWT", AuthorizerId=jwt
    )
    code, _, status = error_of(agw.delete_authorizer, ApiId=api_id, AuthorizerId=jwt)
    assert (code, status) == ("ConflictException", 409)
    agw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    agw.delete_authorizer(ApiId=api_id, AuthorizerId=jwt)
    code, message, status = error_of(agw.get_authorizer, ApiId=api_id, AuthorizerId=jwt)
    assert (code, message, status) == (
        "NotFoundException",
        f"Invalid Authorizer identifier specified {jwt}",
        404,
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"AuthorizerType": "JWT"}, "JwtConfiguration.Issuer must be specified"),
        (
            {"AuthorizerType": "JWT", "JwtConfiguration": {"Issuer": ISSUER}},
            "Audience must contain at least one entry",
        ),
        (
            {"AuthorizerType": "JWT", "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["a"]},
             "IdentitySource": ["$request.header.A", "$request.header.B"]},
            "exactly one identity source",
        ),
        (
            {"AuthorizerType": "JWT", "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["a"]},
             "IdentitySource": ["Authorization"]},
            "exactly one identity source",
        ),
        ({"AuthorizerType": "REQUEST", "AuthorizerPayloadFormatVersion": "2.0"},
         "AuthorizerUri must be specified"),
        ({"AuthorizerType": "REQUEST", "AuthorizerUri": FN_URI},
         "AuthorizerPayloadFormatVersion must be specified"),
        ({"AuthorizerType": "REQUEST", "AuthorizerUri": FN_URI,
          "AuthorizerPayloadFormatVersion": "3.0"},
         "Unsupported authorizer payload format version"),
        ({"AuthorizerType": "REQUEST", "AuthorizerUri": FN_URI,
          "AuthorizerPayloadFormatVersion": "1.0", "EnableSimpleResponses": True},
         "EnableSimpleResponses is supported only for authorizer payload format version 2.0"),
        ({"AuthorizerType": "REQUEST", "AuthorizerUri": "https://not-lambda",
          "AuthorizerPayloadFormatVersion": "2.0"}, "Invalid authorizer URI specified"),
        ({"AuthorizerType": "REQUEST", "AuthorizerUri": FN_URI,
          "AuthorizerPayloadFormatVersion": "2.0", "AuthorizerResultTtlInSeconds": 3601},
         "between 0 and 3600"),
        ({"AuthorizerType": "REQUEST", "AuthorizerUri": FN_URI,
          "AuthorizerPayloadFormatVersion": "2.0", "IdentitySource": [],
          "AuthorizerResultTtlInSeconds": 60}, "IdentitySource must be specified"),
        ({"AuthorizerType": "REQUEST", "AuthorizerUri": FN_URI,
          "AuthorizerPayloadFormatVersion": "2.0", "IdentitySource": ["$body.x"]},
         "Invalid identity source specified: $body.x"),
    ],
)  # fmt: skip
def test_bad_authorizers(agw: Any, api_id: str, params: dict[str, Any], message: str) -> None:
    full = {"ApiId": api_id, "Name": "bad", "IdentitySource": ["$request.header.Authorization"]}
    full.update(params)
    code, got, status = error_of(agw.create_authorizer, **full)
    assert (code, status) == ("BadRequestException", 400)
    assert message in got


def test_authorizer_names_and_quota(agw: Any, api_id: str) -> None:
    jwt_authorizer(agw, api_id, "first")
    code, _, status = error_of(jwt_authorizer, agw, api_id, "first")
    assert (code, status) == ("ConflictException", 409)
    for i in range(9):
        jwt_authorizer(agw, api_id, f"more-{i}")
    code, _, status = error_of(jwt_authorizer, agw, api_id, "eleventh")
    assert (code, status) == ("TooManyRequestsException", 429)


def test_missing_and_mistyped_members(raw: Any, api_id: str) -> None:
    code, message, status = error_of(raw.create_route, ApiId=api_id)
    assert (code, status) == ("BadRequestException", 400) and "RouteKey" in message
    code, _, status = error_of(
        raw.create_api, Name="x", ProtocolType="HTTP", DisableExecuteApiEndpoint="yes"
    )
    assert (code, status) == ("BadRequestException", 400)
