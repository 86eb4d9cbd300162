"""CloudFormation stacks through the wire: create, update (in place and by replacement),
delete, events, resources, rollbacks and DeletionPolicy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.apigateway_support import raw
from tests.integration.cloudformation_support import (
    ROLE,
    create,
    delete,
    events,
    function_names,
    outputs,
    queue_names,
    refused,
    unique,
    update,
    wait_stack,
)
from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def cfn(tenku: TenkuProcess) -> Any:
    return tenku.client("cloudformation")


@pytest.fixture(scope="module")
def lam(tenku: TenkuProcess) -> Any:
    return tenku.client("lambda")


@pytest.fixture(scope="module")
def ddb(tenku: TenkuProcess) -> Any:
    return tenku.client("dynamodb")


APP = """
AWSTemplateFormatVersion: "2010-09-09"
Description: an app of a queue, a table and a function fed by the queue
Parameters:
  Prefix: {Type: String}
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Greeting: {Type: String, Default: hello}
  Secret: {Type: String, NoEcho: true, Default: hush}
Mappings:
  Sizes:
    dev: {Timeout: "10"}
    prod: {Timeout: "30"}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Prefix}-jobs"
      VisibilityTimeout: !FindInMap [Sizes, !Ref Stage, Timeout]
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
    Properties:
      QueueName: !Sub "${Prefix}-prod-only"
  Items:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${Prefix}-items"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${Prefix}-worker"
      Runtime: python3.12
      Handler: index.handler
      Role: ROLE_ARN
      Timeout: 5
      Environment:
        Variables:
          GREETING: !Ref Greeting
          TABLE: !Ref Items
      Code:
        ZipFile: |
          import os
          def handler(event, context):
              return {"greeting": os.environ["GREETING"], "table": os.environ["TABLE"]}
  Feed:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
      BatchSize: "5"
Outputs:
  QueueUrl:
    Value: !Ref Jobs
    Export: {Name: !Sub "${AWS::StackName}-queue"}
  TableArn: {Value: !GetAtt Items.Arn}
  FunctionArn: {Value: !GetAtt Worker.Arn}
  ProdQueue: {Condition: IsProd, Value: !Ref ProdOnly}
""".replace("ROLE_ARN", ROLE)


def test_create_update_delete_an_app(cfn: Any, lam: Any, ddb: Any, sqs: Any) -> None:
    name, prefix = unique("app"), unique("p")
    params = [{"ParameterKey": "Prefix", "ParameterValue": prefix}]
    stack_id = cfn.create_stack(StackName=name, TemplateBody=APP, Parameters=params)["StackId"]
    assert stack_id.startswith(f"arn:aws:cloudformation:us-east-1:000000000000:stack/{name}/")
    stack = wait_stack(cfn, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", events(cfn, name)
    assert stack["Description"].startswith("an app")
    shown = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert shown == {"Prefix": prefix, "Stage": "dev", "Greeting": "hello", "Secret": "****"}
    out = outputs(stack)
    assert out["QueueUrl"].endswith(f"/000000000000/{prefix}-jobs")
    assert "ProdQueue" not in out
    assert out["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{prefix}-items"
    exports = {e["Name"]: e for e in cfn.list_exports()["Exports"]}
    assert exports[f"{name}-queue"]["Value"] == out["QueueUrl"]
    assert exports[f"{name}-queue"]["ExportingStackId"] == stack_id

    attributes = sqs.get_queue_attributes(QueueUrl=out["QueueUrl"], AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "10"
    assert ddb.describe_table(TableName=f"{prefix}-items")["Table"]["TableStatus"] == "ACTIVE"
    result = json.loads(lam.invoke(FunctionName=f"{prefix}-worker")["Payload"].read())
    assert result == {"greeting": "hello", "table": f"{prefix}-items"}
    mappings = lam.list_event_source_mappings(FunctionName=f"{prefix}-worker")
    assert mappings["EventSourceMappings"][0]["BatchSize"] == 5

    resources = {
        r["LogicalResourceId"]: r
        for r in cfn.describe_stack_resources(StackName=name)["StackResources"]
    }
    assert set(resources) == {"Jobs", "Items", "Worker", "Feed"}
    assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in resources.values())
    assert resources["Worker"]["PhysicalResourceId"] == f"{prefix}-worker"
    detail = cfn.describe_stack_resource(StackName=name, LogicalResourceId="Items")
    assert detail["StackResourceDetail"]["PhysicalResourceId"] == f"{prefix}-items"
    history = events(cfn, name)
    assert history[0] == (name, "CREATE_IN_PROGRESS", "User Initiated")
    assert history[-1][:2] == (name, "CREATE_COMPLETE")
    assert (("Items", "CREATE_COMPLETE", "")) in history
    newest = cfn.describe_stack_events(StackName=name)["StackEvents"][0]
    assert newest["ResourceStatus"] == "CREATE_COMPLETE" and newest["StackId"] == stack_id

    # In place (the function's environment) and by replacement (the queue's new name).
    renamed = APP.replace('"${Prefix}-jobs"', '"${Prefix}-tasks"')
    stack = update(
        cfn,
        name,
        renamed,
        Parameters=[*params, {"ParameterKey": "Greeting", "ParameterValue": "hi"}],
    )
    assert stack["StackStatus"] == "UPDATE_COMPLETE", events(cfn, name)
    assert "LastUpdatedTime" in stack
    assert outputs(stack)["QueueUrl"].endswith(f"/{prefix}-tasks")
    names = queue_names(sqs)
    assert f"{prefix}-tasks" in names and f"{prefix}-jobs" not in names
    result = json.loads(lam.invoke(FunctionName=f"{prefix}-worker")["Payload"].read())
    assert result["greeting"] == "hi"
    mapping = lam.list_event_source_mappings(FunctionName=f"{prefix}-worker")["EventSourceMappings"]
    assert [m["EventSourceArn"].rsplit(":", 1)[1] for m in mapping] == [f"{prefix}-tasks"]
    statuses = [status for lid, status, _ in events(cfn, name) if lid == name]
    assert statuses[-3:] == [
        "UPDATE_IN_PROGRESS",
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_COMPLETE",
    ]
    reasons = [r for lid, s, r in events(cfn, name) if lid == "Jobs" and s == "UPDATE_IN_PROGRESS"]
    assert "Requested update requires the creation of a new physical resource" in reasons[0]
    listed = {
        r["LogicalResourceId"]: r
        for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    }
    assert listed["Jobs"]["PhysicalResourceId"].endswith(f"/{prefix}-tasks")
    assert listed["Jobs"]["ResourceStatus"] == "UPDATE_COMPLETE"

    # The condition switched on adds a queue.
    stack = update(
        cfn,
        name,
        renamed,
        Parameters=[*params, {"ParameterKey": "Stage", "ParameterValue": "prod"}],
    )
    assert stack["StackStatus"] == "UPDATE_COMPLETE", events(cfn, name)
    assert outputs(stack)["ProdQueue"].endswith(f"/{prefix}-prod-only")

    gone = delete(cfn, name)
    assert gone["StackStatus"] == "DELETE_COMPLETE" and "DeletionTime" in gone
    assert not {f"{prefix}-tasks", f"{prefix}-prod-only"} & queue_names(sqs)
    assert f"{prefix}-worker" not in function_names(lam)
    assert f"{prefix}-items" not in ddb.list_tables()["TableNames"]
    assert f"{name}-queue" not in {e["Name"] for e in cfn.list_exports()["Exports"]}
    refused(
        cfn.describe_stacks,
        "ValidationError",
        f"Stack with id {name} does not exist",
        StackName=name,
    )
    summaries = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert stack_id in {s["StackId"] for s in summaries}
    assert cfn.delete_stack(StackName=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert all(s["StackName"] != name for s in cfn.describe_stacks()["Stacks"])


FAILING = """
Resources:
  Good:
    Type: AWS::SQS::Queue
    Properties: {QueueName: %(queue)s}
  Bad:
    Type: AWS::Lambda::Function
    DependsOn: Good
    Properties:
      FunctionName: %(function)s
      Runtime: python0.1
      Handler: index.handler
      Role: %(role)s
      Code: {ZipFile: "def handler(e, c): return 1"}
"""


def test_a_failing_resource_rolls_the_create_back(cfn: Any, sqs: Any, lam: Any) -> None:
    name, queue, function = unique(), unique("q"), unique("f")
    body = FAILING % {"queue": queue, "function": function, "role": ROLE}
    stack = create(cfn, name, body)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"].startswith(
        "The following resource(s) failed to create: [Bad]"
    )
    history = events(cfn, name)
    failed = [r for lid, s, r in history if lid == "Bad" and s == "CREATE_FAILED"]
    assert "Runtime" in failed[0] or "runtime" in failed[0], failed
    assert (name, "ROLLBACK_IN_PROGRESS") in [(lid, s) for lid, s, _ in history]
    assert ("Good", "DELETE_COMPLETE", "") in history
    assert queue not in queue_names(sqs) and function not in function_names(lam)
    # A rolled back stack keeps its name until deleted, and cannot be updated.
    refused(
        cfn.create_stack,
        "AlreadyExistsException",
        f"Stack [{name}] already exists",
        StackName=name,
        TemplateBody=body,
    )
    refused(
        cfn.update_stack,
        "ValidationError",
        "is in ROLLBACK_COMPLETE state and can not be updated.",
        StackName=name,
        TemplateBody=body,
    )
    assert delete(cfn, name)["StackStatus"] == "DELETE_COMPLETE"


def test_on_failure_do_nothing_keeps_what_was_made(cfn: Any, sqs: Any) -> None:
    name, queue, function = unique(), unique("q"), unique("f")
    body = FAILING % {"queue": queue, "function": function, "role": ROLE}
    stack = create(cfn, name, body, OnFailure="DO_NOTHING")
    assert stack["StackStatus"] == "CREATE_FAILED"
    assert queue in queue_names(sqs)
    assert delete(cfn, name)["StackStatus"] == "DELETE_COMPLETE"
    assert queue not in queue_names(sqs)


def test_on_failure_delete_removes_the_stack(cfn: Any, sqs: Any) -> None:
    name, queue, function = unique(), unique("q"), unique("f")
    body = FAILING % {"queue": queue, "function": function, "role": ROLE}
    stack_id = cfn.create_stack(StackName=name, TemplateBody=body, OnFailure="DELETE")["StackId"]
    assert wait_stack(cfn, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert queue not in queue_names(sqs)


QUEUES = """
Resources:
  First:
    Type: AWS::SQS::Queue
    Properties: {QueueName: %s, DelaySeconds: %d}
"""


def test_no_updates_and_a_failed_update_rolls_back(cfn: Any, sqs: Any) -> None:
    name, queue = unique(), unique("q")
    body = QUEUES % (queue, 1)
    assert create(cfn, name, body)["StackStatus"] == "CREATE_COMPLETE"
    refused(
        cfn.update_stack,
        "ValidationError",
        "No updates are to be performed.",
        StackName=name,
        TemplateBody=body,
    )
    refused(
        cfn.update_stack,
        "ValidationError",
        "No updates are to be performed.",
        StackName=name,
        UsePreviousTemplate=True,
    )
    broken = (QUEUES % (queue, 3)) + (
        "  Second:\n    Type: AWS::SQS::Queue\n    DependsOn: First\n"
        "    Properties: {QueueName: x, DelaySeconds: 9999}\n"
    )
    stack = update(cfn, name, broken)
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE", events(cfn, name)
    assert "failed to create: [Second]" in stack["StackStatusReason"]
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    delay = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
    assert delay["Attributes"]["DelaySeconds"] == "1"  # set back
    assert "x" not in queue_names(sqs)
    assert cfn.get_template(StackName=name)["TemplateBody"] == body
    # After a rolled back update the stack can be updated again.
    assert update(cfn, name, QUEUES % (queue, 2))["StackStatus"] == "UPDATE_COMPLETE"
    delete(cfn, name)


RETAINED = """
Resources:
  Kept:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
    Properties: {QueueName: %s}
  Dropped:
    Type: AWS::SQS::Queue
    Properties: {QueueName: %s}
"""


def test_deletion_policy_retain_keeps_the_resource(cfn: Any, sqs: Any) -> None:
    name, kept, dropped = unique(), unique("kept"), unique("dropped")
    create(cfn, name, RETAINED % (kept, dropped))
    assert delete(cfn, name)["StackStatus"] == "DELETE_COMPLETE"
    names = queue_names(sqs)
    assert kept in names and dropped not in names
    stack_id = cfn.list_stacks()["StackSummaries"][0]["StackId"]
    skipped = [s for lid, s, _ in events(cfn, stack_id) if lid == "Kept"]
    assert skipped[-1] == "DELETE_SKIPPED"
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=kept)["QueueUrl"])


ELSEWHERE = """
Resources:
  Layer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: {S3Bucket: bucket-in-another-account, S3Key: layer.zip}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: %s
      Layers: [!Ref Layer]
      Code: {S3Bucket: bucket-in-another-account, S3Key: code.zip}
"""


def test_packages_that_are_not_in_tenku_s3_fail_or_stand_in_when_skipping(
    cfn: Any, lam: Any
) -> None:
    body = ELSEWHERE % ROLE
    name = unique()
    stack = create(cfn, name, body)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [r for lid, s, r in events(cfn, name) if s == "CREATE_FAILED" and lid == "Layer"]
    assert "NoSuchBucket" in failed[0], failed
    delete(cfn, name)
    # With unknown types skipped, a package that only exists elsewhere stands in for itself:
    # the stack comes up, and the function fails as a package without its handler does.
    name = unique()
    tags = [{"Key": "tenku:skip-unknown-types", "Value": "true"}]
    stack = create(cfn, name, body, Tags=tags)
    assert stack["StackStatus"] == "CREATE_COMPLETE", events(cfn, name)
    function = cfn.describe_stack_resource(StackName=name, LogicalResourceId="Fn")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    answer = lam.invoke(FunctionName=function, Payload=b"{}")
    assert answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "Runtime.ImportModuleError", error
    delete(cfn, name)


REST_ELSEWHERE = """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: elsewhere
      BodyS3Location: {Bucket: bucket-in-another-account, Key: api/openapi.yaml}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
"""


def test_an_api_definition_not_in_tenku_s3_stands_in_when_skipping(
    cfn: Any, tenku: TenkuProcess
) -> None:
    name = unique()
    stack = create(cfn, name, REST_ELSEWHERE)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    delete(cfn, name)
    name = unique()
    tags = [{"Key": "tenku:skip-unknown-types", "Value": "true"}]
    stack = create(cfn, name, REST_ELSEWHERE, Tags=tags)
    assert stack["StackStatus"] == "CREATE_COMPLETE", events(cfn, name)
    api_id = cfn.describe_stack_resource(StackName=name, LogicalResourceId="Api")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    status, _, body = raw(tenku.port, f"{api_id}.execute-api.localhost", "GET", "/prod/")
    assert status == 501
    assert json.loads(body) == {
        "message": "The API definition s3://bucket-in-another-account/api/openapi.yaml"
        " is not in Tenku's S3."
    }
    delete(cfn, name)


def test_tags_and_the_skip_unknown_types_opt_in(cfn: Any) -> None:
    name = unique()
    body = """
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Machine:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1}
Outputs:
  MachineId: {Value: !Ref Machine}
  Zone: {Value: !GetAtt Machine.AvailabilityZone}
"""
    refused(
        cfn.create_stack,
        "ValidationError",
        "Template format error: Unrecognized resource types: [AWS::EC2::Instance]",
        StackName=name,
        TemplateBody=body,
    )
    tags = [{"Key": "tenku:skip-unknown-types", "Value": "true"}, {"Key": "team", "Value": "a"}]
    stack = create(cfn, name, body, Tags=tags)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Tags"] == tags
    assert outputs(stack) == {"MachineId": "Machine", "Zone": "Machine.AvailabilityZone"}
    skipped = [r for lid, s, r in events(cfn, name) if lid == "Machine" and s == "CREATE_COMPLETE"]
    assert skipped and "Skipped" in skipped[0]
    delete(cfn, name)
