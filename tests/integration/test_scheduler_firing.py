"""Schedules firing at their targets as the server's clock moves: time zones and daylight
saving, catch-up, SQS, Lambda and universal targets, context attributes, retries and the
dead-letter queue, ActionAfterCompletion, and groups deleted with their schedules.

The module has a server of its own: these tests move its clock by days.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.scheduler_support import (
    ROLE,
    advance_to,
    drain,
    eventually,
    iso,
    queue,
    server_now,
)

OFF = {"Mode": "OFF"}
CONTEXT_INPUT = json.dumps(
    {
        "at": "<aws.scheduler.scheduled-time>",
        "arn": "<aws.scheduler.schedule-arn>",
        "execution": "<aws.scheduler.execution-id>",
        "attempt": "<aws.scheduler.attempt-number>",
    }
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TenkuProcess]:
    process = TenkuProcess(tmp_path_factory.mktemp("scheduler-firing")).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def scheduler(server: TenkuProcess) -> Any:
    return server.client("scheduler")


@pytest.fixture(scope="module")
def sqs(server: TenkuProcess) -> Any:
    return server.client("sqs")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def at_expression(instant: float) -> str:
    return "at(" + datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%S") + ")"


def next_utc_midnight(now: float) -> float:
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(days=1)).timestamp()


def test_nine_am_in_tokyo_fires_at_midnight_utc(
    server: TenkuProcess, scheduler: Any, sqs: Any
) -> None:
    url, arn = queue(sqs, unique("tokyo"))
    name = unique("tokyo")
    schedule_arn = scheduler.create_schedule(
        Name=name,
        ScheduleExpression="cron(0 9 * * ? *)",
        ScheduleExpressionTimezone="Asia/Tokyo",
        FlexibleTimeWindow=OFF,
        Target={"Arn": arn, "RoleArn": ROLE, "Input": CONTEXT_INPUT},
    )["ScheduleArn"]
    midnight = next_utc_midnight(server_now(server))
    advance_to(server, midnight - 60)
    assert drain(sqs, url, 1, timeout=1.5) == []
    advance_to(server, midnight + 30)
    [message] = drain(sqs, url, 1)
    body = json.loads(message["Body"])
    assert body["at"] == iso(midnight)
    assert body["at"].endswith("T00:00:00Z")
    assert body["arn"] == schedule_arn
    assert body["attempt"] == "1"
    assert uuid.UUID(body["execution"])
    assert drain(sqs, url, 1, timeout=1.0) == []  # once, not again
    scheduler.delete_schedule(Name=name)


def _next_dst_change(now: float, zone: ZoneInfo) -> datetime:
    """The local date (midnight) of the next day whose UTC offset differs from the day before."""
    day = datetime.fromtimestamp(now, zone).replace(hour=12, minute=0, second=0, microsecond=0)
    for _ in range(400):
        following = day + timedelta(days=1)
        if following.utcoffset() != day.utcoffset():
            return following.replace(hour=0)
        day = following
    raise AssertionError("no daylight-saving change within a year")


def test_new_york_nine_am_on_both_sides_of_a_dst_change(
    server: TenkuProcess, scheduler: Any, sqs: Any
) -> None:
    zone = ZoneInfo("America/New_York")
    change = _next_dst_change(server_now(server), zone)
    days = [change + timedelta(days=offset) for offset in (-2, -1, 0, 1)]
    nine_am = [
        datetime(d.year, d.month, d.day, 9, tzinfo=zone).astimezone(UTC).timestamp() for d in days
    ]
    advance_to(server, nine_am[0] - 6 * 3600)
    url, arn = queue(sqs, unique("ny"))
    name = unique("ny")
    scheduler.create_schedule(
        Name=name,
        ScheduleExpression="cron(0 9 * * ? *)",
        ScheduleExpressionTimezone="America/New_York",
        FlexibleTimeWindow=OFF,
        Target={"Arn": arn, "RoleArn": ROLE, "Input": "<aws.scheduler.scheduled-time>"},
    )
    fired = []
    for instant in nine_am:
        advance_to(server, instant + 10)
        [message] = drain(sqs, url, 1)
        fired.append(message["Body"])
    assert fired == [iso(t) for t in nine_am]
    hours_before = {datetime.fromtimestamp(t, UTC).hour for t in nine_am[:2]}
    hours_after = {datetime.fromtimestamp(t, UTC).hour for t in nine_am[2:]}
    assert {hours_before.pop(), hours_after.pop()} == {13, 14}  # EDT is UTC-4, EST UTC-5
    scheduler.delete_schedule(Name=name)


def test_a_clock_jump_fires_each_occurrence_with_its_own_time(
    server: TenkuProcess, scheduler: Any, sqs: Any
) -> None:
    url, arn = queue(sqs, unique("jump"))
    start = int(server_now(server)) + 120
    name = unique("jump")
    scheduler.create_schedule(
        Name=name,
        ScheduleExpression="rate(1 hour)",
        StartDate=start,
        FlexibleTimeWindow=OFF,
        Target={"Arn": arn, "RoleArn": ROLE, "Input": "<aws.scheduler.scheduled-time>"},
    )
    advance_to(server, start + 5 * 3600 + 30)
    bodies = sorted(m["Body"] for m in drain(sqs, url, 6))
    assert bodies == [iso(start + hour * 3600) for hour in range(6)]
    scheduler.delete_schedule(Name=name)


def test_flexible_window_fires_within_the_window(
    server: TenkuProcess, scheduler: Any, sqs: Any
) -> None:
    url, arn = queue(sqs, unique("flex"))
    fire_at = int(server_now(server)) + 600
    scheduler.create_schedule(
        Name=unique("flex"),
        ScheduleExpression=at_expression(fire_at),
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10},
        Target={"Arn": arn, "RoleArn": ROLE, "Input": "<aws.scheduler.scheduled-time>"},
    )
    advance_to(server, fire_at - 1)
    assert drain(sqs, url, 1, timeout=1.0) == []
    advance_to(server, fire_at + 601)
    [message] = drain(sqs, url, 1)
    assert message["Body"] == iso(fire_at)


def test_universal_targets(server: TenkuProcess, scheduler: Any, sqs: Any) -> None:
    url, _arn = queue(sqs, unique("universal"))
    dynamodb = server.client("dynamodb")
    table = unique("table")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    fire_at = int(server_now(server)) + 300
    send = {
        "QueueUrl": url,
        "MessageBody": "universal <aws.scheduler.scheduled-time>",
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "universal"}},
    }
    put = {
        "TableName": table,
        "Item": {"pk": {"S": "<aws.scheduler.execution-id>"}, "n": {"N": "7"}},
    }
    for action, params in (("sqs:sendMessage", send), ("dynamodb:putItem", put)):
        scheduler.create_schedule(
            Name=unique("universal"),
            ScheduleExpression=at_expression(fire_at),
            FlexibleTimeWindow=OFF,
            Target={
                "Arn": f"arn:aws:scheduler:::aws-sdk:{action}",
                "RoleArn": ROLE,
                "Input": json.dumps(params),
            },
        )
    advance_to(server, fire_at + 5)
    [message] = drain(sqs, url, 1)
    assert message["Body"] == f"universal {iso(fire_at)}"
    assert message["MessageAttributes"]["kind"]["StringValue"] == "universal"
    items = eventually(lambda: dynamodb.scan(TableName=table)["Items"])
    assert len(items) == 1
    assert uuid.UUID(items[0]["pk"]["S"]) and items[0]["n"] == {"N": "7"}


def test_sns_and_eventbridge_templated_targets(
    server: TenkuProcess, scheduler: Any, sqs: Any
) -> None:
    sns, events = server.client("sns"), server.client("events")
    topic = sns.create_topic(Name=unique("sched-topic"))["TopicArn"]
    topic_url, topic_queue = queue(sqs, unique("from-topic"))
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=topic_queue,
        Attributes={"RawMessageDelivery": "true"},
    )
    bus = unique("sched-bus")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    bus_url, bus_queue = queue(sqs, unique("from-bus"))
    events.put_rule(Name=bus, EventBusName=bus, EventPattern='{"source": ["my.scheduler"]}')
    events.put_targets(Rule=bus, EventBusName=bus, Targets=[{"Id": "q", "Arn": bus_queue}])
    fire_at = int(server_now(server)) + 300
    to_topic = scheduler.create_schedule(
        Name=unique("to-topic"),
        ScheduleExpression=at_expression(fire_at),
        FlexibleTimeWindow=OFF,
        Target={"Arn": topic, "RoleArn": ROLE, "Input": "reminder <aws.scheduler.scheduled-time>"},
    )["ScheduleArn"]
    to_bus = scheduler.create_schedule(
        Name=unique("to-bus"),
        ScheduleExpression=at_expression(fire_at),
        FlexibleTimeWindow=OFF,
        Target={
            "Arn": bus_arn,
            "RoleArn": ROLE,
            "Input": json.dumps({"job": "nightly", "at": "<aws.scheduler.scheduled-time>"}),
            "EventBridgeParameters": {"DetailType": "Job Due", "Source": "my.scheduler"},
        },
    )["ScheduleArn"]
    advance_to(server, fire_at + 5)
    [published] = drain(sqs, topic_url, 1)
    assert published["Body"] == f"reminder {iso(fire_at)}"
    [message] = drain(sqs, bus_url, 1)
    event = json.loads(message["Body"])
    assert event["source"] == "my.scheduler"
    assert event["detail-type"] == "Job Due"
    assert event["detail"] == {"job": "nightly", "at": iso(fire_at)}
    assert event["resources"] == [to_bus]
    assert event["time"] == iso(fire_at)
    assert to_topic != to_bus


def test_lambda_target_gets_the_input(server: TenkuProcess, scheduler: Any) -> None:
    lam, logs = server.client("lambda"), server.client("logs")
    function = unique("fn")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr(
            "app.py",
            "import json\ndef handler(event, context):\n    print('EVENT ' + json.dumps(event))\n",
        )
    function_arn = lam.create_function(
        FunctionName=function,
        Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/lambda-role",
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]
    fire_at = int(server_now(server)) + 300
    scheduler.create_schedule(
        Name=unique("lambda"),
        ScheduleExpression=at_expression(fire_at),
        FlexibleTimeWindow=OFF,
        Target={"Arn": function_arn, "RoleArn": ROLE, "Input": CONTEXT_INPUT},
    )
    advance_to(server, fire_at + 5)

    def logged() -> list[str]:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
        except ClientError:
            return []
        return [e["message"] for e in events if e["message"].startswith("EVENT ")]

    [line] = eventually(logged, timeout=30)
    event = json.loads(line[len("EVENT ") :])
    assert event["at"] == iso(fire_at)
    assert event["attempt"] == "1"


def test_retries_then_the_dead_letter_queue(server: TenkuProcess, scheduler: Any, sqs: Any) -> None:
    target_url, target_arn = queue(sqs, unique("gone"))
    sqs.delete_queue(QueueUrl=target_url)
    dlq_url, dlq_arn = queue(sqs, unique("dlq"))
    fire_at = int(server_now(server)) + 300
    schedule_arn = scheduler.create_schedule(
        Name=unique("retry"),
        ScheduleExpression=at_expression(fire_at),
        FlexibleTimeWindow=OFF,
        Target={
            "Arn": target_arn,
            "RoleArn": ROLE,
            "Input": "attempt <aws.scheduler.attempt-number>",
            "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    )["ScheduleArn"]
    advance_to(server, fire_at + 1)
    assert drain(sqs, dlq_url, 1, timeout=0.5) == []  # first attempt failed, retries pending
    for _ in range(3):
        server.advance_clock(120)  # the backoff runs on the server's clock
    [message] = drain(sqs, dlq_url, 1)
    assert message["Body"] == "attempt 3"
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "QueueDoesNotExist"
    assert attributes["ERROR_MESSAGE"] == "The specified queue does not exist."
    assert attributes["RETRY_ATTEMPTS"] == "2"
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["TARGET_ARN"] == target_arn
    assert attributes["SCHEDULE_ARN"] == schedule_arn
    assert attributes["SCHEDULED_TIME"] == iso(fire_at)
    assert attributes["IS_PAYLOAD_TRUNCATED"] == "false"
    assert uuid.UUID(attributes["EXECUTION_ID"])
    assert drain(sqs, dlq_url, 1, timeout=1.0) == []


def test_an_unserved_target_service_waits_instead_of_failing(
    server: TenkuProcess, scheduler: Any, sqs: Any
) -> None:
    dlq_url, dlq_arn = queue(sqs, unique("dlq"))
    fire_at = int(server_now(server)) + 300
    scheduler.create_schedule(
        Name=unique("kinesis"),
        ScheduleExpression=at_expression(fire_at),
        FlexibleTimeWindow=OFF,
        Target={
            "Arn": "arn:aws:scheduler:::aws-sdk:kinesis:putRecord",
            "RoleArn": ROLE,
            "Input": json.dumps({"StreamName": "s", "Data": "aGk=", "PartitionKey": "p"}),
            "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    )
    advance_to(server, fire_at + 3600)
    assert drain(sqs, dlq_url, 1, timeout=2.0) == []  # kept for later, not dead-lettered


def test_action_after_completion(server: TenkuProcess, scheduler: Any, sqs: Any) -> None:
    url, arn = queue(sqs, unique("done"))
    fire_at = int(server_now(server)) + 300
    for name, action in (("delete-me", "DELETE"), ("keep-me", "NONE")):
        scheduler.create_schedule(
            Name=f"{name}-{int(fire_at)}",
            ScheduleExpression=at_expression(fire_at),
            ActionAfterCompletion=action,
            FlexibleTimeWindow=OFF,
            Target={"Arn": arn, "RoleArn": ROLE, "Input": name},
        )
    advance_to(server, fire_at + 5)
    assert sorted(m["Body"] for m in drain(sqs, url, 2)) == ["delete-me", "keep-me"]

    def deleted() -> bool:
        try:
            scheduler.get_schedule(Name=f"delete-me-{int(fire_at)}")
        except ClientError as error:
            return error.response["Error"]["Code"] == "ResourceNotFoundException"
        return False

    assert eventually(deleted)
    assert scheduler.get_schedule(Name=f"keep-me-{int(fire_at)}")["State"] == "ENABLED"


def test_recurring_schedule_ends_at_its_end_date_and_deletes_itself(
    server: TenkuProcess, scheduler: Any, sqs: Any
) -> None:
    url, arn = queue(sqs, unique("ending"))
    start = int(server_now(server)) + 60
    name = unique("ending")
    scheduler.create_schedule(
        Name=name,
        ScheduleExpression="rate(10 minutes)",
        StartDate=start,
        EndDate=start + 1500,
        ActionAfterCompletion="DELETE",
        FlexibleTimeWindow=OFF,
        Target={"Arn": arn, "RoleArn": ROLE, "Input": "<aws.scheduler.scheduled-time>"},
    )
    advance_to(server, start + 3600)
    bodies = sorted(m["Body"] for m in drain(sqs, url, 3))
    assert bodies == [iso(start), iso(start + 600), iso(start + 1200)]
    assert eventually(lambda: not scheduler.list_schedules(NamePrefix=name)["Schedules"])


def test_disabled_and_deleted_schedules_do_not_fire(
    server: TenkuProcess, scheduler: Any, sqs: Any
) -> None:
    url, arn = queue(sqs, unique("quiet"))
    group = unique("group")
    scheduler.create_schedule_group(Name=group)
    fire_at = int(server_now(server)) + 300
    common = {
        "ScheduleExpression": at_expression(fire_at),
        "FlexibleTimeWindow": OFF,
        "Target": {"Arn": arn, "RoleArn": ROLE, "Input": "should not arrive"},
    }
    scheduler.create_schedule(Name=unique("off"), State="DISABLED", **common)
    scheduler.create_schedule(Name=unique("in-group"), GroupName=group, **common)
    gone = unique("gone")
    scheduler.create_schedule(Name=gone, **common)
    scheduler.delete_schedule(Name=gone)
    scheduler.delete_schedule_group(Name=group)
    advance_to(server, fire_at + 60)
    assert drain(sqs, url, 1, timeout=2.0) == []


def test_enabling_a_schedule_again_starts_from_now(
    server: TenkuProcess, scheduler: Any, sqs: Any, tmp_path: Path
) -> None:
    url, arn = queue(sqs, unique("again"))
    name = unique("again")
    target = {"Arn": arn, "RoleArn": ROLE, "Input": "<aws.scheduler.scheduled-time>"}
    start = int(server_now(server)) + 60
    settings = {"ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": OFF, "Target": target}
    scheduler.create_schedule(Name=name, StartDate=start, State="DISABLED", **settings)
    advance_to(server, start + 3 * 3600)
    assert drain(sqs, url, 1, timeout=1.0) == []
    restart = int(server_now(server)) + 60
    scheduler.update_schedule(Name=name, StartDate=restart, State="ENABLED", **settings)
    advance_to(server, restart + 30)
    assert [m["Body"] for m in drain(sqs, url, 1)] == [iso(restart)]
