"""Scheduler's pure parts: settings validation, firing times, flexible windows, and the
API call each kind of target becomes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.core.scope import Scope
from tenku.services.scheduler import models
from tenku.services.scheduler.targets import Context, call_for, render_input

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
TARGET = {"Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RoleArn": "arn:aws:iam::0:role/r"}
CONTEXT = Context("arn:aws:scheduler:us-east-1:000000000000:schedule/default/s", NOW, "e-1", 2)
HOME = Scope("000000000000", "us-east-1")


def spec(expression: str, **extra: Any) -> dict[str, Any]:
    return models.build_spec(
        NOW, expression, extra.pop("window", {"Mode": "OFF"}), TARGET,
        extra.pop("timezone", None), extra.pop("start", None), extra.pop("end", None),
        None, None, None, None,
    )  # fmt: skip


def test_rate_without_start_date_fires_at_once_then_every_interval() -> None:
    settings = spec("rate(5 minutes)")
    first = models.first_fire(settings, NOW, NOW)
    assert first == NOW
    assert models.fire_after(settings, NOW, NOW) == NOW + 300


def test_start_and_end_dates_bound_a_recurring_schedule() -> None:
    settings = spec("cron(0 * * * ? *)", start=NOW + 5400, end=NOW + 9000)
    assert models.first_fire(settings, NOW + 5400, NOW) == NOW + 7200
    assert models.fire_after(settings, NOW + 7200, NOW + 5400) is None


def test_one_time_schedules_ignore_start_and_end() -> None:
    settings = spec("at(2026-01-01T02:00:00)", start=NOW - 86400, end=NOW - 3600)
    assert models.first_fire(settings, NOW, NOW) == NOW + 7200


def test_validation_errors_are_service_errors() -> None:
    with pytest.raises(ServiceError) as raised:
        spec("rate(1 fortnight)")
    assert (raised.value.code, raised.value.message) == (
        "ValidationException",
        "Invalid Schedule Expression rate(1 fortnight).",
    )
    with pytest.raises(ServiceError):
        spec("rate(1 hour)", timezone="Nowhere/Special")
    with pytest.raises(ServiceError):
        spec("rate(1 hour)", start=NOW - 301)
    spec("rate(1 hour)", start=NOW - 299)
    with pytest.raises(ServiceError):
        spec("rate(1 hour)", window={"Mode": "FLEXIBLE"})


def test_flexible_offsets_are_stable_and_inside_the_window() -> None:
    settings = spec("rate(1 minute)", window={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5})
    offsets = [models.due_time("arn", settings, NOW + 60 * i) - (NOW + 60 * i) for i in range(50)]
    assert all(0 <= offset < 300 for offset in offsets)
    assert len(set(offsets)) > 10
    assert offsets == [
        models.due_time("arn", settings, NOW + 60 * i) - (NOW + 60 * i) for i in range(50)
    ]
    assert models.due_time("arn", spec("rate(1 minute)"), NOW) == NOW


def test_context_attributes_are_filled_in() -> None:
    text = "<aws.scheduler.schedule-arn>|<aws.scheduler.scheduled-time>|"
    text += "<aws.scheduler.execution-id>|<aws.scheduler.attempt-number>"
    assert render_input({"Input": text}, CONTEXT) == (
        f"{CONTEXT.schedule_arn}|2026-01-01T00:00:00Z|e-1|2"
    )
    assert render_input({}, CONTEXT) == "{}"


def test_templated_targets() -> None:
    fifo = {**TARGET, "Arn": TARGET["Arn"] + ".fifo", "SqsParameters": {"MessageGroupId": "g"}}
    call = call_for(fifo, "body", CONTEXT, HOME)
    assert (call.service, call.operation) == ("sqs", "SendMessage")
    assert call.params == {
        "QueueUrl": "http://localhost/000000000000/q.fifo",
        "MessageBody": "body",
        "MessageGroupId": "g",
        "MessageDeduplicationId": "e-1",
    }
    lam = call_for({"Arn": "arn:aws:lambda:eu-west-1:000000000000:function:f"}, "{}", CONTEXT, HOME)
    assert (lam.service, lam.operation, lam.scope.region) == ("lambda", "Invoke", "eu-west-1")
    assert lam.params["InvocationType"] == "Event" and lam.params["Payload"] == b"{}"
    sns = call_for({"Arn": "arn:aws:sns:us-east-1:000000000000:t"}, "m", CONTEXT, HOME)
    assert (sns.operation, sns.params) == (
        "Publish",
        {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Message": "m"},
    )
    bus = {
        "Arn": "arn:aws:events:us-east-1:000000000000:event-bus/default",
        "EventBridgeParameters": {"DetailType": "tick", "Source": "my.app"},
    }
    events = call_for(bus, '{"a": 1}', CONTEXT, HOME)
    [entry] = events.params["Entries"]
    assert (events.service, events.operation) == ("events", "PutEvents")
    assert (entry["Source"], entry["DetailType"], entry["Detail"]) == ("my.app", "tick", '{"a": 1}')
    assert entry["Resources"] == [CONTEXT.schedule_arn]
    with pytest.raises(ServiceError) as raised:
        call_for({"Arn": "arn:aws:states:us-east-1:0:stateMachine:m"}, "{}", CONTEXT, HOME)
    assert raised.value.code == "NotImplemented"


def test_universal_targets_become_typed_operation_parameters() -> None:
    put = {"TableName": "t", "Item": {"pk": {"S": "a"}, "b": {"B": "aGk="}}}
    call = call_for(
        {"Arn": "arn:aws:scheduler:::aws-sdk:dynamodb:putItem"}, json.dumps(put), CONTEXT, HOME
    )
    assert (call.service, call.operation, call.scope) == ("dynamodb", "PutItem", HOME)
    assert call.params["Item"]["b"] == {"B": b"hi"}  # decoded as a real request body is
    logs = call_for(
        {"Arn": "arn:aws:scheduler:::aws-sdk:cloudwatchlogs:createLogGroup"},
        '{"logGroupName": "g"}',
        CONTEXT,
        HOME,
    )
    assert (logs.service, logs.operation) == ("logs", "CreateLogGroup")


@pytest.mark.parametrize(
    ("arn", "body", "fragment"),
    [
        ("arn:aws:scheduler:::aws-sdk:nosuch:doIt", "{}", "Unknown service"),
        ("arn:aws:scheduler:::aws-sdk:../../etc:doIt", "{}", "Unknown service"),
        ("arn:aws:scheduler:::aws-sdk:sqs:fly", "{}", "Unknown API action"),
        ("arn:aws:scheduler:::aws-sdk:sqs:sendMessage", "not json", "not JSON"),
        ("arn:aws:scheduler:::aws-sdk:sqs:sendMessage", "[1]", "not a JSON object"),
        ("arn:aws:scheduler:::aws-sdk:sqs:sendMessage", '{"QueueUrl": 5}', "QueueUrl"),
    ],
)
def test_bad_universal_targets(arn: str, body: str, fragment: str) -> None:
    with pytest.raises(ServiceError) as raised:
        call_for({"Arn": arn}, body, CONTEXT, HOME)
    assert fragment in raised.value.message
