"""S3 event notifications reaching the services they name, through the wire: a topic
configuration publishes to an SNS topic (and on to its SQS subscription), and the
EventBridge configuration puts `aws.s3` events on the default bus, where a rule sends
them to an SQS queue."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.s3_helpers import bucket_name


@pytest.fixture(scope="module")
def s3(tenku: TenkuProcess) -> Any:
    return tenku.client("s3")


def make_queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def bodies(sqs: Any, url: str, want: int, seconds: float = 15.0) -> list[Any]:
    got: list[Any] = []
    deadline = time.monotonic() + seconds
    while len(got) < want and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in answer.get("Messages", []):
            got.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return got


def test_topic_configuration_publishes_to_sns(tenku: TenkuProcess, s3: Any, sqs: Any) -> None:
    sns = tenku.client("sns")
    name = bucket_name()
    topic = sns.create_topic(Name=name)["TopicArn"]
    url, arn = make_queue(sqs, name)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    s3.create_bucket(Bucket=name)
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "TopicConfigurations": [
                {"Id": "to-topic", "TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    s3.put_object(Bucket=name, Key="docs/a b.txt", Body=b"hello")
    envelopes: list[Any] = []
    deadline = time.monotonic() + 15
    while not envelopes and time.monotonic() < deadline:  # past any s3:TestEvent
        envelopes = [e for e in bodies(sqs, url, 1) if "Records" in json.loads(e["Message"])]
    assert len(envelopes) == 1, envelopes
    envelope = envelopes[0]
    assert envelope["TopicArn"] == topic
    assert envelope["Subject"] == "Amazon S3 Notification"
    [record] = json.loads(envelope["Message"])["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["configurationId"] == "to-topic"
    assert record["s3"]["bucket"]["name"] == name
    assert record["s3"]["object"]["key"] == "docs/a+b.txt"


def test_eventbridge_configuration_puts_events_on_the_default_bus(
    tenku: TenkuProcess, s3: Any, sqs: Any
) -> None:
    events = tenku.client("events")
    name = bucket_name()
    url, arn = make_queue(sqs, name)
    pattern = {"source": ["aws.s3"], "detail": {"bucket": {"name": [name]}}}
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
    s3.create_bucket(Bucket=name)
    s3.put_bucket_notification_configuration(
        Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    etag = s3.put_object(Bucket=name, Key="reports/q1.csv", Body=b"a,b\n")["ETag"]
    s3.delete_object(Bucket=name, Key="reports/q1.csv")
    created, deleted = bodies(sqs, url, 2)
    assert created["source"] == "aws.s3"
    assert created["detail-type"] == "Object Created"
    assert created["account"] == "000000000000" and created["region"] == "us-east-1"
    assert created["resources"] == [f"arn:aws:s3:::{name}"]
    assert created["detail"]["bucket"] == {"name": name}
    assert created["detail"]["object"]["key"] == "reports/q1.csv"
    assert created["detail"]["object"]["size"] == 4
    assert created["detail"]["object"]["etag"] == etag.strip('"')
    assert created["detail"]["reason"] == "PutObject"
    assert deleted["detail-type"] == "Object Deleted"
    assert deleted["detail"]["deletion-type"] == "Permanently Deleted"
    events.remove_targets(Rule=name, Ids=["q"])
    events.delete_rule(Name=name)


def test_callers_still_cannot_put_aws_sources(tenku: TenkuProcess) -> None:
    """Only AWS services put `aws.*` events; a client's PutEvents entry is refused."""
    answer = tenku.client("events").put_events(
        Entries=[{"Source": "aws.s3", "DetailType": "Object Created", "Detail": "{}"}]
    )
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][0]["ErrorCode"] == "NotAuthorizedForSourceException"
