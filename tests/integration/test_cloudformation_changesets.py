"""Change sets through the wire, `aws cloudformation deploy`, and SAM templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cloudformation_support import (
    ROLE,
    delete,
    events,
    function_names,
    outputs,
    queue_names,
    refused,
    unique,
    wait_change_set,
    wait_stack,
)
from tests.integration.conftest import TenkuProcess


@pytest.fixture(scope="module")
def cfn(tenku: TenkuProcess) -> Any:
    return tenku.client("cloudformation")


@pytest.fixture(scope="module")
def lam(tenku: TenkuProcess) -> Any:
    return tenku.client("lambda")


TWO_QUEUES = """
Parameters:
  Name: {Type: String}
  Delay: {Type: Number, Default: 0}
Resources:
  Main:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Ref Name, DelaySeconds: !Ref Delay}
  Side:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Name}-side"
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Main.Arn, maxReceiveCount: 3}
Outputs:
  Main: {Value: !GetAtt Main.QueueName}
"""


def test_change_sets_create_describe_execute(cfn: Any, sqs: Any) -> None:
    name, queue = unique(), unique("q")
    params = [{"ParameterKey": "Name", "ParameterValue": queue}]
    created = cfn.create_change_set(
        StackName=name,
        ChangeSetName="first",
        ChangeSetType="CREATE",
        TemplateBody=TWO_QUEUES,
        Parameters=params,
        Description="the first one",
    )
    assert created["Id"].startswith(
        "arn:aws:cloudformation:us-east-1:000000000000:changeSet/first/"
    )
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS" and stack["StackId"] == created["StackId"]
    change_set = wait_change_set(cfn, name, "first")
    assert change_set["Status"] == "CREATE_COMPLETE"
    assert change_set["ExecutionStatus"] == "AVAILABLE"
    assert change_set["Description"] == "the first one"
    changes = {
        c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in change_set["Changes"]
    }
    assert {k: v["Action"] for k, v in changes.items()} == {"Main": "Add", "Side": "Add"}
    assert changes["Main"]["ResourceType"] == "AWS::SQS::Queue"
    summaries = cfn.list_change_sets(StackName=name)["Summaries"]
    assert [s["ChangeSetName"] for s in summaries] == ["first"]
    assert queue not in queue_names(sqs)  # nothing happens before execution

    cfn.execute_change_set(ChangeSetName=created["Id"])
    stack = wait_stack(cfn, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["ChangeSetId"] == created["Id"]
    assert outputs(stack) == {"Main": queue}
    executed = cfn.describe_change_set(ChangeSetName=created["Id"])
    assert executed["ExecutionStatus"] == "EXECUTE_COMPLETE"
    refused(
        cfn.execute_change_set,
        "InvalidChangeSetStatus",
        "cannot be executed",
        ChangeSetName=created["Id"],
    )

    # In place: DelaySeconds; the dependent queue is untouched.
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="delay",
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": "Name", "UsePreviousValue": True},
            {"ParameterKey": "Delay", "ParameterValue": "5"},
        ],
    )
    change_set = wait_change_set(cfn, name, "delay")
    [change] = [c["ResourceChange"] for c in change_set["Changes"]]
    assert change["Action"] == "Modify" and change["LogicalResourceId"] == "Main"
    assert change["Replacement"] == "False"
    assert change["PhysicalResourceId"].endswith(f"/{queue}")
    assert change["Details"][0]["Target"]["Name"] == "DelaySeconds"

    # Replacement: a new name, and the queue that names its ARN changes with it.
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="rename",
        UsePreviousTemplate=True,
        Parameters=[{"ParameterKey": "Name", "ParameterValue": queue + "-2"}],
    )
    change_set = wait_change_set(cfn, name, "rename")
    changes = {
        c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in change_set["Changes"]
    }
    assert changes["Main"]["Replacement"] == "True"
    assert changes["Side"]["Replacement"] == "True"  # its name changes too
    assert changes["Side"]["Action"] == "Modify"

    # Nothing changed: the change set fails with CloudFormation's words.
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="same",
        UsePreviousTemplate=True,
        Parameters=[{"ParameterKey": "Name", "UsePreviousValue": True}],
    )
    change_set = wait_change_set(cfn, name, "same")
    assert change_set["Status"] == "FAILED"
    assert change_set["ExecutionStatus"] == "UNAVAILABLE"
    assert change_set["StatusReason"] == (
        "The submitted information didn't contain changes. Submit different information to "
        "create a change set."
    )
    cfn.delete_change_set(StackName=name, ChangeSetName="same")
    refused(
        cfn.describe_change_set,
        "ChangeSetNotFound",
        "ChangeSet [same] does not exist",
        StackName=name,
        ChangeSetName="same",
    )

    cfn.execute_change_set(StackName=name, ChangeSetName="rename")
    assert wait_stack(cfn, name)["StackStatus"] == "UPDATE_COMPLETE"
    names = queue_names(sqs)
    assert {queue + "-2", queue + "-2-side"} <= names and queue not in names
    # The stack's change sets went with the execution.
    assert cfn.list_change_sets(StackName=name)["Summaries"] == []
    delete(cfn, name)


def test_change_set_bad_paths(cfn: Any) -> None:
    name = unique()
    refused(
        cfn.create_change_set,
        "ValidationError",
        f"Stack [{name}] does not exist",
        StackName=name,
        ChangeSetName="x",
        TemplateBody=TWO_QUEUES,
    )
    refused(
        cfn.create_change_set,
        "ValidationError",
        "Parameters: [Name] must have values",
        StackName=name,
        ChangeSetName="x",
        ChangeSetType="CREATE",
        TemplateBody=TWO_QUEUES,
    )
    refused(
        cfn.create_change_set,
        "ValidationError",
        "at 'changeSetName' failed to satisfy",
        StackName=name,
        ChangeSetName="9bad",
        ChangeSetType="CREATE",
        TemplateBody=TWO_QUEUES,
    )
    refused(
        cfn.describe_change_set,
        "ChangeSetNotFound",
        "ChangeSet [nope] does not exist",
        StackName=name,
        ChangeSetName="nope",
    )
    params = [{"ParameterKey": "Name", "ParameterValue": unique("q")}]
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="one",
        ChangeSetType="CREATE",
        TemplateBody=TWO_QUEUES,
        Parameters=params,
    )
    wait_change_set(cfn, name, "one")
    refused(
        cfn.create_change_set,
        "AlreadyExistsException",
        "ChangeSet [one] already exists",
        StackName=name,
        ChangeSetName="one",
        ChangeSetType="CREATE",
        TemplateBody=TWO_QUEUES,
        Parameters=params,
    )
    refused(
        cfn.create_change_set,
        "ValidationError",
        f"Stack [{name}] does not exist",
        StackName=name,
        ChangeSetName="two",
        TemplateBody=TWO_QUEUES,
        Parameters=params,
    )
    iam = (
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n"
        "    Properties: {AssumeRolePolicyDocument: {}}\n"
    )
    refused(
        cfn.create_change_set,
        "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_IAM]",
        StackName=name,
        ChangeSetName="iam",
        ChangeSetType="CREATE",
        TemplateBody=iam,
    )
    cfn.delete_stack(StackName=name)  # a stack under review has nothing to delete
    stack_id = cfn.list_stacks()["StackSummaries"][0]["StackId"]
    assert wait_stack(cfn, stack_id)["StackStatus"] == "DELETE_COMPLETE"


def test_aws_cloudformation_deploy_round_trip(
    tenku: TenkuProcess, cfn: Any, sqs: Any, tmp_path: Path
) -> None:
    name, queue = unique(), unique("q")
    template = tmp_path / "t.yaml"
    template.write_text(TWO_QUEUES)
    run = tenku.aws(
        "cloudformation",
        "deploy",
        "--template-file",
        str(template),
        "--stack-name",
        name,
        "--parameter-overrides",
        f"Name={queue}",
    )
    assert run.returncode == 0, run.stderr
    assert "Successfully created/updated stack" in run.stdout
    assert queue in queue_names(sqs)
    run = tenku.aws(
        "cloudformation",
        "deploy",
        "--template-file",
        str(template),
        "--stack-name",
        name,
        "--parameter-overrides",
        "Delay=2",
    )
    assert run.returncode == 0, run.stderr
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "Name": queue,
        "Delay": "2",
    }
    run = tenku.aws(
        "cloudformation",
        "deploy",
        "--template-file",
        str(template),
        "--stack-name",
        name,
        "--no-fail-on-empty-changeset",
    )
    assert run.returncode == 0, run.stderr
    assert "No changes to deploy" in run.stdout
    listed = tenku.aws("cloudformation", "describe-stacks", "--stack-name", name)
    assert json.loads(listed.stdout)["Stacks"][0]["StackName"] == name
    assert tenku.aws("cloudformation", "delete-stack", "--stack-name", name).returncode == 0
    waited = tenku.aws("cloudformation", "wait", "stack-delete-complete", "--stack-name", name)
    assert waited.returncode == 0, waited.stderr
    assert queue not in queue_names(sqs)


SAM = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Word: {Type: String, Default: sam}
Resources:
  Inbox:
    Type: AWS::SQS::Queue
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Timeout: 5
      Environment: {Variables: {WORD: !Ref Word}}
      InlineCode: |
        import os
        def handler(event, context):
            return {"word": os.environ["WORD"], "records": len(event.get("Records", []))}
      Events:
        FromInbox:
          Type: SQS
          Properties: {Queue: !GetAtt Inbox.Arn, BatchSize: 3}
Outputs:
  FunctionName: {Value: !Ref Echo}
"""


def test_a_sam_template_deploys_and_its_function_runs(
    tenku: TenkuProcess, cfn: Any, lam: Any, tmp_path: Path
) -> None:
    name = unique("sam")
    refused(
        cfn.create_stack,
        "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_AUTO_EXPAND]",
        StackName=name,
        TemplateBody=SAM,
    )
    template = tmp_path / "template.yaml"
    template.write_text(SAM)
    run = tenku.aws(
        "cloudformation",
        "deploy",
        "--template-file",
        str(template),
        "--stack-name",
        name,
        "--capabilities",
        "CAPABILITY_IAM",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    function = outputs(stack)["FunctionName"]
    result = json.loads(lam.invoke(FunctionName=function, Payload=b"{}")["Payload"].read())
    assert result == {"word": "sam", "records": 0}
    mappings = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    assert mappings[0]["BatchSize"] == 3
    types = {
        r["ResourceType"]
        for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    }
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::EventSourceMapping"} <= types
    original = cfn.get_template(StackName=name)["TemplateBody"]
    assert "AWS::Serverless::Function" in str(original)
    processed = cfn.get_template(StackName=name, TemplateStage="Processed")["TemplateBody"]
    assert processed["Resources"]["Echo"]["Type"] == "AWS::Lambda::Function"
    summary = cfn.get_template_summary(StackName=name)
    assert summary["DeclaredTransforms"] == ["AWS::Serverless-2016-10-31"]

    # The parameter reaches the expanded function on update.
    run = tenku.aws(
        "cloudformation",
        "deploy",
        "--template-file",
        str(template),
        "--stack-name",
        name,
        "--capabilities",
        "CAPABILITY_IAM",
        "--parameter-overrides",
        "Word=again",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(lam.invoke(FunctionName=function, Payload=b"{}")["Payload"].read())
    assert result["word"] == "again"
    delete(cfn, name)
    assert function not in function_names(lam)


def test_sam_errors_fail_the_change_set(cfn: Any) -> None:
    name = unique("sam")
    broken = SAM.replace("      InlineCode: |", "      Bogus: 1\n      InlineCode: |")
    broken = broken.replace("Type: SQS", "Type: Nonsense")
    cfn.create_change_set(
        StackName=name,
        ChangeSetName="c",
        ChangeSetType="CREATE",
        TemplateBody=broken,
        Capabilities=["CAPABILITY_IAM"],
    )
    change_set = wait_change_set(cfn, name, "c")
    assert change_set["Status"] == "FAILED"
    assert change_set["StatusReason"].startswith(
        "Transform AWS::Serverless-2016-10-31 failed with:"
    )
    # Without CAPABILITY_IAM the expanded role needs the acknowledgement.
    cfn.create_change_set(
        StackName=name, ChangeSetName="d", ChangeSetType="CREATE", TemplateBody=SAM
    )
    change_set = wait_change_set(cfn, name, "d")
    assert change_set["Status"] == "FAILED"
    assert change_set["StatusReason"] == "Requires capabilities : [CAPABILITY_IAM]"
    cfn.delete_stack(StackName=name)
    assert (
        events(cfn, cfn.list_stacks()["StackSummaries"][0]["StackId"])[0][1] == "REVIEW_IN_PROGRESS"
    )


def test_template_url_from_s3(tenku: TenkuProcess, cfn: Any, sqs: Any) -> None:
    s3 = tenku.client("s3")
    bucket, queue, name = unique("templates"), unique("q"), unique()
    s3.create_bucket(Bucket=bucket)
    body = f"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {{QueueName: {queue}}}\n"
    s3.put_object(Bucket=bucket, Key="dir/t.yaml", Body=body.encode())
    for url in (
        f"https://s3.amazonaws.com/{bucket}/dir/t.yaml",
        f"https://{bucket}.s3.us-east-1.amazonaws.com/dir/t.yaml",
        f"{tenku.endpoint}/{bucket}/dir/t.yaml",
    ):
        summary = cfn.validate_template(TemplateURL=url)
        assert summary["Parameters"] == []
    cfn.create_stack(StackName=name, TemplateURL=f"https://{bucket}.s3.amazonaws.com/dir/t.yaml")
    assert wait_stack(cfn, name)["StackStatus"] == "CREATE_COMPLETE"
    assert queue in queue_names(sqs)
    assert cfn.get_template(StackName=name)["TemplateBody"] == body
    refused(
        cfn.create_stack,
        "ValidationError",
        "TemplateURL must reference a valid S3 object",
        StackName=unique(),
        TemplateURL=f"https://s3.amazonaws.com/{bucket}/missing.yaml",
    )
    delete(cfn, name)
    s3.delete_object(Bucket=bucket, Key="dir/t.yaml")
    s3.delete_bucket(Bucket=bucket)
    _ = ROLE
