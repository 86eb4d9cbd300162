"""Helpers for the CloudFormation black-box tests: waiting for stack and change-set
statuses, reading outputs and events, and the templates several tests share."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/cfn-test"


def unique(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def wait_stack(cfn: Any, stack: str, timeout: float = 60) -> dict[str, Any]:
    """The stack once its status is no longer *_IN_PROGRESS."""
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        status = found["StackStatus"]
        if not status.endswith("_IN_PROGRESS") or status == "REVIEW_IN_PROGRESS":
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"stack {stack} still {status}")
        time.sleep(0.1)


def wait_change_set(cfn: Any, stack: str, name: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = cfn.describe_change_set(StackName=stack, ChangeSetName=name)
        if found["Status"] not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"change set {name} still {found['Status']}")
        time.sleep(0.1)


def outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def events(cfn: Any, stack: str) -> list[tuple[str, str, str]]:
    """(logical id, status, reason), oldest first."""
    found = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
        for e in reversed(found)
    ]


def create(cfn: Any, name: str, body: str, **params: Any) -> dict[str, Any]:
    cfn.create_stack(StackName=name, TemplateBody=body, **params)
    return wait_stack(cfn, name)


def update(cfn: Any, name: str, body: str, **params: Any) -> dict[str, Any]:
    cfn.update_stack(StackName=name, TemplateBody=body, **params)
    return wait_stack(cfn, name)


def delete(cfn: Any, name: str) -> dict[str, Any]:
    stack_id = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName=name)
    return wait_stack(cfn, stack_id)


def refused(call: Any, code: str, message: str, **params: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call(**params)
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    assert message in error["Message"], error
    return caught.value


def queue_names(sqs: Any) -> set[str]:
    urls = sqs.list_queues().get("QueueUrls", [])
    return {u.rsplit("/", 1)[1] for u in urls}


def function_names(lam: Any) -> set[str]:
    return {f["FunctionName"] for f in lam.list_functions()["Functions"]}
