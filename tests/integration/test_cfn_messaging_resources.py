"""Black-box: SNS, EventBridge and EventBridge Scheduler resources deployed by the stack
engine against a real server, then driven with boto3 to show they are wired."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.cfn_support import Stack
from tests.integration.conftest import TenkuProcess


def _drain(tenku: TenkuProcess, url: str, want: int, rounds: int = 5) -> list[dict[str, Any]]:
    sqs = tenku.client("sqs")
    got: list[dict[str, Any]] = []
    for _ in range(rounds):
        answer = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, MaxNumberOfMessages=10)
        for message in answer.get("Messages", []):
            got.append(json.loads(message["Body"]) if message["Body"].startswith("{") else message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if len(got) >= want:
            break
    return got


TOPICS = """
Resources:
  Inbox:
    Type: AWS::SQS::Queue
  Filtered:
    Type: AWS::SQS::Queue
  Other:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: Orders
      Subscription:
        - {Protocol: sqs, Endpoint: !GetAtt Inbox.Arn}
      Tags: [{Key: app, Value: shop}]
  Fifo:
    Type: AWS::SNS::Topic
    Properties:
      FifoTopic: true
      ContentBasedDeduplication: true
  BigOrders:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Protocol: sqs
      Endpoint: !GetAtt Filtered.Arn
      RawMessageDelivery: true
      FilterPolicy: {size: [big]}
  Policy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement:
          - {Sid: Pub, Effect: Allow, Principal: "*", Action: "sns:Publish", Resource: !Ref Topic}
"""


def test_topics_subscriptions_and_policies(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "orders")
    stack.deploy(TOPICS)
    sns = tenku.client("sns")
    arn = stack.ref("Topic")
    assert arn.startswith("arn:aws:sns:us-east-1:000000000000:orders-Topic-")
    assert stack.attribute("Topic", "TopicArn") == arn
    assert stack.attribute("Topic", "TopicName") == arn.rsplit(":", 1)[1]
    fifo = stack.attribute("Fifo", "TopicName")
    assert fifo.endswith(".fifo") and len(fifo) <= 256
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["DisplayName"] == "Orders"
    assert json.loads(attributes["Policy"])["Statement"][0]["Sid"] == "Pub"
    fifo_attributes = sns.get_topic_attributes(TopicArn=stack.ref("Fifo"))["Attributes"]
    assert fifo_attributes["ContentBasedDeduplication"] == "true"
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "app", "Value": "shop"}]
    sub = sns.get_subscription_attributes(SubscriptionArn=stack.ref("BigOrders"))["Attributes"]
    assert json.loads(sub["FilterPolicy"]) == {"size": ["big"]}
    assert sub["RawMessageDelivery"] == "true"

    attrs = {"size": {"DataType": "String", "StringValue": "big"}}
    sns.publish(TopicArn=arn, Message="order-1", MessageAttributes=attrs)
    sns.publish(TopicArn=arn, Message="order-2")
    inbox = _drain(tenku, stack.ref("Inbox"), 2)
    assert sorted(m["Message"] for m in inbox) == ["order-1", "order-2"]
    filtered = _drain(tenku, stack.ref("Filtered"), 1, rounds=2)
    assert [m["Body"] for m in filtered] == ["order-1"]  # raw, and only the big one

    # Update: the inline subscription moves to another queue, a new filter, no policy.
    changed = TOPICS.replace(
        "        - {Protocol: sqs, Endpoint: !GetAtt Inbox.Arn}",
        "        - {Protocol: sqs, Endpoint: !GetAtt Other.Arn}",
    ).replace("FilterPolicy: {size: [big]}", "FilterPolicy: {size: [small]}")
    changed = changed[: changed.index("  Policy:")]
    stack.deploy(changed)
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    endpoints = sorted(s["Endpoint"] for s in listed)
    assert endpoints == sorted(
        [stack.attribute("Other", "Arn"), stack.attribute("Filtered", "Arn")]
    )
    sub = sns.get_subscription_attributes(SubscriptionArn=stack.ref("BigOrders"))["Attributes"]
    assert json.loads(sub["FilterPolicy"]) == {"size": ["small"]}
    policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    assert policy["Statement"][0]["Sid"] != "Pub"  # back to the default policy

    assert stack.destroy() == []
    with pytest.raises(ClientError) as gone:
        sns.get_topic_attributes(TopicArn=arn)
    assert gone.value.response["Error"]["Code"] == "NotFound"


EVENTS = """
Resources:
  Target:
    Type: AWS::SQS::Queue
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: orders-bus
  OnBus:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern:
        source: [shop]
        detail: {kind: [placed]}
      Targets:
        - Id: queue
          Arn: !GetAtt Target.Arn
          InputTransformer:
            InputPathsMap: {id: $.detail.id}
            InputTemplate: '{"order": <id>}'
  OnDefault:
    Type: AWS::Events::Rule
    Properties:
      Name: nightly
      ScheduleExpression: rate(1 day)
      State: DISABLED
  Archive:
    Type: AWS::Events::Archive
    Properties:
      SourceArn: !GetAtt Bus.Arn
      RetentionDays: 7
      EventPattern: {source: [shop]}
  Connection:
    Type: AWS::Events::Connection
    Properties:
      AuthorizationType: API_KEY
      AuthParameters:
        ApiKeyAuthParameters: {ApiKeyName: x-api-key, ApiKeyValue: secret}
  Destination:
    Type: AWS::Events::ApiDestination
    Properties:
      ConnectionArn: !GetAtt Connection.Arn
      InvocationEndpoint: https://example.com/hook
      HttpMethod: POST
"""


def test_buses_rules_archives_connections(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "events-stack")
    stack.deploy(EVENTS)
    events = tenku.client("events")
    assert stack.ref("Bus") == "orders-bus"
    rule_ref = stack.ref("OnBus")
    bus, _, rule = rule_ref.partition("|")
    assert bus == "orders-bus" and rule.startswith("events-stack-OnBus-")
    assert stack.ref("OnDefault") == "nightly"
    assert stack.attribute("OnBus", "Arn").endswith(f":rule/orders-bus/{rule}")
    described = events.describe_rule(Name="nightly")
    assert (described["State"], described["ScheduleExpression"]) == ("DISABLED", "rate(1 day)")
    assert events.describe_archive(ArchiveName=stack.ref("Archive"))["RetentionDays"] == 7
    connection = events.describe_connection(Name=stack.ref("Connection"))
    assert connection["ConnectionArn"] == stack.attribute("Connection", "Arn")
    destination = events.describe_api_destination(Name=stack.ref("Destination"))
    assert destination["InvocationEndpoint"] == "https://example.com/hook"

    events.put_events(
        Entries=[
            {
                "Source": "shop",
                "DetailType": "order",
                "EventBusName": "orders-bus",
                "Detail": json.dumps({"kind": "placed", "id": 42}),
            }
        ]
    )
    assert _drain(tenku, stack.ref("Target"), 1) == [{"order": 42}]

    # Update: new pattern, the transformer replaced by a plain input, state change.
    changed = EVENTS.replace("detail: {kind: [placed]}", "detail: {kind: [paid]}")
    changed = changed.replace(
        """          InputTransformer:
            InputPathsMap: {id: $.detail.id}
            InputTemplate: '{"order": <id>}'""",
        """          Input: '{"fixed": true}'""",
    ).replace("State: DISABLED", "State: ENABLED")
    stack.deploy(changed)
    assert stack.ref("OnBus") == rule_ref
    assert events.describe_rule(Name="nightly")["State"] == "ENABLED"
    targets = events.list_targets_by_rule(Rule=rule, EventBusName="orders-bus")["Targets"]
    assert [(t["Id"], t.get("Input"), "InputTransformer" in t) for t in targets] == [
        ("queue", '{"fixed": true}', False)
    ]
    events.put_events(
        Entries=[
            {
                "Source": "shop",
                "DetailType": "order",
                "EventBusName": "orders-bus",
                "Detail": json.dumps({"kind": "paid", "id": 7}),
            }
        ]
    )
    assert _drain(tenku, stack.ref("Target"), 1) == [{"fixed": True}]

    assert stack.destroy() == []
    with pytest.raises(ClientError):
        events.describe_event_bus(Name="orders-bus")
    with pytest.raises(ClientError):
        events.describe_rule(Name="nightly")


SCHEDULES = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Group:
    Type: AWS::Scheduler::ScheduleGroup
    Properties:
      Tags: [{Key: team, Value: ops}]
  Every:
    Type: AWS::Scheduler::Schedule
    Properties:
      GroupName: !Ref Group
      ScheduleExpression: rate(5 minutes)
      StartDate: "2030-01-01T00:00:00Z"
      FlexibleTimeWindow: {Mode: "OFF"}
      Target:
        Arn: !GetAtt Queue.Arn
        RoleArn: arn:aws:iam::000000000000:role/scheduler
        Input: '{"tick": true}'
"""


def test_schedules_and_groups(tenku: TenkuProcess) -> None:
    stack = Stack(tenku.endpoint, "sched")
    stack.deploy(SCHEDULES)
    scheduler = tenku.client("scheduler")
    group = stack.ref("Group")
    assert stack.attribute("Group", "State") == "ACTIVE"
    assert stack.attribute("Group", "Arn").endswith(f":schedule-group/{group}")
    schedule = scheduler.get_schedule(Name=stack.ref("Every"), GroupName=group)
    assert schedule["Arn"] == stack.attribute("Every", "Arn")
    assert schedule["StartDate"].year == 2030
    assert schedule["Target"]["Input"] == '{"tick": true}'

    stack.deploy(SCHEDULES.replace("rate(5 minutes)", "rate(1 hour)"))
    schedule = scheduler.get_schedule(Name=stack.ref("Every"), GroupName=group)
    assert schedule["ScheduleExpression"] == "rate(1 hour)"

    bad = SCHEDULES.replace('StartDate: "2030-01-01T00:00:00Z"', "StartDate: soon")
    with pytest.raises(Exception) as refused:
        Stack(tenku.endpoint, "sched-bad").deploy(bad)
    assert "is not a valid date-time" in str(refused.value)

    assert stack.destroy() == []
    with pytest.raises(ClientError):
        scheduler.get_schedule_group(Name=group)
