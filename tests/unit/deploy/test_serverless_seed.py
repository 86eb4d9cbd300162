"""The guide's serverless.yml (tests/fixtures/seed) and the `resources` block."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenku.deploy.resources import HANDLERS
from tenku.deploy.serverless import ServerlessError, translate_service
from tests.unit.deploy.serverless_support import props, resources, translate

SEED = Path(__file__).parents[2] / "fixtures" / "seed"
# Types the resource-handlers helper is adding alongside this translator.
COMING = {
    "AWS::S3::Bucket", "AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::Events::Rule",
    "AWS::Events::EventBus", "AWS::Scheduler::Schedule", "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Authorizer", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Authorizer", "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient",
    "AWS::SSM::Parameter",
}  # fmt: skip


def test_the_guides_service_translates_unchanged() -> None:
    t = translate_service(SEED, ssm_lookup={"/myapp/dev/jwt-secret": "shh"}.get)
    assert (t.stack_name, t.stage, t.region) == ("my-api-service-dev", "dev", "ap-northeast-1")
    types = {r["Type"] for r in t.template["Resources"].values()}
    assert types <= set(HANDLERS) | COMING, types - set(HANDLERS) - COMING
    r = t.template["Resources"]
    for function in ("GetUsers", "CreateUser", "ProcessOrders", "ScheduledReport"):
        assert r[f"{function}LambdaFunction"]["Type"] == "AWS::Lambda::Function"
        assert r[f"{function}LogGroup"]["Type"] == "AWS::Logs::LogGroup"
    get_users = r["GetUsersLambdaFunction"]["Properties"]
    assert get_users["Runtime"] == "nodejs22.x" and get_users["Architectures"] == ["arm64"]
    assert get_users["TracingConfig"] == {"Mode": "Active"}
    assert get_users["Environment"]["Variables"] == {
        "STAGE": "dev",
        "USERS_TABLE": "my-api-service-dev-users",
        "ORDERS_TABLE": "my-api-service-dev-orders",
        "JWT_SECRET": "shh",
    }
    assert r["ProcessOrdersLambdaFunction"]["Properties"]["ReservedConcurrentExecutions"] == 10
    assert r["ProcessOrdersLambdaFunction"]["Properties"]["Timeout"] == 120
    assert r["UsersTable"]["Properties"]["TableName"] == "my-api-service-dev-users"
    assert r["OrderQueue"]["Properties"]["QueueName"] == "my-api-service-dev-orders.fifo"
    assert r["HttpApiRouteGetUsers"]["Properties"]["AuthorizationType"] == "JWT"
    assert r["HttpApiRoutePostUsers"]["Properties"]["AuthorizerId"] == {
        "Ref": "HttpApiAuthorizerJwtAuth"
    }
    assert r["HttpApi"]["Properties"]["CorsConfiguration"]["AllowOrigins"] == [
        "https://myapp.com",
        "http://localhost:3000",
    ]
    mapping = r["ProcessOrdersEventSourceMappingSQSOrderQueue"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["OrderQueue", "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    rule = r["ScheduledReportEventsRuleSchedule1"]["Properties"]
    assert rule["ScheduleExpression"] == "cron(0 9 * * ? *)"
    assert rule["Targets"][0]["Input"] == '{"reportType":"daily"}'
    # The short-form tags of `provider` and `resources` survive as long forms.
    jwt = r["HttpApiAuthorizerJwtAuth"]["Properties"]["JwtConfiguration"]
    assert jwt["Issuer"] == {
        "Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${CognitoUserPool}"
    }
    assert jwt["Audience"] == [{"Ref": "CognitoUserPoolClient"}]
    assert t.template["Outputs"]["ApiEndpoint"]["Value"] == {
        "Fn::Sub": "https://${HttpApi}.execute-api.ap-northeast-1.amazonaws.com"
    }
    assert "HttpApiUrl" in t.template["Outputs"]
    # The guide names a user pool, its client and an orders table it never defines.
    assert r["CognitoUserPool"]["Type"] == "AWS::Cognito::UserPool"
    assert r["CognitoUserPoolClient"]["Properties"]["UserPoolId"] == {"Ref": "CognitoUserPool"}
    statements = r["IamRoleLambdaExecution"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    dynamo = next(s for s in statements if "dynamodb:Query" in s["Action"])
    assert dynamo["Resource"] == [
        {"Fn::GetAtt": ["UsersTable", "Arn"]},
        {"Fn::Sub": "${UsersTable.Arn}/index/*"},
    ]
    warnings = "\n".join(t.warnings)
    for plugin in ("serverless-esbuild", "serverless-offline", "serverless-dotenv-plugin"):
        assert f'Plugin "{plugin}" is ignored' in warnings
    assert "OrdersTable" in warnings and "CognitoUserPool" in warnings
    assert "Function (getUsers) timeout setting (30) may not provide enough room" in warnings
    (artifact,) = t.artifacts
    assert artifact.files() == [
        "src/orders/processor.js",
        "src/reports/daily.js",
        "src/users/handler.js",
    ]


def test_the_guide_with_a_stage_and_region() -> None:
    t = translate_service(
        SEED, stage="prod", region="eu-west-1", ssm_lookup={"/myapp/prod/jwt-secret": "p"}.get
    )
    assert t.stack_name == "my-api-service-prod" and t.region == "eu-west-1"
    props = t.template["Resources"]["GetUsersLambdaFunction"]["Properties"]
    assert props["FunctionName"] == "my-api-service-prod-getUsers"
    assert props["Environment"]["Variables"]["JWT_SECRET"] == "p"


def test_strict_refuses_what_cloudformation_refuses() -> None:
    with pytest.raises(
        ServerlessError,
        match=r"Unresolved resource dependencies \["
        r"CognitoUserPool, CognitoUserPoolClient, OrdersTable\]",
    ):
        translate_service(SEED, ssm_lookup=lambda name: "x", strict=True)


def test_a_missing_ssm_parameter_is_the_frameworks_error() -> None:
    with pytest.raises(ServerlessError) as caught:
        translate_service(SEED, ssm_lookup=lambda name: None)
    assert (
        'Cannot resolve variable at "provider.environment.JWT_SECRET": Value not found at '
        '"ssm" source' in str(caught.value)
    )


def test_resources_tags_overrides_extensions_and_outputs(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
functions:
  hello:
    handler: handler.main
outputs:
  tableName: !Ref Table
  settings: {a: 1}
resources:
  - Conditions:
      IsDev: !Equals ["${sls:stage}", dev]
    Resources:
      Table:
        Type: AWS::DynamoDB::Table
        Condition: IsDev
        Properties:
          TableName: !Sub "${AWS::StackName}-table"
          StreamSpecification: {StreamViewType: NEW_IMAGE}
      HelloLambdaFunction:
        Properties:
          Timeout: 99
          Environment:
            Variables:
              TABLE_ARN: !GetAtt Table.Arn
              ARN_PART: !Select [1, !Split ["/", !GetAtt Table.Arn]]
  - Outputs:
      TableArn:
        Value: !GetAtt Table.Arn
        Export: {Name: !Sub "${AWS::StackName}-TableArn"}
    extensions:
      HelloLogGroup:
        Properties: {RetentionInDays: 3}
        DeletionPolicy: Retain
""",
    )
    r = resources(t)
    assert r["Table"]["Condition"] == "IsDev"
    assert t.template["Conditions"]["IsDev"] == {"Fn::Equals": ["dev", "dev"]}
    assert props(t, "Table")["TableName"] == {"Fn::Sub": "${AWS::StackName}-table"}
    hello = props(t, "HelloLambdaFunction")
    assert hello["Timeout"] == 99 and hello["Handler"] == "handler.main"  # merged, not replaced
    assert hello["Environment"]["Variables"] == {
        "TABLE_ARN": {"Fn::GetAtt": ["Table", "Arn"]},
        "ARN_PART": {"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::GetAtt": ["Table", "Arn"]}]}]},
    }
    assert props(t, "HelloLogGroup")["RetentionInDays"] == 3
    assert r["HelloLogGroup"]["DeletionPolicy"] == "Retain"
    outputs = t.template["Outputs"]
    assert outputs["TableArn"]["Export"] == {"Name": {"Fn::Sub": "${AWS::StackName}-TableArn"}}
    assert outputs["tableName"] == {"Value": {"Ref": "Table"}}
    assert outputs["settings"] == {"Value": '{"a": 1}'}


def test_extensions_need_an_existing_resource(tmp_path: Path) -> None:
    with pytest.raises(ServerlessError, match='Resource "Nope" is not defined'):
        translate(
            tmp_path,
            """
functions:
  hello: {handler: handler.main}
resources:
  extensions:
    Nope: {Properties: {A: 1}}
""",
        )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("service: x\nprovider: {name: google}\n", 'must be equal to "aws"'),
        ("provider: {name: aws}\n", "must have required property 'service'"),
        (
            "service: x\nprovider: {name: aws}\nfunctions:\n  f: {runtime: python3.12}\n",
            "must have required property 'handler'",
        ),
        (
            "service: x\nprovider: {name: aws}\nfunctions:\n  f: {handler: a.b, image: img}\n",
            "Tenku runs zip packages only",
        ),
        ("service: [\n", 'Cannot parse "serverless.yml"'),
    ],
)
def test_bad_services(tmp_path: Path, header: str, message: str) -> None:
    with pytest.raises(ServerlessError, match=message):
        translate(tmp_path, "", header=header)


def test_stack_name_and_bound_template(tmp_path: Path) -> None:
    t = translate(
        tmp_path,
        """
  stackName: custom-stack
functions:
  hello: {handler: handler.main}
""",
    )
    assert t.stack_name == "custom-stack"
    (artifact,) = t.artifacts
    key = artifact.default_key(t.service, t.stage)
    assert key.startswith("serverless/shop/dev/") and key.endswith("/shop.zip")
    values = t.parameter_values("bucket", {artifact.key_parameter: key})
    assert values == {"TenkuArtifactBucket": "bucket", "TenkuArtifactKey": key}
    bound = t.bind("bucket", {"shop": key})
    assert "Parameters" not in bound
    assert bound["Resources"]["HelloLambdaFunction"]["Properties"]["Code"] == {
        "S3Bucket": "bucket",
        "S3Key": key,
    }
    with pytest.raises(ValueError, match="no S3 key"):
        t.parameter_values("bucket", {})
