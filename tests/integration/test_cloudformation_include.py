"""Black-box: CloudFormation's `AWS::Include` transform. The snippet lives in S3 (where
`sam deploy` / `aws cloudformation package` upload a local Location); it is put in place
before the SAM transform runs, as a whole value or merged into a section; CreateStack
needs CAPABILITY_AUTO_EXPAND for it; bad Locations, missing objects and malformed
snippets are refused with CloudFormation's messages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.cloudformation_support import create, refused, unique
from tests.integration.conftest import TenkuProcess

BUCKET = "include-snippets"
AUTO_EXPAND = ["CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM"]

HTTP_OPENAPI = """
openapi: "3.0.1"
info: {title: included}
paths:
  /orders:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        payloadFormatVersion: "2.0"
        uri:
          Fn::Sub: "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/\\
            ${Fn.Arn}/invocations"
"""

SAM_HTTP_API = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(e, c):\\n    return {'statusCode': 200, 'body': 'ok'}\\n"
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters: {Location: LOCATION}
Outputs:
  ApiId: {Value: !Ref Api}
"""

QUEUE_SNIPPET = """
Extra:
  Type: AWS::SQS::Queue
  Properties: {QueueName: QUEUE}
"""

MERGED_INTO_RESOURCES = """
Resources:
  Main:
    Type: AWS::SQS::Queue
  Fn::Transform:
    Name: AWS::Include
    Parameters: {Location: LOCATION}
"""


@pytest.fixture(scope="module")
def clients(tenku: TenkuProcess) -> dict[str, Any]:
    s3 = tenku.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return {name: tenku.client(name) for name in ("cloudformation", "apigatewayv2", "sqs", "s3")}


def put(clients: dict[str, Any], key: str, body: str) -> str:
    clients["s3"].put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    return f"s3://{BUCKET}/{key}"


def test_an_included_openapi_document_becomes_the_sam_http_api(clients: dict[str, Any]) -> None:
    location = put(clients, "http.yaml", HTTP_OPENAPI)
    name = unique()
    stack = create(
        clients["cloudformation"], name, SAM_HTTP_API.replace("LOCATION", location),
        Capabilities=AUTO_EXPAND,
    )  # fmt: skip
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    api_id = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["ApiId"]
    routes = clients["apigatewayv2"].get_routes(ApiId=api_id)["Items"]
    assert [r["RouteKey"] for r in routes] == ["POST /orders"]


def test_an_include_beside_other_keys_merges_into_the_section(clients: dict[str, Any]) -> None:
    queue = unique("included")
    location = put(clients, "queue.yaml", QUEUE_SNIPPET.replace("QUEUE", queue))
    body = MERGED_INTO_RESOURCES.replace("LOCATION", location)
    refused(
        clients["cloudformation"].create_stack, "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_AUTO_EXPAND]", StackName=unique(), TemplateBody=body,
    )  # fmt: skip
    stack = create(clients["cloudformation"], unique(), body, Capabilities=AUTO_EXPAND)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    assert clients["sqs"].get_queue_url(QueueName=queue)["QueueUrl"].endswith(queue)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("./api.yaml", "The location parameter is not a valid S3 uri."),
        ("https://example.com/api.yaml", "The location parameter is not a valid S3 uri."),
        (f"s3://{BUCKET}/no-such.yaml", "S3 object does not exist or access is denied."),
        (f"s3://{BUCKET}/broken.yaml", "The specified S3 object's content should be valid"),
    ],
)
def test_bad_includes_are_refused(clients: dict[str, Any], location: str, message: str) -> None:
    put(clients, "broken.yaml", "paths: [unclosed\n")
    body = MERGED_INTO_RESOURCES.replace("LOCATION", location)
    refused(
        clients["cloudformation"].create_stack, "ValidationError",
        f"Transform AWS::Include failed with: {message}", StackName=unique(), TemplateBody=body,
        Capabilities=AUTO_EXPAND,
    )  # fmt: skip


def test_the_processed_template_and_summary_show_the_include(clients: dict[str, Any]) -> None:
    queue = unique("shown")
    location = put(clients, "shown.yaml", QUEUE_SNIPPET.replace("QUEUE", queue))
    body = MERGED_INTO_RESOURCES.replace("LOCATION", location)
    cfn, name = clients["cloudformation"], unique()
    create(cfn, name, body, Capabilities=AUTO_EXPAND)
    original = cfn.get_template(StackName=name)["TemplateBody"]
    assert "Fn::Transform" in original and queue not in original
    processed = cfn.get_template(StackName=name, TemplateStage="Processed")["TemplateBody"]
    assert set(processed["Resources"]) == {"Main", "Extra"}
    summary = cfn.get_template_summary(TemplateBody=body)
    assert summary["DeclaredTransforms"] == ["AWS::Include"]
    assert "CAPABILITY_AUTO_EXPAND" in summary["Capabilities"]
    assert cfn.validate_template(TemplateBody=body)["DeclaredTransforms"] == ["AWS::Include"]
