"""The change-set flow of `tenku up`/`deploy`/`destroy` against a stand-in for the
CloudFormation API that answers as AWS documents it: CREATE then UPDATE change sets,
empty change sets refused with AWS's reason, events shown once and in order, a stack
whose creation failed replaced, deletion followed to its end."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tenku.cli.stacks import DeployError, Stacks
from tenku.deploy.packaging import Artifact
from tenku.deploy.plan import StackPlan

NO_CHANGES = (
    "The submitted information didn't contain changes. Submit different information to "
    "create a change set."
)


def error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


class FakeCloudFormation:
    """Enough of CloudFormation's behaviour for the client side of a deployment."""

    def __init__(self) -> None:
        self.stacks: dict[str, dict[str, Any]] = {}
        self.change_sets: dict[str, dict[str, Any]] = {}
        self.ids = itertools.count(1)
        self.fail_next = ""  # a resource failure for the next execution
        self.calls: list[str] = []

    def _stack(self, name: str) -> dict[str, Any]:
        for stack in self.stacks.values():
            if name in (stack["StackName"], stack["StackId"]) and (
                stack["StackStatus"] != "DELETE_COMPLETE" or name == stack["StackId"]
            ):
                return stack
        raise error("ValidationError", f"Stack with id {name} does not exist")

    def _event(self, stack: dict[str, Any], logical: str, kind: str, status: str) -> None:
        stack["events"].insert(
            0,
            {
                "EventId": f"e{next(self.ids)}",
                "StackName": stack["StackName"],
                "LogicalResourceId": logical,
                "ResourceType": kind,
                "ResourceStatus": status,
                "ResourceStatusReason": "boom" if "FAILED" in status else "",
            },
        )

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        self.calls.append("describe_stacks")
        stack = self._stack(StackName)
        public = {k: v for k, v in stack.items() if k not in ("events", "template")}
        return {"Stacks": [public]}

    def create_change_set(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(f"create_change_set:{kwargs['ChangeSetType']}")
        name = kwargs["StackName"]
        template = json.loads(kwargs["TemplateBody"])
        if kwargs["ChangeSetType"] == "CREATE":
            stack_id = (
                f"arn:aws:cloudformation:us-east-1:000000000000:stack/{name}/{next(self.ids)}"
            )
            stack = {
                "StackName": name,
                "StackId": stack_id,
                "StackStatus": "REVIEW_IN_PROGRESS",
                "events": [],
                "template": None,
            }
            self.stacks[stack_id] = stack
        else:
            stack = self._stack(name)
        change_set_id = f"arn:changeSet/{kwargs['ChangeSetName']}"
        same = stack["template"] == template
        changes = [
            {
                "ResourceChange": {
                    "Action": "Modify" if stack["template"] else "Add",
                    "LogicalResourceId": lid,
                    "ResourceType": r["Type"],
                }
            }
            for lid, r in template["Resources"].items()
        ]
        self.change_sets[change_set_id] = {
            "Status": "FAILED" if same else "CREATE_COMPLETE",
            "StatusReason": NO_CHANGES if same else "",
            "Changes": [] if same else changes,
            "stack": stack,
            "template": template,
            "parameters": kwargs["Parameters"],
        }
        return {"Id": change_set_id, "StackId": stack["StackId"]}

    def describe_change_set(self, ChangeSetName: str, StackName: str) -> dict[str, Any]:
        found = self.change_sets[ChangeSetName]
        return {k: v for k, v in found.items() if k in ("Status", "StatusReason", "Changes")}

    def delete_change_set(self, ChangeSetName: str, StackName: str) -> dict[str, Any]:
        self.calls.append("delete_change_set")
        del self.change_sets[ChangeSetName]
        return {}

    def execute_change_set(self, ChangeSetName: str, StackName: str) -> dict[str, Any]:
        self.calls.append("execute_change_set")
        change_set = self.change_sets.pop(ChangeSetName)
        stack = change_set["stack"]
        creating = stack["template"] is None
        verb = "CREATE" if creating else "UPDATE"
        self._event(stack, stack["StackName"], "AWS::CloudFormation::Stack", f"{verb}_IN_PROGRESS")
        for lid, resource in change_set["template"]["Resources"].items():
            self._event(stack, lid, resource["Type"], f"{verb}_IN_PROGRESS")
            if self.fail_next == lid:
                self._event(stack, lid, resource["Type"], f"{verb}_FAILED")
                stack["StackStatus"] = (
                    "ROLLBACK_COMPLETE" if creating else "UPDATE_ROLLBACK_COMPLETE"
                )
                self.fail_next = ""
                return {}
            self._event(stack, lid, resource["Type"], f"{verb}_COMPLETE")
        self._event(stack, stack["StackName"], "AWS::CloudFormation::Stack", f"{verb}_COMPLETE")
        stack["StackStatus"] = f"{verb}_COMPLETE"
        stack["template"] = change_set["template"]
        stack["Outputs"] = [{"OutputKey": "Out", "OutputValue": "v"}]
        return {}

    def describe_stack_events(self, StackName: str, NextToken: str | None = None) -> dict[str, Any]:
        events = self._stack(StackName)["events"]
        start = int(NextToken or 0)
        page = events[start : start + 3]  # small pages: the client must page
        answer: dict[str, Any] = {"StackEvents": page}
        if start + 3 < len(events):
            answer["NextToken"] = str(start + 3)
        return answer

    def list_stack_resources(self, StackName: str) -> dict[str, Any]:
        stack = self._stack(StackName)
        resources = (stack["template"] or {}).get("Resources", {})
        return {
            "StackResourceSummaries": [
                {
                    "LogicalResourceId": lid,
                    "ResourceType": r["Type"],
                    "PhysicalResourceId": f"p-{lid}",
                }
                for lid, r in resources.items()
            ]
        }

    def delete_stack(self, StackName: str) -> dict[str, Any]:
        self.calls.append("delete_stack")
        stack = self._stack(StackName)
        self._event(stack, stack["StackName"], "AWS::CloudFormation::Stack", "DELETE_IN_PROGRESS")
        self._event(stack, stack["StackName"], "AWS::CloudFormation::Stack", "DELETE_COMPLETE")
        stack["StackStatus"] = "DELETE_COMPLETE"
        return {}


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.buckets: set[str] = set()

    def create_bucket(self, Bucket: str, **_: Any) -> dict[str, Any]:
        if Bucket in self.buckets:
            raise error("BucketAlreadyOwnedByYou", "yours")
        self.buckets.add(Bucket)
        return {}

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if (Bucket, Key) not in self.objects:
            raise error("404", "Not Found")
        return {}

    def put_object(self, Bucket: str, Key: str, Body: bytes) -> dict[str, Any]:
        self.objects[(Bucket, Key)] = Body
        return {}


def plan(resources: dict[str, Any], name: str = "shop") -> StackPlan:
    artifact = Artifact(Path("/src"), True, "tenku-deploy-artifacts", "shop/abc", b"zip")
    return StackPlan(name, {"Resources": resources}, {"Stage": "dev"}, [artifact], {}, [])


@pytest.fixture
def stacks() -> tuple[Stacks, FakeCloudFormation, FakeS3]:
    client = Stacks("http://127.0.0.1:1", "us-east-1")
    cfn, s3 = FakeCloudFormation(), FakeS3()
    client.cfn = cfn
    client._s3 = s3
    return client, cfn, s3


QUEUE = {"Q": {"Type": "AWS::SQS::Queue"}}
TWO = {"Q": {"Type": "AWS::SQS::Queue"}, "T": {"Type": "AWS::DynamoDB::Table"}}


def test_create_then_unchanged_then_update(
    stacks: tuple[Stacks, FakeCloudFormation, FakeS3],
) -> None:
    client, cfn, s3 = stacks
    events: list[tuple[str, str]] = []
    changes: list[str] = []

    def on_event(e: dict[str, Any]) -> None:
        events.append((e["LogicalResourceId"], e["ResourceStatus"]))

    deployed = client.deploy(
        plan(QUEUE), on_event, lambda c: changes.append(c["LogicalResourceId"])
    )
    assert deployed.changed and deployed.status == "CREATE_COMPLETE"
    assert deployed.outputs == [{"OutputKey": "Out", "OutputValue": "v"}]
    assert deployed.physical_id("Q") == "p-Q"
    assert events == [
        ("shop", "CREATE_IN_PROGRESS"),
        ("Q", "CREATE_IN_PROGRESS"),
        ("Q", "CREATE_COMPLETE"),
        ("shop", "CREATE_COMPLETE"),
    ]
    assert s3.objects == {("tenku-deploy-artifacts", "shop/abc"): b"zip"}
    assert changes == []  # a CREATE change set's changes are the events themselves

    events.clear()
    unchanged = client.deploy(plan(QUEUE), on_event)
    assert not unchanged.changed and unchanged.status == "CREATE_COMPLETE"
    assert events == [] and "delete_change_set" in cfn.calls

    updated = client.deploy(plan(TWO), on_event, lambda c: changes.append(c["LogicalResourceId"]))
    assert updated.changed and updated.status == "UPDATE_COMPLETE"
    assert changes == ["Q", "T"]
    assert events[0] == ("shop", "UPDATE_IN_PROGRESS") and events[-1] == ("shop", "UPDATE_COMPLETE")
    assert [c for c in cfn.calls if c.startswith("create_change_set")] == [
        "create_change_set:CREATE",
        "create_change_set:UPDATE",
        "create_change_set:UPDATE",
    ]


def test_a_failed_update_raises_with_the_final_status(
    stacks: tuple[Stacks, FakeCloudFormation, FakeS3],
) -> None:
    client, cfn, _ = stacks
    client.deploy(plan(QUEUE), lambda e: None)
    cfn.fail_next = "T"
    seen: list[str] = []
    with pytest.raises(DeployError, match="ended in UPDATE_ROLLBACK_COMPLETE"):
        client.deploy(plan(TWO), lambda e: seen.append(e["ResourceStatus"]))
    assert "UPDATE_FAILED" in seen


def test_a_stack_whose_creation_failed_is_deleted_and_created_again(
    stacks: tuple[Stacks, FakeCloudFormation, FakeS3],
) -> None:
    client, cfn, _ = stacks
    cfn.fail_next = "Q"
    with pytest.raises(DeployError, match="ended in ROLLBACK_COMPLETE"):
        client.deploy(plan(QUEUE), lambda e: None)
    deployed = client.deploy(plan(QUEUE), lambda e: None)
    assert deployed.status == "CREATE_COMPLETE"
    assert "delete_stack" in cfn.calls
    assert cfn.calls.count("create_change_set:CREATE") == 2


def test_destroy_follows_the_deletion(stacks: tuple[Stacks, FakeCloudFormation, FakeS3]) -> None:
    client, _, _ = stacks
    client.deploy(plan(QUEUE), lambda e: None)
    statuses: list[str] = []
    assert client.destroy("shop", lambda e: statuses.append(e["ResourceStatus"]))
    assert statuses == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]
    assert client.describe("shop") is None
    assert not client.destroy("shop", lambda e: None)


def test_uploads_only_what_is_missing(stacks: tuple[Stacks, FakeCloudFormation, FakeS3]) -> None:
    client, _, s3 = stacks
    assert client.upload(plan(QUEUE)) == 1
    assert client.upload(plan(QUEUE)) == 0
    fresh = Stacks("http://127.0.0.1:1", "us-east-1")
    fresh._s3 = s3
    assert fresh.upload(plan(QUEUE)) == 0  # already in the bucket: HeadObject says so


def test_big_templates_go_by_url(stacks: tuple[Stacks, FakeCloudFormation, FakeS3]) -> None:
    client, _, s3 = stacks
    big = {
        f"Q{i}": {"Type": "AWS::SQS::Queue", "Properties": {"Pad": "x" * 1000}} for i in range(60)
    }
    argument = client._template_argument(plan(big))
    assert set(argument) == {"TemplateURL"}
    url = argument["TemplateURL"]
    assert url.startswith("http://127.0.0.1:1/tenku-deploy-artifacts/shop/")
    key = url.split("/tenku-deploy-artifacts/", 1)[1]
    assert json.loads(s3.objects[("tenku-deploy-artifacts", key)]) == {"Resources": big}
