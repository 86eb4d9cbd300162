"""EventBridge's control plane through the wire: buses, policies, rules, targets, tags,
PutEvents' checks, and every refusal with AWS's code and message."""

# ruff: noqa: E501  (expected answers read best one per line)
from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess

ACCOUNT = "000000000000"
PATTERN = json.dumps({"source": ["my.app"]})


@pytest.fixture(scope="module")
def events(tenku: TenkuProcess) -> Any:
    return tenku.client("events")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_of(call: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error: dict[str, str] = caught.value.response["Error"]
    return {"Code": error["Code"], "Message": error.get("Message", "")}


# -- buses ----------------------------------------------------------------------------------
def test_the_default_bus_always_exists_and_cannot_be_deleted(tenku: TenkuProcess) -> None:
    events = tenku.client("events", region="eu-west-3")  # a region nobody used yet
    described = events.describe_event_bus()
    assert described["Name"] == "default"
    assert described["Arn"] == f"arn:aws:events:eu-west-3:{ACCOUNT}:event-bus/default"
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default"]
    assert error_of(events.delete_event_bus, Name="default") == {
        "Code": "ValidationException",
        "Message": "Cannot delete event bus default.",
    }


def test_custom_bus_lifecycle(events: Any) -> None:
    name = unique("bus")
    created = events.create_event_bus(
        Name=name, Description="orders", Tags=[{"Key": "team", "Value": "a"}]
    )
    arn = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/{name}"
    assert created["EventBusArn"] == arn
    assert error_of(events.create_event_bus, Name=name) == {
        "Code": "ResourceAlreadyExistsException",
        "Message": f"Event bus {name} already exists.",
    }
    assert events.describe_event_bus(Name=name)["Description"] == "orders"
    assert events.describe_event_bus(Name=arn)["Name"] == name  # an ARN names it too
    listed = events.list_event_buses(NamePrefix=name)["EventBuses"]
    assert [b["Name"] for b in listed] == [name]
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    events.delete_event_bus(Name=name)
    assert error_of(events.describe_event_bus, Name=name) == {
        "Code": "ResourceNotFoundException",
        "Message": f"Event bus {name} does not exist.",
    }
    events.delete_event_bus(Name=name)  # deleting again is not an error


def test_list_event_buses_pages(events: Any) -> None:
    prefix = unique("page")
    for i in range(3):
        events.create_event_bus(Name=f"{prefix}-{i}")
    first = events.list_event_buses(NamePrefix=prefix, Limit=2)
    assert [b["Name"] for b in first["EventBuses"]] == [f"{prefix}-0", f"{prefix}-1"]
    second = events.list_event_buses(NamePrefix=prefix, Limit=2, NextToken=first["NextToken"])
    assert [b["Name"] for b in second["EventBuses"]] == [f"{prefix}-2"]
    assert "NextToken" not in second


def test_bus_policies_are_stored(events: Any) -> None:
    name = unique("pol")
    events.create_event_bus(Name=name)
    events.put_permission(
        EventBusName=name, Action="events:PutEvents", Principal="111122223333", StatementId="s1"
    )
    events.put_permission(
        EventBusName=name,
        Action="events:PutEvents",
        Principal="*",
        StatementId="s2",
        Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1"},
    )
    policy = json.loads(events.describe_event_bus(Name=name)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s1", "s2"]
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert (
        policy["Statement"][0]["Resource"] == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/{name}"
    )
    assert policy["Statement"][1]["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}
    events.remove_permission(EventBusName=name, StatementId="s1")
    policy = json.loads(events.describe_event_bus(Name=name)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s2"]
    assert error_of(events.remove_permission, EventBusName=name, StatementId="nope") == {
        "Code": "ResourceNotFoundException",
        "Message": "Statement with the provided id does not exist.",
    }
    events.remove_permission(EventBusName=name, RemoveAllPermissions=True)
    assert "Policy" not in events.describe_event_bus(Name=name)
    whole = {"Version": "2012-10-17", "Statement": [{"Sid": "x", "Effect": "Allow", "Principal": "*",
             "Action": "events:PutEvents", "Resource": "*"}]}  # fmt: skip
    events.put_permission(EventBusName=name, Policy=json.dumps(whole))
    assert json.loads(events.describe_event_bus(Name=name)["Policy"]) == whole


# -- rules -------------------------------------------------------------------------------------
def test_rule_lifecycle(events: Any) -> None:
    name = unique("rule")
    arn = events.put_rule(
        Name=name, EventPattern=PATTERN, Description="d", RoleArn="arn:aws:iam::0:role/r"
    )["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{name}"
    described = events.describe_rule(Name=name)
    assert described["State"] == "ENABLED"
    assert described["EventPattern"] == PATTERN
    assert described["EventBusName"] == "default"
    assert described["CreatedBy"] == ACCOUNT
    events.disable_rule(Name=name)
    assert events.describe_rule(Name=name)["State"] == "DISABLED"
    events.enable_rule(Name=name)
    assert events.describe_rule(Name=name)["State"] == "ENABLED"
    events.put_rule(
        Name=name, EventPattern=PATTERN, State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    )
    assert (
        events.describe_rule(Name=name)["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    )
    assert events.describe_rule(Name=name)["Description"] == "d"  # kept on update
    events.delete_rule(Name=name)
    assert error_of(events.describe_rule, Name=name) == {
        "Code": "ResourceNotFoundException",
        "Message": f"Rule {name} does not exist on EventBus default.",
    }


def test_rules_on_a_custom_bus(events: Any) -> None:
    bus, name = unique("rbus"), unique("rule")
    events.create_event_bus(Name=bus)
    arn = events.put_rule(Name=name, EventPattern=PATTERN, EventBusName=bus)["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{bus}/{name}"
    assert [r["Name"] for r in events.list_rules(EventBusName=bus)["Rules"]] == [name]
    assert error_of(events.describe_rule, Name=name)["Code"] == "ResourceNotFoundException"
    assert error_of(
        events.put_rule, Name="x", EventPattern=PATTERN, EventBusName="no-such-bus"
    ) == {
        "Code": "ResourceNotFoundException",
        "Message": "Event bus no-such-bus does not exist.",
    }
    assert error_of(
        events.put_rule, Name="x", ScheduleExpression="rate(5 minutes)", EventBusName=bus
    ) == {
        "Code": "ValidationException",
        "Message": "ScheduleExpression is supported only on the default event bus.",
    }


def test_list_rules_by_prefix_with_paging(events: Any) -> None:
    prefix = unique("lr")
    for i in range(5):
        events.put_rule(Name=f"{prefix}-{i}", EventPattern=PATTERN)
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = events.list_rules(NamePrefix=prefix, Limit=2, **token)
        seen += [r["Name"] for r in page["Rules"]]
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert seen == [f"{prefix}-{i}" for i in range(5)]


@pytest.mark.parametrize(
    "expression",
    ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(2 days)", "cron(0 12 * * ? *)",
     "cron(15 10 ? * 6L 2022-2030)", "cron(0/15 * * * ? *)", "cron(0 8 1 * ? *)", "cron(0 18 ? * MON-FRI *)"],
)  # fmt: skip
def test_valid_schedule_expressions(events: Any, expression: str) -> None:
    name = unique("sched")
    events.put_rule(Name=name, ScheduleExpression=expression)
    assert events.describe_rule(Name=name)["ScheduleExpression"] == expression


@pytest.mark.parametrize(
    "expression",
    ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(five minutes)", "cron(0 12 * * * *)",
     "cron(0 12 * *)", "cron(61 12 * * ? *)", "cron(0 25 * * ? *)", "every day", "rate(5 weeks)"],
)  # fmt: skip
def test_invalid_schedule_expressions(events: Any, expression: str) -> None:
    assert error_of(events.put_rule, Name=unique("sched"), ScheduleExpression=expression) == {
        "Code": "ValidationException",
        "Message": "Parameter ScheduleExpression is not valid.",
    }


def test_put_rule_needs_a_pattern_or_a_schedule(events: Any) -> None:
    assert error_of(events.put_rule, Name="empty") == {
        "Code": "ValidationException",
        "Message": "Parameter(s) EventPattern or ScheduleExpression must be specified.",
    }


def test_put_rule_refuses_bad_patterns(events: Any) -> None:
    error = error_of(events.put_rule, Name="bad", EventPattern='{"detail": {"state": "x"}}')
    assert error == {
        "Code": "InvalidEventPatternException",
        "Message": 'Event pattern is not valid. Reason: "state" must be an object or an array\n'
        ' at [Source: (String)"{"detail": {"state": "x"}}"; line: 1, column: 23]',
    }


def test_put_rule_validates_members_like_aws(events: Any) -> None:
    error = error_of(events.put_rule, Name="bad name!", EventPattern=PATTERN)
    assert error["Code"] == "ValidationException"
    assert "failed to satisfy constraint" in error["Message"]
    error = error_of(events.put_rule, Name="x", EventPattern=PATTERN, State="ON")
    assert error["Code"] == "ValidationException"


# -- targets ---------------------------------------------------------------------------------
def test_targets_lifecycle(events: Any) -> None:
    name = unique("trule")
    events.put_rule(Name=name, EventPattern=PATTERN)
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q1"
    answer = events.put_targets(Rule=name, Targets=[
        {"Id": "a", "Arn": queue},
        {"Id": "b", "Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "Input": '{"k": 1}',
         "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120}},
    ])  # fmt: skip
    assert answer["FailedEntryCount"] == 0 and answer["FailedEntries"] == []
    targets = events.list_targets_by_rule(Rule=name)["Targets"]
    assert [t["Id"] for t in targets] == ["a", "b"]
    assert targets[1]["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120}
    assert events.list_rule_names_by_target(TargetArn=queue)["RuleNames"].count(name) == 1
    assert error_of(events.delete_rule, Name=name) == {
        "Code": "ValidationException",
        "Message": "Rule can't be deleted since it has targets.",
    }
    events.remove_targets(Rule=name, Ids=["a", "b"])
    assert events.list_targets_by_rule(Rule=name)["Targets"] == []
    events.delete_rule(Name=name)


def test_at_most_five_targets_per_rule(events: Any) -> None:
    name = unique("five")
    events.put_rule(Name=name, EventPattern=PATTERN)
    targets = [{"Id": f"t{i}", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q{i}"} for i in range(5)]
    assert events.put_targets(Rule=name, Targets=targets)["FailedEntryCount"] == 0
    assert error_of(
        events.put_targets, Rule=name, Targets=[{"Id": "t5", "Arn": targets[0]["Arn"]}]
    ) == {
        "Code": "LimitExceededException",
        "Message": "The requested resource exceeds the maximum number allowed.",
    }
    events.put_targets(
        Rule=name, Targets=[{"Id": "t0", "Arn": targets[1]["Arn"]}]
    )  # replacing is fine


def test_put_targets_reports_each_refused_target(events: Any) -> None:
    name = unique("fail")
    events.put_rule(Name=name, EventPattern=PATTERN)
    answer = events.put_targets(Rule=name, Targets=[
        {"Id": "ok", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"},
        {"Id": "fifo", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q.fifo"},
        {"Id": "both", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", "Input": "{}", "InputPath": "$.detail"},
        {"Id": "notarn", "Arn": "queue-please"},
        {"Id": "badjson", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", "Input": "{nope"},
    ])  # fmt: skip
    assert answer["FailedEntryCount"] == 4
    assert answer["FailedEntries"] == [
        {"TargetId": "fifo", "ErrorCode": "ValidationException",
         "ErrorMessage": "Parameter(s) SqsParameters must be specified for target: fifo."},
        {"TargetId": "both", "ErrorCode": "ValidationException",
         "ErrorMessage": "Only one of Input, InputPath, or InputTransformer can be specified."},
        {"TargetId": "notarn", "ErrorCode": "ValidationException",
         "ErrorMessage": "Provided Arn is not in correct format."},
        {"TargetId": "badjson", "ErrorCode": "ValidationException",
         "ErrorMessage": "Input is not a valid JSON text."},
    ]  # fmt: skip
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]] == ["ok"]


def test_targets_of_a_missing_rule(events: Any) -> None:
    assert error_of(
        events.put_targets, Rule="ghost", Targets=[{"Id": "a", "Arn": "arn:aws:sqs:us-east-1:0:q"}]
    ) == {
        "Code": "ResourceNotFoundException",
        "Message": "Rule ghost does not exist on EventBus default.",
    }
    assert (
        error_of(events.list_targets_by_rule, Rule="ghost")["Code"] == "ResourceNotFoundException"
    )


def test_tags_on_rules(events: Any) -> None:
    name = unique("tag")
    arn = events.put_rule(Name=name, EventPattern=PATTERN, Tags=[{"Key": "a", "Value": "1"}])[
        "RuleArn"
    ]
    events.tag_resource(ResourceARN=arn, Tags=[{"Key": "b", "Value": "2"}])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"},
    ]  # fmt: skip
    events.untag_resource(ResourceARN=arn, TagKeys=["a"])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    missing = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/ghost"
    assert (
        error_of(events.list_tags_for_resource, ResourceARN=missing)["Code"]
        == "ResourceNotFoundException"
    )


# -- PutEvents' checks ---------------------------------------------------------------------------
def test_put_events_checks_each_entry(events: Any) -> None:
    answer = events.put_events(Entries=[
        {"Source": "my.app", "DetailType": "ok", "Detail": "{}"},
        {"DetailType": "t", "Detail": "{}"},
        {"Source": "my.app", "Detail": "{}"},
        {"Source": "my.app", "DetailType": "t"},
        {"Source": "my.app", "DetailType": "t", "Detail": "[1, 2]"},
        {"Source": "my.app", "DetailType": "t", "Detail": "{not json"},
        {"Source": "aws.ec2", "DetailType": "t", "Detail": "{}"},
        {"Source": "my.app", "DetailType": "t", "Detail": "{}", "EventBusName": "no-such-bus"},
    ])  # fmt: skip
    assert answer["FailedEntryCount"] == 7
    entries = answer["Entries"]
    assert set(entries[0]) == {"EventId"}
    assert entries[1:] == [
        {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."},
        {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter DetailType is not valid. Reason: DetailType is a required argument."},
        {"ErrorCode": "InvalidArgument", "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument."},
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        {"ErrorCode": "NotAuthorizedForSourceException", "ErrorMessage": "Not authorized for the source."},
        {"ErrorCode": "InvalidArgument", "ErrorMessage": "Event bus no-such-bus does not exist."},
    ]  # fmt: skip


def test_put_events_size_limit_is_computed_as_aws_documents(events: Any) -> None:
    # Per entry: Time (14 bytes when given) + UTF-8 bytes of Source, DetailType, Detail and
    # each Resource; the request may carry 256 KB of entries in all.
    entry = {"Time": 1_700_000_000, "Source": "my.app", "DetailType": "t", "Resources": ["r"]}
    fixed = 14 + len("my.app") + len("t") + len("r")
    small = json.dumps({"x": "éé"})  # each é is two bytes
    room = 256 * 1024 - 2 * fixed - len(small.encode()) - len('{"p": ""}')
    big = json.dumps({"p": "a" * room})
    answer = events.put_events(Entries=[{**entry, "Detail": big}, {**entry, "Detail": small}])
    assert answer["FailedEntryCount"] == 0  # exactly 256 KB
    bigger = json.dumps({"x": "ééé"})
    assert error_of(
        events.put_events, Entries=[{**entry, "Detail": big}, {**entry, "Detail": bigger}]
    ) == {
        "Code": "ValidationException",
        "Message": "Total size of the entries in the request is over the limit.",
    }


def test_put_events_takes_ten_entries_at_most(events: Any) -> None:
    entries = [{"Source": "my.app", "DetailType": "t", "Detail": "{}"}] * 11
    error = error_of(events.put_events, Entries=entries)
    assert error["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 10" in error["Message"]


def test_the_cli_manages_rules(tenku: TenkuProcess) -> None:
    name = unique("cli")
    done = tenku.aws("events", "put-rule", "--name", name, "--event-pattern", PATTERN)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["RuleArn"].endswith(f":rule/{name}")
    listed = tenku.aws("events", "list-rules", "--name-prefix", name)
    assert [r["Name"] for r in json.loads(listed.stdout)["Rules"]] == [name]
    sent = tenku.aws("events", "put-events", "--entries",
                     json.dumps([{"Source": "my.app", "DetailType": "t", "Detail": "{}"}]))  # fmt: skip
    assert json.loads(sent.stdout)["FailedEntryCount"] == 0
