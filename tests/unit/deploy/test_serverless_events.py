"""Each serverless.yml event type compiled into the resources the Framework makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tenku.deploy.serverless import ServerlessError
from tests.unit.deploy.serverless_support import props, resources, translate

ARN = {"Fn::GetAtt": ["HelloLambdaFunction", "Arn"]}


def test_function_defaults_and_overrides(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
  memorySize: 256
  timeout: 10
  environment: {A: "1", B: provider}
  logRetentionInDays: 14
  tags: {team: core}
  layers: [arn:aws:lambda:us-east-1:000000000000:layer:base:1]
functions:
  hello:
    handler: handler.main
    environment: {B: function, C: 3}
    timeout: 20
    runtime: nodejs20.x
    reservedConcurrency: 5
    architecture: arm64
  named:
    handler: handler.main
    name: custom-name
    layers: []
""",
    )
    hello = props(t, "HelloLambdaFunction")
    assert hello["FunctionName"] == "shop-dev-hello"
    assert hello["Handler"] == "handler.main"
    assert hello["Runtime"] == "nodejs20.x"
    assert (hello["MemorySize"], hello["Timeout"]) == (256, 20)
    assert hello["Environment"] == {"Variables": {"A": "1", "B": "function", "C": "3"}}
    assert hello["ReservedConcurrentExecutions"] == 5
    assert hello["Architectures"] == ["arm64"]
    assert hello["Layers"] == ["arn:aws:lambda:us-east-1:000000000000:layer:base:1"]
    assert hello["Tags"] == [{"Key": "team", "Value": "core"}]
    assert hello["Role"] == {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]}
    assert hello["Code"] == {
        "S3Bucket": {"Ref": "TenkuArtifactBucket"},
        "S3Key": {"Ref": "TenkuArtifactKey"},
    }
    assert resources(t)["HelloLambdaFunction"]["DependsOn"] == [
        "HelloLogGroup",
        "IamRoleLambdaExecution",
    ]
    assert props(t, "HelloLogGroup") == {
        "LogGroupName": "/aws/lambda/shop-dev-hello",
        "RetentionInDays": 14,
    }
    named = props(t, "NamedLambdaFunction")
    assert named["FunctionName"] == "custom-name" and "Layers" not in named
    assert (named["MemorySize"], named["Runtime"]) == (256, "python3.12")
    assert t.stack_name == "shop-dev"


def test_role_statements_v3_and_v2(tmp_path: Path) -> None:
    v3 = translate(
        tmp_path / "v3",
        """
  iam:
    role:
      statements:
        - {Effect: Allow, Action: [s3:GetObject], Resource: "*"}
      managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
functions:
  hello: {handler: handler.main}
""",
    )
    role = props(v3, "IamRoleLambdaExecution")
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements[0]["Action"] == [
        "logs:CreateLogStream",
        "logs:CreateLogGroup",
        "logs:TagResource",
    ]
    assert {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"} in statements
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["lambda.amazonaws.com"]
    }
    v2 = translate(
        tmp_path / "v2",
        """
  iamRoleStatements:
    - {Effect: Allow, Action: [sns:Publish], Resource: "*"}
functions:
  hello: {handler: handler.main}
""",
    )
    statements = props(v2, "IamRoleLambdaExecution")["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements[-1]["Action"] == ["sns:Publish"]
    custom = translate(
        tmp_path / "custom",
        """
  iam: {role: arn:aws:iam::000000000000:role/mine}
functions:
  hello: {handler: handler.main}
  other: {handler: handler.main, role: OtherRole}
resources:
  Resources:
    OtherRole: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}}}
""",
    )
    assert "IamRoleLambdaExecution" not in resources(custom)
    assert props(custom, "HelloLambdaFunction")["Role"] == "arn:aws:iam::000000000000:role/mine"
    assert props(custom, "OtherLambdaFunction")["Role"] == {"Fn::GetAtt": ["OtherRole", "Arn"]}


def test_provisioned_concurrency_makes_version_and_alias(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
functions:
  hello:
    handler: handler.main
    provisionedConcurrency: 2
    events:
      - sqs: arn:aws:sqs:us-east-1:000000000000:jobs
""",
    )
    alias = props(t, "HelloProvConcLambdaAlias")
    assert alias["Name"] == "provisioned"
    assert alias["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 2}
    version_id = alias["FunctionVersion"]["Fn::GetAtt"][0]
    assert version_id.startswith("HelloLambdaVersion")
    assert resources(t)[version_id]["Type"] == "AWS::Lambda::Version"
    mapping = resources(t)["HelloEventSourceMappingSQSJobs"]
    assert mapping["Properties"]["FunctionName"] == {"Fn::Join": [":", [ARN, "provisioned"]]}
    assert "HelloProvConcLambdaAlias" in mapping["DependsOn"]


def test_http_api_events(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
  httpApi:
    cors: true
    authorizers:
      jwt:
        type: jwt
        identitySource: $request.header.Authorization
        issuerUrl: https://issuer.example.com
        audience: [client-1]
      custom:
        type: request
        functionName: auth
        enableSimpleResponses: true
functions:
  auth: {handler: handler.main}
  hello:
    handler: handler.main
    events:
      - httpApi: GET /hello/{name}
      - httpApi: {path: /admin, method: post, authorizer: {name: jwt, scopes: [admin]}}
      - httpApi: {path: /mine, method: '*', authorizer: {name: custom}}
      - httpApi: {path: /iam, method: get, authorizer: {type: aws_iam}}
  fallback:
    handler: handler.main
    events: [{httpApi: '*'}]
""",
    )
    r = resources(t)
    api = props(t, "HttpApi")
    assert api["Name"] == "dev-shop" and api["ProtocolType"] == "HTTP"
    cors = api["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["*"] and "Authorization" in cors["AllowHeaders"]
    assert set(cors["AllowMethods"]) >= {"OPTIONS", "GET", "POST", "PUT", "DELETE", "PATCH"}
    assert props(t, "HttpApiStage") == {
        "ApiId": {"Ref": "HttpApi"},
        "StageName": "$default",
        "AutoDeploy": True,
        "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
    }
    integration = props(t, "HttpApiIntegrationHello")
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == ARN
    route = r["HttpApiRouteGetHelloNameVar"]
    assert route["Properties"]["RouteKey"] == "GET /hello/{name}"
    assert route["Properties"]["Target"] == {
        "Fn::Join": ["/", ["integrations", {"Ref": "HttpApiIntegrationHello"}]]
    }
    assert route["DependsOn"] == "HttpApiIntegrationHello"
    admin = props(t, "HttpApiRoutePostAdmin")
    assert admin["AuthorizationType"] == "JWT"
    assert admin["AuthorizerId"] == {"Ref": "HttpApiAuthorizerJwt"}
    assert admin["AuthorizationScopes"] == ["admin"]
    assert props(t, "HttpApiAuthorizerJwt")["JwtConfiguration"] == {
        "Audience": ["client-1"],
        "Issuer": "https://issuer.example.com",
    }
    mine = props(t, "HttpApiRouteAnyMine")
    assert mine["RouteKey"] == "ANY /mine" and mine["AuthorizationType"] == "CUSTOM"
    custom = props(t, "HttpApiAuthorizerCustom")
    assert custom["AuthorizerType"] == "REQUEST" and custom["EnableSimpleResponses"] is True
    assert "CustomLambdaAuthorizerPermissionHttpApi" in r
    assert props(t, "HttpApiRouteGetIam")["AuthorizationType"] == "AWS_IAM"
    assert props(t, "HttpApiRouteDefault")["RouteKey"] == "$default"
    permission = props(t, "HelloLambdaPermissionHttpApi")
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["FunctionName"] == ARN
    url = t.template["Outputs"]["HttpApiUrl"]["Value"]
    assert url == {
        "Fn::Join": [
            "",
            [
                "https://",
                {"Ref": "HttpApi"},
                ".execute-api.",
                {"Ref": "AWS::Region"},
                ".",
                {"Ref": "AWS::URLSuffix"},
            ],
        ]
    }
    assert t.template["Outputs"]["HttpApiId"]["Value"] == {"Ref": "HttpApi"}


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ("- httpApi: {path: /a}", 'Missing "method" property in function hello'),
        ("- httpApi: {path: /a, method: FETCH}", 'Invalid "method" property'),
        ("- httpApi: GET /a\n      - httpApi: {path: /a, method: get}", "Duplicate route 'GET /a'"),
        (
            "- httpApi: {path: /a, method: get, authorizer: nope}",
            "Event references not configured authorizer 'nope'",
        ),
        ("- unknownThing: {}", 'unsupported function event "unknownThing"'),
        ("- stream: {arn: {Ref: S}}", 'Missing or invalid "type" property for stream event'),
    ],
)
def test_bad_events(tmp_path: Path, events: str, message: str) -> None:
    with pytest.raises(ServerlessError, match=message.replace("(", r"\(").replace(")", r"\)")):
        translate(
            tmp_path,
            f"""
functions:
  hello:
    handler: handler.main
    events:
      {events}
""",
        )


def test_rest_api_events(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
  tracing: {apiGateway: true}
functions:
  auth: {handler: handler.main}
  hello:
    handler: handler.main
    events:
      - http: GET users/{id}
      - http: {path: users, method: post, cors: true, authorizer: auth}
      - http:
          path: /
          method: get
          authorizer: {arn: "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"}
      - http: {path: private, method: get, private: true, authorizer: aws_iam}
""",
    )
    r = resources(t)
    assert props(t, "ApiGatewayRestApi")["Name"] == "dev-shop"
    assert props(t, "ApiGatewayResourceUsers") == {
        "ParentId": {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]},
        "PathPart": "users",
        "RestApiId": {"Ref": "ApiGatewayRestApi"},
    }
    assert props(t, "ApiGatewayResourceUsersIdVar")["ParentId"] == {
        "Ref": "ApiGatewayResourceUsers"
    }
    get = props(t, "ApiGatewayMethodUsersIdVarGet")
    assert get["HttpMethod"] == "GET" and get["AuthorizationType"] == "NONE"
    assert get["Integration"]["Type"] == "AWS_PROXY"
    assert get["Integration"]["IntegrationHttpMethod"] == "POST"
    post = props(t, "ApiGatewayMethodUsersPost")
    assert post["AuthorizationType"] == "CUSTOM"
    assert post["AuthorizerId"] == {"Ref": "AuthApiGatewayAuthorizer"}
    assert props(t, "AuthApiGatewayAuthorizer")["Type"] == "TOKEN"
    options = props(t, "ApiGatewayMethodUsersOptions")
    assert options["Integration"]["Type"] == "MOCK"
    headers = options["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Methods"] == "'OPTIONS,POST'"
    root = props(t, "ApiGatewayMethodGet")
    assert root["AuthorizationType"] == "COGNITO_USER_POOLS"
    assert root["ResourceId"] == {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]}
    private = props(t, "ApiGatewayMethodPrivateGet")
    assert private["AuthorizationType"] == "AWS_IAM" and private["ApiKeyRequired"] is True
    deployments = [k for k in r if k.startswith("ApiGatewayDeployment")]
    assert len(deployments) == 1
    deployment = r[deployments[0]]
    assert deployment["Properties"]["StageName"] == "dev"
    assert deployment["Properties"]["StageDescription"] == {"TracingEnabled": True}
    assert "ApiGatewayMethodUsersPost" in deployment["DependsOn"]
    assert "HelloLambdaPermissionApiGateway" in r
    endpoint = t.template["Outputs"]["ServiceEndpoint"]["Value"]["Fn::Join"][1]
    assert endpoint[0] == "https://" and endpoint[-1] == "/dev"


def test_queue_and_stream_mappings(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
functions:
  hello:
    handler: handler.main
    events:
      - sqs:
          arn: !GetAtt Jobs.Arn
          batchSize: 5
          maximumBatchingWindow: 10
          functionResponseType: ReportBatchItemFailures
          filterPatterns: [{body: {kind: [order]}}]
      - stream:
          arn: arn:aws:dynamodb:us-east-1:000000000000:table/Users/stream/2024-01-01T00:00:00.000
          batchSize: 50
          startingPosition: LATEST
          filterPatterns: [{eventName: [INSERT]}]
          destinations: {onFailure: arn:aws:sqs:us-east-1:000000000000:failed}
      - stream: {arn: !GetAtt Events.Arn, type: kinesis}
resources:
  Resources:
    Jobs: {Type: AWS::SQS::Queue}
    Events: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
""",
    )
    sqs = resources(t)["HelloEventSourceMappingSQSJobs"]
    assert sqs["DependsOn"] == ["IamRoleLambdaExecution"]
    assert sqs["Properties"] == {
        "BatchSize": 5,
        "EventSourceArn": {"Fn::GetAtt": ["Jobs", "Arn"]},
        "FunctionName": ARN,
        "Enabled": True,
        "MaximumBatchingWindowInSeconds": 10,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "FilterCriteria": {
            "Filters": [
                {"Pattern": json.dumps({"body": {"kind": ["order"]}}, separators=(",", ":"))}
            ]
        },
    }
    dynamo = props(t, "HelloEventSourceMappingDynamodbUsers")
    assert dynamo["StartingPosition"] == "LATEST" and dynamo["BatchSize"] == 50
    assert dynamo["DestinationConfig"] == {
        "OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:failed"}
    }
    assert dynamo["FilterCriteria"]["Filters"][0]["Pattern"] == '{"eventName":["INSERT"]}'
    kinesis = props(t, "HelloEventSourceMappingKinesisEvents")
    assert kinesis["StartingPosition"] == "TRIM_HORIZON" and kinesis["BatchSize"] == 100
    statements = props(t, "IamRoleLambdaExecution")["Policies"][0]["PolicyDocument"]["Statement"]
    actions = {a for s in statements for a in s["Action"]}
    assert {
        "sqs:ReceiveMessage",
        "dynamodb:GetRecords",
        "kinesis:GetRecords",
        "sqs:SendMessage",
    } <= actions


def test_sns_events(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
functions:
  hello:
    handler: handler.main
    events:
      - sns: orders
      - sns:
          arn: arn:aws:sns:us-east-1:000000000000:external
          filterPolicy: {kind: [paid]}
          filterPolicyScope: MessageAttributes
      - sns: {topicName: shared, displayName: Shared topic}
""",
    )
    assert props(t, "SNSTopicOrders") == {"TopicName": "orders"}
    assert props(t, "SNSTopicShared") == {"TopicName": "shared", "DisplayName": "Shared topic"}
    subscription = props(t, "HelloSnsSubscriptionOrders")
    assert subscription == {
        "TopicArn": {"Ref": "SNSTopicOrders"},
        "Protocol": "lambda",
        "Endpoint": ARN,
    }
    external = props(t, "HelloSnsSubscriptionExternal")
    assert external["TopicArn"] == "arn:aws:sns:us-east-1:000000000000:external"
    assert external["FilterPolicy"] == {"kind": ["paid"]}
    assert external["FilterPolicyScope"] == "MessageAttributes"
    permission = props(t, "HelloLambdaPermissionExternalSNS")
    assert permission["Principal"] == "sns.amazonaws.com"
    assert permission["SourceArn"] == "arn:aws:sns:us-east-1:000000000000:external"
    assert "SNSTopicExternal" not in resources(t)


def test_s3_events(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
functions:
  hello:
    handler: handler.main
    events:
      - s3: photos
      - s3:
          bucket: photos
          event: "s3:ObjectRemoved:*"
          rules: [{prefix: uploads/}, {suffix: .jpg}]
      - s3: {bucket: legacy, existing: true}
""",
    )
    bucket = resources(t)["S3BucketPhotos"]
    assert bucket["Properties"]["BucketName"] == "photos"
    configurations = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert configurations[0] == {"Event": "s3:ObjectCreated:*", "Function": ARN}
    assert configurations[1]["Event"] == "s3:ObjectRemoved:*"
    assert configurations[1]["Filter"] == {
        "S3Key": {
            "Rules": [{"Name": "prefix", "Value": "uploads/"}, {"Name": "suffix", "Value": ".jpg"}]
        }
    }
    assert bucket["DependsOn"] == ["HelloLambdaPermissionPhotosS3"]
    permission = props(t, "HelloLambdaPermissionPhotosS3")
    assert permission["Principal"] == "s3.amazonaws.com"
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "S3BucketLegacy" not in resources(t)
    assert any("legacy" in w and "skipped" in w for w in t.warnings)


def test_schedule_events(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
functions:
  hello:
    handler: handler.main
    events:
      - schedule: rate(5 minutes)
      - schedule: {rate: "cron(0 9 * * ? *)", enabled: false, input: {kind: daily}, name: daily}
      - schedule: {rate: [rate(1 hour), rate(2 hours)]}
      - schedule:
          {method: scheduler, rate: "cron(0 8 * * ? *)", timezone: Asia/Tokyo, input: {a: 1}}
""",
    )
    first = props(t, "HelloEventsRuleSchedule1")
    assert first["ScheduleExpression"] == "rate(5 minutes)" and first["State"] == "ENABLED"
    assert first["Targets"] == [{"Arn": ARN, "Id": "helloSchedule"}]
    second = props(t, "HelloEventsRuleSchedule2")
    assert second["State"] == "DISABLED" and second["Name"] == "daily"
    assert second["Targets"][0]["Input"] == '{"kind":"daily"}'
    assert props(t, "HelloEventsRuleSchedule4")["ScheduleExpression"] == "rate(2 hours)"
    permission = props(t, "HelloLambdaPermissionEventsRuleSchedule1")
    assert permission["SourceArn"] == {"Fn::GetAtt": ["HelloEventsRuleSchedule1", "Arn"]}
    assert permission["Principal"] == "events.amazonaws.com"
    scheduler = props(t, "HelloSchedulerSchedule5")
    assert scheduler["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    assert scheduler["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert scheduler["Target"] == {
        "Arn": ARN,
        "Input": '{"a":1}',
        "RoleArn": {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]},
    }
    role = props(t, "IamRoleLambdaExecution")
    assert (
        "scheduler.amazonaws.com"
        in role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
    )


def test_event_bridge_events(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
functions:
  hello:
    handler: handler.main
    events:
      - eventBridge:
          eventBus: orders-bus
          pattern: {source: [shop.orders]}
          inputTransformer:
            inputPathsMap: {id: $.detail.id}
            inputTemplate: '{"id": <id>}'
          retryPolicy: {maximumEventAge: 3600, maximumRetryAttempts: 2}
      - eventBridge: {schedule: rate(1 day), input: {x: 1}, enabled: false}
      - cloudwatchEvent: {event: {source: [aws.ec2]}}
      - alb: {listenerArn: arn, priority: 1, conditions: {path: /x}}
""",
    )
    bus = props(t, "OrdersDashbusEventBridgeEventBus")
    assert bus == {"Name": "orders-bus"}
    rule = resources(t)["Shopdevhellorule1EventBridgeRule"]
    assert rule["DependsOn"] == ["OrdersDashbusEventBridgeEventBus"]
    p = rule["Properties"]
    assert p["Name"] == "shop-dev-hello-rule-1" and p["EventBusName"] == "orders-bus"
    assert p["EventPattern"] == {"source": ["shop.orders"]}
    target = p["Targets"][0]
    assert target["InputTransformer"] == {
        "InputTemplate": '{"id": <id>}',
        "InputPathsMap": {"id": "$.detail.id"},
    }
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 2}
    second = props(t, "Shopdevhellorule2EventBridgeRule")
    assert second["ScheduleExpression"] == "rate(1 day)" and second["State"] == "DISABLED"
    assert second["Targets"][0]["Input"] == '{"x":1}'
    assert props(t, "HelloEventBridgeLambdaPermission1")["SourceArn"] == {
        "Fn::GetAtt": ["Shopdevhellorule1EventBridgeRule", "Arn"]
    }
    assert props(t, "HelloEventsRuleCloudWatchEvent1")["EventPattern"] == {"source": ["aws.ec2"]}
    assert any('"alb" events are not supported' in w for w in t.warnings)


def test_layers(tmp_path: Path) -> None:
    (tmp_path / "layers" / "common" / "python").mkdir(parents=True)
    (tmp_path / "layers" / "common" / "python" / "lib.py").write_text("X = 1\n")
    t = translate(
        tmp_path,
        """
layers:
  common:
    path: layers/common
    compatibleRuntimes: [python3.12]
functions:
  hello:
    handler: handler.main
    layers: [!Ref CommonLambdaLayer]
""",
    )
    layer = props(t, "CommonLambdaLayer")
    assert layer["LayerName"] == "common" and layer["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Content"]["S3Key"] == {"Ref": "TenkuArtifactKeyCommonLayer"}
    assert props(t, "HelloLambdaFunction")["Layers"] == [{"Ref": "CommonLambdaLayer"}]
    by_name = {a.name: a for a in t.artifacts}
    assert by_name["common"].files() == ["python/lib.py"]
    assert "layers/common/python/lib.py" not in by_name["shop"].files()
