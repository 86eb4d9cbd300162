"""Black-box: API Gateway REST and HTTP API resources, Cognito groups/users/domains and
the recorded-only types, written out by hand (as CDK emits them) and deployed by the stack
engine against a real server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.apigateway_support import raw
from tests.integration.cfn_support import Stack
from tests.integration.conftest import TenkuProcess

POOL_ARN = {"Fn::GetAtt": ["Pool", "Arn"]}


def rest_template(greeting: str = "hi") -> dict[str, Any]:
    api = {"Ref": "Api"}
    return {
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool"},
            "Api": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {
                    "Name": "plain",
                    "BinaryMediaTypes": ["image/png"],
                    "Tags": [{"Key": "tier", "Value": "web"}],
                },
            },
            "Greet": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": api,
                    "PathPart": "greet",
                    "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                },
            },
            "Get": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": api,
                    "ResourceId": {"Ref": "Greet"},
                    "HttpMethod": "GET",
                    "AuthorizationType": "NONE",
                    "ApiKeyRequired": False,
                    "MethodResponses": [{"StatusCode": "200"}],
                    "Integration": {
                        "Type": "MOCK",
                        "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                        "IntegrationResponses": [
                            {
                                "StatusCode": "200",
                                "ResponseTemplates": {
                                    "application/json": f'{{"say": "{greeting}"}}'
                                },
                            }
                        ],
                    },
                },
            },
            "Authorizer": {
                "Type": "AWS::ApiGateway::Authorizer",
                "Properties": {
                    "RestApiId": api,
                    "Name": "users",
                    "Type": "COGNITO_USER_POOLS",
                    "IdentitySource": "method.request.header.Authorization",
                    "ProviderARNs": [POOL_ARN],
                },
            },
            "Deployment": {
                "Type": "AWS::ApiGateway::Deployment",
                "DependsOn": ["Get"],
                "Properties": {
                    "RestApiId": api,
                    "StageName": "v1",
                    "StageDescription": {
                        "Variables": {"color": "blue"},
                        "MethodSettings": [
                            {"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True}
                        ],
                    },
                },
            },
            "Live": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": api,
                    "StageName": "live",
                    "TracingEnabled": True,
                    "DeploymentId": {"Ref": "Deployment"},
                    "Variables": {"color": "green"},
                },
            },
            "Key": {
                "Type": "AWS::ApiGateway::ApiKey",
                "DependsOn": ["Live"],
                "Properties": {"Enabled": True, "Value": "a-key-of-at-least-twenty-chars"},
            },
            "Plan": {
                "Type": "AWS::ApiGateway::UsagePlan",
                "DependsOn": ["Live"],
                "Properties": {
                    "ApiStages": [{"ApiId": api, "Stage": "live"}],
                    "Throttle": {"BurstLimit": 10, "RateLimit": 5},
                    "Quota": {"Limit": 1000, "Period": "DAY"},
                },
            },
            "PlanKey": {
                "Type": "AWS::ApiGateway::UsagePlanKey",
                "Properties": {
                    "KeyId": {"Ref": "Key"},
                    "KeyType": "API_KEY",
                    "UsagePlanId": {"Ref": "Plan"},
                },
            },
            "Account": {
                "Type": "AWS::ApiGateway::Account",
                "Properties": {"CloudWatchRoleArn": "arn:aws:iam::000000000000:role/apigw"},
            },
        }
    }


def _call(tenku: TenkuProcess, api_id: str, path: str) -> tuple[int, bytes]:
    host = f"{api_id}.execute-api.localhost:{tenku.port}"
    status, _, body = raw(tenku.port, host, "GET", path)
    return status, body


def test_rest_api_written_by_hand(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "plain-rest")
    stack.deploy(rest_template())
    apigw = tenku.client("apigateway")
    api_id = stack.ref("Api")
    api = apigw.get_rest_api(restApiId=api_id)
    assert api["binaryMediaTypes"] == ["image/png"] and api["tags"] == {"tier": "web"}
    assert stack.ref("Get") == f"{api_id}|{stack.ref('Greet')}|GET"
    method = apigw.get_method(restApiId=api_id, resourceId=stack.ref("Greet"), httpMethod="GET")
    assert method["methodIntegration"]["type"] == "MOCK"
    authorizer = apigw.get_authorizer(restApiId=api_id, authorizerId=stack.ref("Authorizer"))
    assert authorizer["providerARNs"] == [stack.attribute("Pool", "Arn")]
    v1 = apigw.get_stage(restApiId=api_id, stageName="v1")
    assert v1["deploymentId"] == stack.ref("Deployment") and v1["variables"] == {"color": "blue"}
    assert v1["methodSettings"]["*/*"]["metricsEnabled"] is True
    live = apigw.get_stage(restApiId=api_id, stageName=stack.ref("Live"))
    assert live["tracingEnabled"] is True and live["variables"] == {"color": "green"}
    plan = apigw.get_usage_plan(usagePlanId=stack.ref("Plan"))
    assert plan["throttle"] == {"burstLimit": 10, "rateLimit": 5.0}
    assert plan["quota"]["limit"] == 1000
    keys = apigw.get_usage_plan_keys(usagePlanId=stack.ref("Plan"))["items"]
    assert [k["id"] for k in keys] == [stack.ref("Key")] == [stack.attribute("Key", "APIKeyId")]
    assert stack.attribute("Account", "Id")

    status, body = _call(tenku, api_id, "/live/greet")
    assert status == 200 and json.loads(body) == {"say": "hi"}

    # Update in place: method integration changed (put again), stage settings patched.
    template = rest_template("hello")
    template["Resources"]["Live"]["Properties"]["Variables"] = {"size": "xl"}
    template["Resources"]["Api"]["Properties"]["BinaryMediaTypes"] = ["image/gif"]
    template["Resources"]["Plan"]["Properties"]["Throttle"]["BurstLimit"] = 20
    stack.deploy(template)
    assert stack.ref("Api") == api_id
    assert apigw.get_rest_api(restApiId=api_id)["binaryMediaTypes"] == ["image/gif"]
    live = apigw.get_stage(restApiId=api_id, stageName="live")
    assert live["variables"] == {"size": "xl"}
    assert apigw.get_usage_plan(usagePlanId=stack.ref("Plan"))["throttle"]["burstLimit"] == 20
    method = apigw.get_method(restApiId=api_id, resourceId=stack.ref("Greet"), httpMethod="GET")
    template_out = method["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"]
    assert template_out == {"application/json": '{"say": "hello"}'}

    key_id = stack.ref("Key")
    assert stack.destroy() == []
    with pytest.raises(ClientError):
        apigw.get_rest_api(restApiId=api_id)
    with pytest.raises(ClientError):
        apigw.get_api_key(apiKey=key_id)


def http_template(cors_origin: str = "https://a.example") -> dict[str, Any]:
    api = {"Ref": "Api"}
    code = (
        "def handler(event, context):\n    return {'statusCode': 200, 'body': event['routeKey']}\n"
    )
    return {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"ZipFile": code},
                },
            },
            "Api": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {
                    "Name": "plain-http",
                    "ProtocolType": "HTTP",
                    "CorsConfiguration": {"AllowOrigins": [cors_origin], "AllowMethods": ["GET"]},
                    "Tags": {"tier": "web"},
                },
            },
            "Integration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": api,
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {"Fn::GetAtt": ["Fn", "Arn"]},
                    "PayloadFormatVersion": "2.0",
                },
            },
            "Authorizer": {
                "Type": "AWS::ApiGatewayV2::Authorizer",
                "Properties": {
                    "ApiId": api,
                    "AuthorizerType": "JWT",
                    "Name": "jwt",
                    "IdentitySource": ["$request.header.Authorization"],
                    "JwtConfiguration": {"Audience": ["x"], "Issuer": "https://issuer.example"},
                },
            },
            "Open": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": api,
                    "RouteKey": "GET /open",
                    "Target": {"Fn::Sub": "integrations/${Integration}"},
                },
            },
            "Closed": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": api,
                    "RouteKey": "GET /closed",
                    "AuthorizationType": "JWT",
                    "AuthorizerId": {"Ref": "Authorizer"},
                    "Target": {"Fn::Sub": "integrations/${Integration}"},
                },
            },
            "Stage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {
                    "ApiId": api,
                    "StageName": "v1",
                    "StageVariables": {"color": "blue"},
                },
            },
            "Deployment": {
                "Type": "AWS::ApiGatewayV2::Deployment",
                "DependsOn": ["Open", "Closed"],
                "Properties": {"ApiId": api, "StageName": {"Ref": "Stage"}},
            },
            "Permission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                },
            },
        }
    }


def test_http_api_written_by_hand(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "plain-http")
    stack.deploy(http_template())
    v2 = tenku.client("apigatewayv2")
    api_id = stack.ref("Api")
    api = v2.get_api(ApiId=api_id)
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://a.example"]
    assert api["Tags"] == {"tier": "web"}
    assert stack.attribute("Closed", "RouteId") == stack.ref("Closed")
    route = v2.get_route(ApiId=api_id, RouteId=stack.ref("Closed"))
    assert (route["AuthorizationType"], route["AuthorizerId"]) == ("JWT", stack.ref("Authorizer"))
    stage = v2.get_stage(ApiId=api_id, StageName="v1")
    assert stage["DeploymentId"] == stack.ref("Deployment")
    assert stage["StageVariables"] == {"color": "blue"}

    status, body = _call(tenku, api_id, "/v1/open")
    assert (status, body) == (200, b"GET /open")
    assert _call(tenku, api_id, "/v1/closed")[0] == 401

    template = http_template("https://b.example")
    template["Resources"]["Stage"]["Properties"]["StageVariables"] = {"color": "red"}
    stack.deploy(template)
    assert v2.get_api(ApiId=api_id)["CorsConfiguration"]["AllowOrigins"] == ["https://b.example"]
    assert v2.get_stage(ApiId=api_id, StageName="v1")["StageVariables"] == {"color": "red"}

    quick = Stack(tenku.endpoint, "quick-http")
    quick.deploy(
        {
            "Resources": {
                "Quick": {
                    "Type": "AWS::ApiGatewayV2::Api",
                    "Properties": {
                        "Name": "quick",
                        "ProtocolType": "HTTP",
                        "Target": stack.attribute("Fn", "Arn"),
                    },
                }
            }
        }
    )
    assert _call(tenku, quick.ref("Quick"), "/anything")[1] == b"$default"
    assert quick.destroy() == []

    assert stack.destroy() == []
    with pytest.raises(ClientError):
        v2.get_api(ApiId=api_id)


COGNITO = """
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      AutoVerifiedAttributes: [email]
      UsernameAttributes: [email]
      Schema:
        - {Name: plan, AttributeDataType: String, Mutable: true}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      GenerateSecret: true
      ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  Admins:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref Pool
      GroupName: admins
      Precedence: 1
  Bob:
    Type: AWS::Cognito::UserPoolUser
    Properties:
      UserPoolId: !Ref Pool
      Username: bob@example.com
      MessageAction: SUPPRESS
  BobIsAdmin:
    Type: AWS::Cognito::UserPoolUserToGroupAttachment
    Properties:
      UserPoolId: !Ref Pool
      Username: !Ref Bob
      GroupName: !Ref Admins
  Domain:
    Type: AWS::Cognito::UserPoolDomain
    Properties:
      UserPoolId: !Ref Pool
      Domain: shop-login
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      MetricName: Errors
      Namespace: AWS/Lambda
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
  Target:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties:
      ResourceId: table/orders
      ScalableDimension: dynamodb:table:ReadCapacityUnits
      ServiceNamespace: dynamodb
      MinCapacity: 1
      MaxCapacity: 10
  Scaling:
    Type: AWS::ApplicationAutoScaling::ScalingPolicy
    Properties:
      PolicyName: reads
      PolicyType: TargetTrackingScaling
      ScalingTargetId: !Ref Target
"""


def test_cognito_resources_and_recorded_types(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "users")
    stack.deploy(COGNITO)
    idp = tenku.client("cognito-idp")
    pool_id = stack.ref("Pool")
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["UsernameAttributes"] == ["email"]
    assert any(a["Name"] == "custom:plan" for a in pool["SchemaAttributes"])
    assert stack.attribute("Pool", "Arn").endswith(f":userpool/{pool_id}")
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=stack.ref("Client"))
    assert client["UserPoolClient"]["ClientSecret"] == stack.attribute("Client", "ClientSecret")
    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="bob@example.com")
    assert [g["GroupName"] for g in groups["Groups"]] == ["admins"]
    assert stack.ref("Domain") == "shop-login"
    assert stack.attribute("Alarm", "Arn") == (
        f"arn:aws:cloudwatch:us-east-1:000000000000:alarm:{stack.ref('Alarm')}"
    )
    assert stack.ref("Target") == "table/orders|dynamodb:table:ReadCapacityUnits|dynamodb"
    assert stack.ref("Scaling").startswith("arn:aws:autoscaling:us-east-1:000000000000:")
    assert stack.ref("Scaling").endswith(":resource/dynamodb/table/orders:policyName/reads")

    # Update: a new custom attribute is added; the group's precedence changes in place.
    changed = COGNITO.replace(
        "        - {Name: plan, AttributeDataType: String, Mutable: true}",
        "        - {Name: plan, AttributeDataType: String, Mutable: true}\n"
        "        - {Name: tier, AttributeDataType: String, Mutable: true}",
    ).replace("Precedence: 1", "Precedence: 5")
    stack.deploy(changed)
    assert stack.ref("Pool") == pool_id
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert any(a["Name"] == "custom:tier" for a in pool["SchemaAttributes"])
    assert idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]["Precedence"] == 5

    assert stack.destroy() == []
    with pytest.raises(ClientError):
        idp.describe_user_pool(UserPoolId=pool_id)
