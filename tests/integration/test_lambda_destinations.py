"""Asynchronous invocation records through the wire to SNS topics and EventBridge buses
(on-success and on-failure destinations), and dead-letter topics (DeadLetterConfig with an
SNS topic ARN); the SQS and Lambda destinations and dead-letter queues are proven in
test_lambda_invoke.py and test_lambda_urls.py."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import create

ACCOUNT = "000000000000"


@pytest.fixture
def lam(tenku: TenkuProcess) -> Any:
    return tenku.client("lambda")


@pytest.fixture
def sns(tenku: TenkuProcess) -> Any:
    return tenku.client("sns")


@pytest.fixture
def events(tenku: TenkuProcess) -> Any:
    return tenku.client("events")


def make_queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def topic_to_queue(sns: Any, sqs: Any, name: str, raw: bool) -> tuple[str, str]:
    """(topic ARN, URL of a queue subscribed to it)."""
    topic = sns.create_topic(Name=name)["TopicArn"]
    url, arn = make_queue(sqs, f"{name}-inbox")
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true" if raw else "false"},
    )
    return topic, url


def bus_to_queue(events: Any, sqs: Any, name: str, bus: str | None) -> str:
    """URL of a queue that gets every event with source "lambda" on `bus`."""
    url, arn = make_queue(sqs, f"{name}-events")
    extra = {"EventBusName": bus} if bus else {}
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["lambda"]}), **extra)
    answer = events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}], **extra)
    assert answer["FailedEntryCount"] == 0
    return url


def messages(sqs: Any, url: str, count: int = 1, seconds: float = 15) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while len(got) < count and time.monotonic() < deadline:
        answer = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        )
        for message in answer.get("Messages", []):
            got.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert len(got) >= count, f"{len(got)} of {count} messages arrived"
    return got


def test_success_record_is_published_to_an_sns_topic(
    lam: Any, sns: Any, sqs: Any, name: str
) -> None:
    create(lam, name)
    topic, inbox = topic_to_queue(sns, sqs, f"{name}-ok", raw=False)
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": topic}}
    )
    accepted = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 3}')
    [message] = messages(sqs, inbox)
    envelope = json.loads(message["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == topic
    record = json.loads(envelope["Message"])
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": accepted["ResponseMetadata"]["RequestId"],
        "functionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"n": 3}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"]["echo"] == {"n": 3}


def test_failure_record_goes_to_a_custom_event_bus(
    lam: Any, events: Any, sqs: Any, name: str
) -> None:
    create(lam, name)
    bus = f"{name}-results"
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url = bus_to_queue(events, sqs, name, bus)
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": bus_arn}},
    )
    accepted = lam.invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"fail": True}).encode()
    )
    [message] = messages(sqs, url)
    event = json.loads(message["Body"])
    function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}:$LATEST"
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["resources"] == [bus_arn, function_arn]
    assert event["account"] == ACCOUNT and event["region"] == "us-east-1"
    detail = event["detail"]
    assert detail["requestContext"]["requestId"] == accepted["ResponseMetadata"]["RequestId"]
    assert detail["requestContext"]["condition"] == "RetriesExhausted"
    assert detail["requestContext"]["approximateInvokeCount"] == 1
    assert detail["requestPayload"] == {"fail": True}
    assert detail["responseContext"]["functionError"] == "Unhandled"
    assert detail["responsePayload"]["errorType"] == "ValueError"


def test_success_record_goes_to_the_default_bus(lam: Any, events: Any, sqs: Any, name: str) -> None:
    create(lam, name)
    url, queue_arn = make_queue(sqs, f"{name}-default")
    # Only this function's results: the default bus is shared with the other tests.
    mine = [{"prefix": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}:"}]
    pattern = {"source": ["lambda"], "detail": {"requestContext": {"functionArn": mine}}}
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": queue_arn}])
    default_bus = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": default_bus}}
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 4}')
    [message] = messages(sqs, url)
    event = json.loads(message["Body"])
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["resources"][0] == default_bus
    assert event["detail"]["requestContext"]["condition"] == "Success"
    assert event["detail"]["responsePayload"]["echo"] == {"n": 4}
    events.remove_targets(Rule=name, Ids=["q"])
    events.delete_rule(Name=name)


def test_dead_letter_topic_gets_the_event_with_lambdas_attributes(
    lam: Any, sns: Any, sqs: Any, name: str
) -> None:
    topic, inbox = topic_to_queue(sns, sqs, f"{name}-dlt", raw=False)
    raw_topic, raw_inbox = topic_to_queue(sns, sqs, f"{name}-dlt-raw", raw=True)
    create(lam, name, DeadLetterConfig={"TargetArn": topic})
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    accepted = lam.invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"fail": 1}).encode()
    )
    request_id = accepted["ResponseMetadata"]["RequestId"]
    [message] = messages(sqs, inbox)
    envelope = json.loads(message["Body"])
    assert envelope["TopicArn"] == topic
    assert json.loads(envelope["Message"]) == {"fail": 1}
    assert envelope["MessageAttributes"] == {
        "RequestID": {"Type": "String", "Value": request_id},
        "ErrorCode": {"Type": "Number", "Value": "200"},
        "ErrorMessage": {"Type": "String", "Value": "asked to fail"},
    }

    # Raw delivery hands the same attributes on as SQS message attributes.
    lam.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": raw_topic})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": 2}')
    [raw] = messages(sqs, raw_inbox)
    assert json.loads(raw["Body"]) == {"fail": 2}
    assert raw["MessageAttributes"]["ErrorMessage"] == {
        "StringValue": "asked to fail",
        "DataType": "String",
    }
    assert raw["MessageAttributes"]["ErrorCode"]["DataType"] == "Number"


def test_a_missing_destination_topic_does_not_stop_the_function(
    tenku: TenkuProcess, lam: Any, sqs: Any, name: str
) -> None:
    create(lam, name)
    gone = f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}-never-created"
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": gone}}
    )
    for n in range(2):
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": n}).encode())
    logs = tenku.client("logs")
    deadline = time.monotonic() + 15
    handled: list[str] = []
    while len(handled) < 2 and time.monotonic() < deadline:
        try:
            found = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            found = []
        handled = [e["message"] for e in found if e["message"].startswith("handling")]
        time.sleep(0.2)
    assert sorted(m.strip() for m in handled) == ["handling 0", "handling 1"]
    assert lam.invoke(FunctionName=name, Payload=b'{"n": 5}')["StatusCode"] == 200
