"""Black-box: SAM templates (HttpApi with a Cognito JWT authorizer, a REST Api) expanded
by aws-sam-translator and deployed by the stack engine against a real server, then
called through their invoke URLs and reaching the function."""

from __future__ import annotations

import json

import pytest

from tests.integration.apigateway_support import raw
from tests.integration.cfn_support import Stack
from tests.integration.cognito_support import confirmed_user, password_auth
from tests.integration.conftest import TenkuProcess

HTTP_API = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: shop-users
      Policies:
        PasswordPolicy: {MinimumLength: 8}
  PoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: !GetAtt Pool.ProviderURL
              audience: [!Ref PoolClient]
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
            answer = {"path": event["rawPath"], "user": claims["cognito:username"]}
            return {"statusCode": 200, "body": json.dumps(answer)}
      Events:
        Get:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Method: GET
            Path: /hello
Outputs: {}
"""


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    # aws-sam-translator asks boto3 for a region before it reads the one it is given.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def _get(
    tenku: TenkuProcess, api_id: str, path: str, token: str | None = None
) -> tuple[int, bytes]:
    headers = (("Authorization", f"Bearer {token}"),) if token else ()
    host = f"{api_id}.execute-api.localhost:{tenku.port}"
    status, _, body = raw(tenku.port, host, "GET", path, headers)
    return status, body


def test_sam_http_api_with_cognito_jwt_authorizer(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "shop-http")
    records = stack.deploy(HTTP_API)
    kinds = sorted({r.type for r in records.values()})
    assert kinds == [
        "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolClient", "AWS::IAM::Role", "AWS::Lambda::Function",
        "AWS::Lambda::Permission",
    ]  # fmt: skip
    api_id = stack.ref("Api")
    assert stack.attribute("Api", "ApiId") == api_id
    assert stack.attribute("Api", "ApiEndpoint").startswith(f"http://{api_id}.execute-api.")
    pool_id = stack.ref("Pool")
    assert stack.attribute("Pool", "ProviderURL") == (
        f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    )
    v2 = tenku.client("apigatewayv2")
    authorizer = v2.get_authorizers(ApiId=api_id)["Items"][0]
    assert authorizer["JwtConfiguration"]["Audience"] == [stack.ref("PoolClient")]
    assert v2.get_stage(ApiId=api_id, StageName="$default")["AutoDeploy"] is True

    status, _ = _get(tenku, api_id, "/hello")
    assert status == 401
    idp = tenku.client("cognito-idp")
    user = confirmed_user(idp, pool_id, "alice", "Passw0rd!")
    token = password_auth(idp, stack.ref("PoolClient"), user, "Passw0rd!")
    status, body = _get(tenku, api_id, "/hello", token["AuthenticationResult"]["IdToken"])
    assert status == 200
    assert json.loads(body) == {"path": "/hello", "user": "alice"}

    # A new path changes the API's body: reimported in place, same id, old route gone.
    stack.deploy(HTTP_API.replace("Path: /hello", "Path: /greet"))
    assert stack.ref("Api") == api_id
    token = password_auth(idp, stack.ref("PoolClient"), user, "Passw0rd!")
    id_token = token["AuthenticationResult"]["IdToken"]
    assert _get(tenku, api_id, "/greet", id_token)[0] == 200
    assert _get(tenku, api_id, "/hello", id_token)[0] == 404

    assert stack.destroy() == []
    assert all(a["ApiId"] != api_id for a in v2.get_apis()["Items"])
    pools = idp.list_user_pools(MaxResults=60)["UserPools"]
    assert all(p["Id"] != pool_id for p in pools)


REST_API = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Variables: {mode: live}
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            return {"statusCode": 200, "body": json.dumps(
                {"resource": event["resource"], "stage": event["requestContext"]["stage"]})}
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref Rest
            Method: GET
            Path: /hello
Outputs: {}
"""


def test_sam_rest_api_deploys_and_redeploys(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "shop-rest")
    records = stack.deploy(REST_API)
    api_id = stack.ref("Rest")
    deployment = next(lid for lid, r in records.items() if r.type == "AWS::ApiGateway::Deployment")
    apigw = tenku.client("apigateway")
    stages = {s["stageName"]: s for s in apigw.get_stages(restApiId=api_id)["item"]}
    assert set(stages) == {"prod", "Stage"}  # SAM's implicit stage, as on AWS
    assert stages["prod"]["variables"] == {"mode": "live"}
    assert stack.attribute("Rest", "RootResourceId")
    status, body = _get(tenku, api_id, "/prod/hello")
    assert status == 200 and json.loads(body) == {"resource": "/hello", "stage": "prod"}

    # A second route: SAM names a new deployment, the old one is deleted after.
    changed = REST_API.replace(
        "            Path: /hello\n",
        "            Path: /hello\n        Post:\n          Type: Api\n          Properties:\n"
        "            RestApiId: !Ref Rest\n            Method: POST\n            Path: /hello\n",
    )
    records = stack.deploy(changed)
    new_deployment = next(
        lid for lid, r in records.items() if r.type == "AWS::ApiGateway::Deployment"
    )
    assert new_deployment != deployment
    ids = {d["id"] for d in apigw.get_deployments(restApiId=api_id)["items"]}
    assert ids == {stack.ref(new_deployment)}
    host = f"{api_id}.execute-api.localhost:{tenku.port}"
    status, _, _ = raw(tenku.port, host, "POST", "/prod/hello", body=b"{}")
    assert status == 200

    assert stack.destroy() == []
    assert all(a["id"] != api_id for a in apigw.get_rest_apis()["items"])
