"""CloudFormation stacks survive a `kill -9`: the stack, its records, events, exports and
change sets are in storage, so the restarted server updates and deletes what the stack
made before."""

from __future__ import annotations

from pathlib import Path

from tests.integration.cloudformation_support import (
    create,
    delete,
    outputs,
    queue_names,
    unique,
    update,
    wait_change_set,
)
from tests.integration.conftest import TenkuProcess

BODY = """
Parameters:
  Name: {Type: String}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Ref Name}
Outputs:
  Url:
    Value: !Ref Queue
    Export: {Name: !Sub "${AWS::StackName}-url"}
"""


def test_stacks_survive_a_kill(tmp_path: Path) -> None:
    server = TenkuProcess(tmp_path / "data").start()
    name, queue = unique(), unique("q")
    params = [{"ParameterKey": "Name", "ParameterValue": queue}]
    try:
        cfn = server.client("cloudformation")
        stack = create(cfn, name, BODY, Parameters=params)
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        cfn.create_change_set(
            StackName=name,
            ChangeSetName="later",
            UsePreviousTemplate=True,
            Parameters=[{"ParameterKey": "Name", "ParameterValue": queue + "-b"}],
        )
        wait_change_set(cfn, name, "later")
        server.kill()
    finally:
        server.stop()
    server = TenkuProcess(tmp_path / "data").start()
    try:
        cfn, sqs = server.client("cloudformation"), server.client("sqs")
        again = cfn.describe_stacks(StackName=name)["Stacks"][0]
        assert again["StackStatus"] == "CREATE_COMPLETE"
        assert again["StackId"] == stack["StackId"]
        assert outputs(again)["Url"].endswith(f"/{queue}")
        assert [e["Name"] for e in cfn.list_exports()["Exports"]] == [f"{name}-url"]
        resources = cfn.describe_stack_resources(StackName=name)["StackResources"]
        assert [r["ResourceStatus"] for r in resources] == ["CREATE_COMPLETE"]
        assert len(cfn.describe_stack_events(StackName=name)["StackEvents"]) == 4
        assert cfn.describe_change_set(StackName=name, ChangeSetName="later")["Status"] == (
            "CREATE_COMPLETE"
        )
        # The records survived: an update replaces the queue the first server made.
        renamed = [{"ParameterKey": "Name", "ParameterValue": queue + "-c"}]
        assert update(cfn, name, BODY, Parameters=renamed)["StackStatus"] == "UPDATE_COMPLETE"
        names = queue_names(sqs)
        assert queue + "-c" in names and queue not in names
        assert delete(cfn, name)["StackStatus"] == "DELETE_COMPLETE"
        assert queue + "-c" not in queue_names(sqs)
    finally:
        server.stop()
