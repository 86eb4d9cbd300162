"""Change-set diffs against stack records, S3 template URLs, and restart recovery."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tenku.core.clock import ManualClock
from tenku.core.errors import ServiceError
from tenku.core.scope import Scope
from tenku.deploy.intrinsics import Evaluator
from tenku.deploy.records import Record
from tenku.services.cloudformation.diff import compute_changes
from tenku.services.cloudformation.models import ChangeSet, Stack
from tenku.services.cloudformation.provider import CloudFormationProvider
from tenku.services.cloudformation.sources import s3_location
from tenku.storage import MemoryStorage


def changes(template: dict[str, Any], records: dict[str, Record], **params: Any) -> dict[str, Any]:
    def evaluator_for(values: Any) -> Evaluator:
        return Evaluator(template, params, {"AWS::Region": "us-east-1"}, values)

    found = compute_changes(template, records, evaluator_for)
    return {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in found}


def queue_record(lid: str, name: str, **props: Any) -> Record:
    return Record(
        lid,
        "AWS::SQS::Queue",
        f"http://q/{name}",
        {"Arn": f"arn:aws:sqs:us-east-1:0:{name}", "QueueName": name},
        {"QueueName": name, **props},
    )


def test_diff_actions_and_replacement() -> None:
    records = {
        "A": queue_record("A", "a"),
        "B": queue_record("B", "b", DelaySeconds=1),
        "Old": queue_record("Old", "old"),
    }
    template = {
        "Resources": {
            "A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "a2"}},
            "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "b", "DelaySeconds": 2}},
            "C": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": {"Fn::GetAtt": ["A", "QueueName"]}},
            },
            "New": {"Type": "AWS::SQS::Queue"},
        }
    }
    found = changes(template, records)
    assert found["A"]["Action"] == "Modify" and found["A"]["Replacement"] == "True"
    assert found["B"]["Replacement"] == "False"
    assert found["New"]["Action"] == "Add" and found["C"]["Action"] == "Add"
    assert found["Old"]["Action"] == "Remove"


def test_unknown_values_are_conditional_replacements() -> None:
    records = {"A": queue_record("A", "a"), "B": queue_record("B", "arn:aws:sqs:us-east-1:0:a")}
    template = {
        "Resources": {
            "A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "a2"}},
            "B": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": {"Fn::GetAtt": ["A", "Arn"]}},
            },
        }
    }
    found = changes(template, records)
    assert found["B"]["Replacement"] == "Conditional"
    assert found["B"]["Details"][0]["Evaluation"] == "Dynamic"
    unchanged = {
        "Resources": {
            "A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "a"}},
            "B": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": {"Fn::GetAtt": ["A", "Arn"]}},
            },
        }
    }
    assert changes(unchanged, records) == {}


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("https://s3.amazonaws.com/b/k/t.yaml", ("b", "k/t.yaml", None)),
        ("https://s3.eu-west-1.amazonaws.com/b/t.yaml?versionId=3", ("b", "t.yaml", "3")),
        ("https://b.s3.amazonaws.com/t.yaml", ("b", "t.yaml", None)),
        ("https://my.bucket.s3-us-west-2.amazonaws.com/t.yaml", ("my.bucket", "t.yaml", None)),
        ("http://b.s3.localhost:4566/dir/t.yaml", ("b", "dir/t.yaml", None)),
        ("http://127.0.0.1:4566/b/t.yaml", ("b", "t.yaml", None)),
    ],
)
def test_s3_template_urls(url: str, where: tuple[str, str, str | None]) -> None:
    assert s3_location(url) == where


@pytest.mark.parametrize("url", ["ftp://x/y", "https://s3.amazonaws.com/bucket-only", "nonsense"])
def test_bad_template_urls(url: str) -> None:
    with pytest.raises(ServiceError) as caught:
        s3_location(url)
    assert caught.value.code == "ValidationError"


def test_recovery_marks_interrupted_operations_failed() -> None:
    storage, scope = MemoryStorage(), Scope()
    provider = CloudFormationProvider(storage, ManualClock())
    statuses = {
        "creating": ("CREATE_IN_PROGRESS", "CREATE_FAILED"),
        "updating": ("UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED"),
        "rolling": ("ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED"),
        "deleting": ("DELETE_IN_PROGRESS", "DELETE_FAILED"),
        "cleaning": ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"),
        "review": ("REVIEW_IN_PROGRESS", "REVIEW_IN_PROGRESS"),
        "done": ("CREATE_COMPLETE", "CREATE_COMPLETE"),
    }
    for name, (status, _) in statuses.items():
        provider.store.save_stack(scope, Stack(f"arn:{name}", name, status, 1.0))
    provider.store.save_change_set(
        ChangeSet("arn:cs", "cs", "arn:done", "done", "UPDATE", 1.0, status="CREATE_IN_PROGRESS")
    )
    provider.recover()
    for name, (_, expected) in statuses.items():
        stack = provider.store.stack(f"arn:{name}")
        assert stack is not None and stack.status == expected, name
    creating = provider.store.stack("arn:creating")
    assert creating is not None and "Tenku restarted" in creating.reason
    event = provider.store.events("arn:creating", 0, 1)[0]
    assert event["ResourceStatus"] == "CREATE_FAILED"
    change_set = provider.store.change_set("arn:cs")
    assert change_set is not None and change_set.status == "FAILED"


def test_one_operation_at_a_time_per_stack() -> None:
    from tenku.core.context import RequestContext

    async def api(*_args: Any) -> dict[str, Any]:
        return {"QueueUrl": "http://q/x"}

    async def scenario() -> None:
        provider = CloudFormationProvider(MemoryStorage(), ManualClock())
        provider.api = api
        ctx = RequestContext(Scope(), "r")
        body = "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"
        await provider.create_stack(ctx, "s", template_body=body)
        with pytest.raises(ServiceError) as caught:  # the create has not run yet
            await provider.update_stack(ctx, "s", template_body=body + "Outputs: {}\n")
        assert caught.value.message.endswith(
            "is in CREATE_IN_PROGRESS state and can not be updated."
        )
        await asyncio.gather(*provider._tasks)
        stack = provider.describe_stacks(ctx, "s")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        await provider.stop()

    asyncio.run(scenario())
