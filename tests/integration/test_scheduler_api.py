"""EventBridge Scheduler's control plane through the wire: groups, schedules, tags, paging,
and the exact errors of bad input (boto3 and the AWS CLI)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.scheduler_support import ROLE, server_now

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:scheduler-api-target"
TARGET = {"Arn": QUEUE_ARN, "RoleArn": ROLE}
OFF = {"Mode": "OFF"}


@pytest.fixture(scope="module")
def scheduler(tenku: TenkuProcess) -> Any:
    return tenku.client("scheduler")


@pytest.fixture(scope="module")
def loose(tenku: TenkuProcess) -> Any:
    """A client that sends what it is given, so the server's validation is what answers."""
    return tenku.client("scheduler", parameter_validation=False)


def unique(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_of(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response
    return (
        error["Error"]["Code"],
        error["Error"]["Message"],
        error["ResponseMetadata"]["HTTPStatusCode"],
    )


# -- schedule groups -----------------------------------------------------------------------------
def test_group_lifecycle_and_tags(scheduler: Any) -> None:
    name = unique("g")
    created = scheduler.create_schedule_group(Name=name, Tags=[{"Key": "team", "Value": "a"}])
    arn = created["ScheduleGroupArn"]
    assert arn == f"arn:aws:scheduler:us-east-1:000000000000:schedule-group/{name}"
    group = scheduler.get_schedule_group(Name=name)
    assert (group["Arn"], group["Name"], group["State"]) == (arn, name, "ACTIVE")
    assert group["CreationDate"] == group["LastModificationDate"]

    scheduler.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    scheduler.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}])
    tags = scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "dev"), ("team", "b")]
    scheduler.untag_resource(ResourceArn=arn, TagKeys=["team", "absent"])
    assert scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "env", "Value": "dev"}
    ]

    assert error_of(scheduler.create_schedule_group, Name=name) == (
        "ConflictException",
        f"Schedule group {name} already exists.",
        409,
    )
    scheduler.delete_schedule_group(Name=name)
    assert error_of(scheduler.get_schedule_group, Name=name) == (
        "ResourceNotFoundException",
        f"Schedule group {name} does not exist.",
        404,
    )
    assert error_of(scheduler.delete_schedule_group, Name=name)[2] == 404
    assert error_of(scheduler.list_tags_for_resource, ResourceArn=arn)[2] == 404


def test_default_group_always_exists_and_stays(scheduler: Any) -> None:
    group = scheduler.get_schedule_group(Name="default")
    assert group["Name"] == "default"
    assert group["State"] == "ACTIVE"
    names = [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]]
    assert "default" in names
    code, message, status = error_of(scheduler.delete_schedule_group, Name="default")
    assert (code, status) == ("ValidationException", 400)
    assert "default" in message
    assert scheduler.get_schedule_group(Name="default")["Name"] == "default"


def test_list_groups_by_prefix_with_paging(scheduler: Any) -> None:
    prefix = unique("page")
    for index in range(5):
        scheduler.create_schedule_group(Name=f"{prefix}-{index}")
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = scheduler.list_schedule_groups(NamePrefix=prefix, MaxResults=2, **token)
        assert len(page["ScheduleGroups"]) <= 2
        seen += [g["Name"] for g in page["ScheduleGroups"]]
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert seen == [f"{prefix}-{index}" for index in range(5)]
    paginator = scheduler.get_paginator("list_schedule_groups")
    pages = paginator.paginate(NamePrefix=prefix, PaginationConfig={"PageSize": 3})
    assert [g["Name"] for p in pages for g in p["ScheduleGroups"]] == seen


# -- schedules -----------------------------------------------------------------------------------
def test_create_and_get_with_every_setting(scheduler: Any, tenku: TenkuProcess) -> None:
    group = unique("g")
    scheduler.create_schedule_group(Name=group)
    name = unique()
    start = int(server_now(tenku)) + 3600
    target = {
        **TARGET,
        "Input": '{"hello": "world"}',
        "RetryPolicy": {"MaximumEventAgeInSeconds": 120, "MaximumRetryAttempts": 3},
        "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"},
        "SqsParameters": {"MessageGroupId": "g1"},
    }
    arn = scheduler.create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression="cron(0 9 ? * MON-FRI *)",
        ScheduleExpressionTimezone="Europe/Paris",
        StartDate=start,
        EndDate=start + 86400 * 30,
        Description="weekday mornings",
        State="DISABLED",
        KmsKeyArn="arn:aws:kms:us-east-1:000000000000:key/abc",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        ActionAfterCompletion="DELETE",
        Target=target,
    )["ScheduleArn"]
    assert arn == f"arn:aws:scheduler:us-east-1:000000000000:schedule/{group}/{name}"
    got = scheduler.get_schedule(Name=name, GroupName=group)
    assert got["Arn"] == arn
    assert (got["Name"], got["GroupName"]) == (name, group)
    assert got["ScheduleExpression"] == "cron(0 9 ? * MON-FRI *)"
    assert got["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert got["StartDate"].timestamp() == start
    assert got["EndDate"].timestamp() == start + 86400 * 30
    assert got["Description"] == "weekday mornings"
    assert got["State"] == "DISABLED"
    assert got["KmsKeyArn"] == "arn:aws:kms:us-east-1:000000000000:key/abc"
    assert got["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert got["ActionAfterCompletion"] == "DELETE"
    assert got["Target"] == target
    assert got["CreationDate"] == got["LastModificationDate"]


def test_defaults_are_filled_in(scheduler: Any) -> None:
    name = unique()
    scheduler.create_schedule(
        Name=name, ScheduleExpression="rate(5 minutes)", FlexibleTimeWindow=OFF, Target=TARGET
    )
    got = scheduler.get_schedule(Name=name)
    assert got["GroupName"] == "default"
    assert got["ScheduleExpressionTimezone"] == "UTC"
    assert got["State"] == "ENABLED"
    assert got["ActionAfterCompletion"] == "NONE"
    assert got["Target"]["RetryPolicy"] == {
        "MaximumEventAgeInSeconds": 86400,
        "MaximumRetryAttempts": 185,
    }
    assert "Description" not in got and "StartDate" not in got and "EndDate" not in got
    scheduler.delete_schedule(Name=name)


def test_update_replaces_everything(scheduler: Any) -> None:
    name = unique()
    scheduler.create_schedule(
        Name=name,
        ScheduleExpression="rate(1 minute)",
        Description="first",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 60},
        Target={**TARGET, "Input": '{"key": "value"}'},
    )
    created = scheduler.get_schedule(Name=name)
    time.sleep(0.01)
    other = "arn:aws:sqs:us-east-1:000000000000:other"
    result = scheduler.update_schedule(
        Name=name,
        ScheduleExpression="rate(2 minute)",
        State="DISABLED",
        ActionAfterCompletion="DELETE",
        FlexibleTimeWindow=OFF,
        Target={"Arn": other, "RoleArn": ROLE, "Input": '{"otherkey": "othervalue"}'},
    )
    assert result["ScheduleArn"] == created["Arn"]
    updated = scheduler.get_schedule(Name=name)
    assert "Description" not in updated  # not sent again: gone, as AWS does
    assert updated["ScheduleExpression"] == "rate(2 minute)"
    assert updated["State"] == "DISABLED"
    assert updated["ActionAfterCompletion"] == "DELETE"
    assert updated["FlexibleTimeWindow"] == OFF
    assert updated["Target"]["Arn"] == other
    assert updated["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 185
    assert updated["CreationDate"] == created["CreationDate"]
    assert updated["LastModificationDate"] > created["LastModificationDate"]
    assert error_of(
        scheduler.update_schedule,
        Name=unique("missing"),
        ScheduleExpression="rate(1 minute)",
        FlexibleTimeWindow=OFF,
        Target=TARGET,
    )[::2] == ("ResourceNotFoundException", 404)


def test_names_are_unique_per_group(scheduler: Any) -> None:
    group = unique("g")
    scheduler.create_schedule_group(Name=group)
    name = unique()
    for group_name in ("default", group):
        scheduler.create_schedule(
            Name=name,
            GroupName=group_name,
            ScheduleExpression="rate(1 hour)",
            FlexibleTimeWindow=OFF,
            Target=TARGET,
        )
    assert error_of(
        scheduler.create_schedule,
        Name=name,
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow=OFF,
        Target=TARGET,
    ) == ("ConflictException", f"Schedule {name} already exists.", 409)
    scheduler.delete_schedule(Name=name)
    assert scheduler.get_schedule(Name=name, GroupName=group)["GroupName"] == group


def test_missing_things_are_404(scheduler: Any) -> None:
    assert error_of(scheduler.get_schedule, Name="not-existing-schedule-name") == (
        "ResourceNotFoundException",
        "Schedule not-existing-schedule-name does not exist.",
        404,
    )
    assert error_of(scheduler.delete_schedule, Name="not-existing-schedule-name") == (
        "ResourceNotFoundException",
        "Schedule not-existing-schedule-name does not exist.",
        404,
    )
    assert error_of(scheduler.get_schedule, Name="x", GroupName="no-such-group") == (
        "ResourceNotFoundException",
        "Schedule group no-such-group does not exist.",
        404,
    )
    assert error_of(
        scheduler.create_schedule,
        Name="x",
        GroupName="no-such-group",
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow=OFF,
        Target=TARGET,
    ) == ("ResourceNotFoundException", "Schedule group no-such-group does not exist.", 404)
    assert error_of(scheduler.list_schedules, GroupName="no-such-group")[2] == 404


def test_list_schedules_filters_and_pages(scheduler: Any) -> None:
    group = unique("g")
    scheduler.create_schedule_group(Name=group)
    prefix = unique("list")
    for index in range(5):
        scheduler.create_schedule(
            Name=f"{prefix}-{index}",
            GroupName=group,
            ScheduleExpression="rate(1 day)",
            State="DISABLED" if index % 2 else "ENABLED",
            FlexibleTimeWindow=OFF,
            Target=TARGET,
        )
    scheduler.create_schedule(
        Name=f"{prefix}-elsewhere",
        ScheduleExpression="rate(1 day)",
        FlexibleTimeWindow=OFF,
        Target=TARGET,
    )
    listed = scheduler.list_schedules(GroupName=group)["Schedules"]
    assert [s["Name"] for s in listed] == [f"{prefix}-{i}" for i in range(5)]
    first = listed[0]
    assert first["Arn"].endswith(f":schedule/{group}/{prefix}-0")
    assert first["Target"] == {"Arn": QUEUE_ARN}
    assert set(first) >= {"GroupName", "State", "CreationDate", "LastModificationDate"}
    disabled = scheduler.list_schedules(GroupName=group, State="DISABLED")["Schedules"]
    assert [s["Name"] for s in disabled] == [f"{prefix}-1", f"{prefix}-3"]
    everywhere = scheduler.list_schedules(NamePrefix=prefix)["Schedules"]
    assert len(everywhere) == 6
    paginator = scheduler.get_paginator("list_schedules")
    pages = list(paginator.paginate(NamePrefix=prefix, PaginationConfig={"PageSize": 4}))
    assert [len(p["Schedules"]) for p in pages] == [4, 2]
    assert error_of(scheduler.list_schedules, NextToken="garbage!!")[::2] == (
        "ValidationException",
        400,
    )


def test_deleting_a_group_deletes_its_schedules(scheduler: Any) -> None:
    group = unique("g")
    scheduler.create_schedule_group(Name=group)
    for index in range(3):
        scheduler.create_schedule(
            Name=f"member-{index}",
            GroupName=group,
            ScheduleExpression="rate(1 hour)",
            FlexibleTimeWindow=OFF,
            Target=TARGET,
        )
    scheduler.delete_schedule_group(Name=group)
    assert error_of(scheduler.get_schedule, Name="member-0", GroupName=group)[2] == 404
    remaining = scheduler.list_schedules(NamePrefix="member-")["Schedules"]
    assert all(s["GroupName"] != group for s in remaining)
    scheduler.create_schedule_group(Name=group)  # the name is free again, and empty
    assert scheduler.list_schedules(GroupName=group)["Schedules"] == []


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 1 * * * *)",
        "cron(7 20 * * NOT *)",
        "cron(INVALID)",
        "cron(0 dummy ? * MON-FRI *)",
        "cron(71 8 1 * ? *)",
        "cron()",
        "rate(10 seconds)",
        "rate(10 years)",
        "rate()",
        "rate(10)",
        "rate(10 minutess)",
        "rate(foo minutes)",
        "rate(-10 minutes)",
        "rate( 10 minutes )",
        " rate(10 minutes)",
        "at(2021-12-31T23:59:59Z)",
        "at(2021-12-31)",
    ],
)
def test_invalid_expressions(scheduler: Any, expression: str) -> None:
    assert error_of(
        scheduler.create_schedule,
        Name=unique(),
        ScheduleExpression=expression,
        FlexibleTimeWindow=OFF,
        Target=TARGET,
    ) == ("ValidationException", f"Invalid Schedule Expression {expression}.", 400)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)",
        "cron(30-30 13-13 ? * 2,4,6 *)",
        "cron(1-31/30 1-1 ? * 1,7 *)",
        "cron(15 10 ? * 6L 2022-2030)",
        "cron(0 12 LW * ? *)",
        "cron(0 10 ? * 3#2 *)",
        "at(2030-01-01T00:00:00)",
        "rate(1 minute)",
        "rate(2 hours)",
    ],
)
def test_valid_expressions(scheduler: Any, expression: str) -> None:
    name = unique()
    scheduler.create_schedule(
        Name=name, ScheduleExpression=expression, FlexibleTimeWindow=OFF, Target=TARGET
    )
    assert scheduler.get_schedule(Name=name)["ScheduleExpression"] == expression
    scheduler.delete_schedule(Name=name)


def test_settings_that_do_not_fit(scheduler: Any, loose: Any, tenku: TenkuProcess) -> None:
    now = server_now(tenku)

    def create(**changes: Any) -> tuple[str, str, int]:
        params: dict[str, Any] = {
            "Name": unique(),
            "ScheduleExpression": "rate(1 hour)",
            "FlexibleTimeWindow": OFF,
            "Target": TARGET,
            **changes,
        }
        return error_of(loose.create_schedule, **params)

    code, message, status = create(ScheduleExpressionTimezone="Mars/Olympus")
    assert (code, status) == ("ValidationException", 400)
    assert "Mars/Olympus" in message
    assert create(StartDate=now - 3600) == (
        "ValidationException",
        "The StartDate you specify cannot be earlier than 5 minutes ago.",
        400,
    )
    assert create(StartDate=now + 7200, EndDate=now + 3600)[::2] == ("ValidationException", 400)
    assert create(FlexibleTimeWindow={"Mode": "FLEXIBLE"})[::2] == ("ValidationException", 400)
    code, message, _ = create(Name="has space")
    assert code == "ValidationException"
    assert "failed to satisfy constraint" in message
    code, message, _ = create(Target={**TARGET, "RetryPolicy": {"MaximumRetryAttempts": 186}})
    assert code == "ValidationException"
    assert "less than or equal to 185" in message
    code, message, _ = create(Target={**TARGET, "RetryPolicy": {"MaximumEventAgeInSeconds": 59}})
    assert "greater than or equal to 60" in message
    code, message, _ = create(FlexibleTimeWindow={"Mode": "SOMETIMES"})
    assert code == "ValidationException"
    assert "[OFF, FLEXIBLE]" in message
    code, message, _ = create(Target={"Arn": QUEUE_ARN})
    assert code == "ValidationException"
    assert "roleArn" in message
    # StartDate in the past is fine for a one-time schedule, which ignores it
    name = unique()
    scheduler.create_schedule(
        Name=name,
        ScheduleExpression="at(2030-01-01T00:00:00)",
        StartDate=now - 86400,
        FlexibleTimeWindow=OFF,
        Target=TARGET,
    )
    scheduler.delete_schedule(Name=name)


def test_tag_arns_must_be_schedule_groups_here(scheduler: Any) -> None:
    arn = "arn:aws:scheduler:eu-west-1:000000000000:schedule-group/default"
    code, _message, status = error_of(scheduler.list_tags_for_resource, ResourceArn=arn)
    assert (code, status) == ("ValidationException", 400)


# -- the AWS CLI ---------------------------------------------------------------------------------
def test_cli_round_trip(tenku: TenkuProcess) -> None:
    name = unique("cli")
    created = tenku.aws(
        "scheduler", "create-schedule", "--name", name,
        "--schedule-expression", "cron(0 9 * * ? *)",
        "--schedule-expression-timezone", "Asia/Tokyo",
        "--flexible-time-window", '{"Mode": "OFF"}',
        "--target", json.dumps({"Arn": QUEUE_ARN, "RoleArn": ROLE, "Input": "hi"}),
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["ScheduleArn"].endswith(f"schedule/default/{name}")
    got = tenku.aws("scheduler", "get-schedule", "--name", name)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    listed = tenku.aws("scheduler", "list-schedules", "--name-prefix", name)
    assert [s["Name"] for s in json.loads(listed.stdout)["Schedules"]] == [name]
    bad = tenku.aws(
        "scheduler", "create-schedule", "--name", unique("cli"),
        "--schedule-expression", "rate(5 fortnights)",
        "--flexible-time-window", '{"Mode": "OFF"}',
        "--target", json.dumps({"Arn": QUEUE_ARN, "RoleArn": ROLE}),
    )  # fmt: skip
    assert bad.returncode != 0
    assert "Invalid Schedule Expression rate(5 fortnights)." in bad.stderr
    assert tenku.aws("scheduler", "delete-schedule", "--name", name).returncode == 0
    missing = tenku.aws("scheduler", "get-schedule", "--name", name)
    assert missing.returncode != 0
    assert f"Schedule {name} does not exist." in missing.stderr
