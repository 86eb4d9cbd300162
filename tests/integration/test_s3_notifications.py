"""S3 event notifications through the wire: configuration rules, the test event, the
exact record delivered to SQS, and delivery to a Lambda function."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.s3_helpers import bucket_name, error_of
from tests.integration.test_lambda_invoke import ROLE, zipped


@pytest.fixture(scope="module")
def s3(tenku: TenkuProcess) -> Any:
    return tenku.client("s3")


def queue(sqs: Any) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=bucket_name("events"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def drain(sqs: Any, url: str, want: int, seconds: float = 15.0) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while len(bodies) < want and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def photos_config(arn: str, events: list[str], config_id: str = "photos") -> dict[str, Any]:
    return {
        "Id": config_id,
        "QueueArn": arn,
        "Events": events,
        "Filter": {
            "Key": {
                "FilterRules": [
                    {"Name": "prefix", "Value": "photos/"},
                    {"Name": "suffix", "Value": ".jpg"},
                ]
            }
        },
    }


def test_sqs_delivery_with_prefix_and_suffix_filters(s3: Any, sqs: Any) -> None:
    url, arn = queue(sqs)
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "QueueConfigurations": [
                photos_config(arn, ["s3:ObjectCreated:*"]),
                photos_config(arn, ["s3:ObjectRemoved:*"], "removed"),
            ]
        },
    )
    test_event = drain(sqs, url, 1)[0]
    assert test_event["Event"] == "s3:TestEvent"
    assert test_event["Bucket"] == name and test_event["Service"] == "Amazon S3"
    stored = s3.get_bucket_notification_configuration(Bucket=name)["QueueConfigurations"]
    assert [c["Id"] for c in stored] == ["photos", "removed"]
    assert stored[0]["Filter"]["Key"]["FilterRules"] == [
        {"Name": "Prefix", "Value": "photos/"},
        {"Name": "Suffix", "Value": ".jpg"},
    ]

    etag = s3.put_object(Bucket=name, Key="photos/a b.jpg", Body=b"jpeg!")["ETag"]
    s3.put_object(Bucket=name, Key="photos/skip.png", Body=b"png")
    s3.put_object(Bucket=name, Key="other/x.jpg", Body=b"other")
    s3.delete_object(Bucket=name, Key="photos/a b.jpg")
    events = drain(sqs, url, 2)
    assert len(events) == 2
    created, removed = (e["Records"][0] for e in events)
    assert created["eventVersion"] == "2.1"
    assert created["eventSource"] == "aws:s3"
    assert created["awsRegion"] == "us-east-1"
    assert created["eventName"] == "ObjectCreated:Put"
    assert created["eventTime"].endswith("Z") and "T" in created["eventTime"]
    assert "principalId" in created["userIdentity"]
    assert created["requestParameters"]["sourceIPAddress"]
    assert set(created["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    detail = created["s3"]
    assert detail["s3SchemaVersion"] == "1.0"
    assert detail["configurationId"] == "photos"
    assert detail["bucket"]["name"] == name
    assert detail["bucket"]["arn"] == f"arn:aws:s3:::{name}"
    assert "principalId" in detail["bucket"]["ownerIdentity"]
    assert detail["object"]["key"] == "photos/a+b.jpg"
    assert detail["object"]["size"] == 5
    assert detail["object"]["eTag"] == etag.strip('"')
    assert "versionId" not in detail["object"]
    assert len(detail["object"]["sequencer"]) >= 16
    assert removed["eventName"] == "ObjectRemoved:Delete"
    assert removed["s3"]["configurationId"] == "removed"
    assert removed["s3"]["object"]["key"] == "photos/a+b.jpg"
    assert "size" not in removed["s3"]["object"]
    assert drain(sqs, url, 1, seconds=2) == []  # nothing for the filtered-out keys


def test_versioned_bucket_events_carry_version_ids(s3: Any, sqs: Any) -> None:
    url, arn = queue(sqs)
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {"QueueArn": arn, "Events": ["s3:ObjectCreated:Copy", "s3:ObjectRemoved:*"]}
            ]
        },
    )
    drain(sqs, url, 1)  # the test event
    version = s3.put_object(Bucket=name, Key="k", Body=b"1")["VersionId"]
    copied = s3.copy_object(Bucket=name, Key="copy", CopySource=f"{name}/k")["VersionId"]
    marker = s3.delete_object(Bucket=name, Key="k")["VersionId"]
    records = [e["Records"][0] for e in drain(sqs, url, 2)]
    assert [r["eventName"] for r in records] == [
        "ObjectCreated:Copy",
        "ObjectRemoved:DeleteMarkerCreated",
    ]
    assert records[0]["s3"]["object"]["versionId"] == copied
    assert records[1]["s3"]["object"]["versionId"] == marker
    assert version not in (copied, marker)
    assert records[0]["s3"]["configurationId"]  # generated when not given


def test_configuration_is_validated(s3: Any, sqs: Any) -> None:
    _url, arn = queue(sqs)
    name = bucket_name()
    s3.create_bucket(Bucket=name)

    def put(config: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return error_of(
            s3.put_bucket_notification_configuration,
            Bucket=name,
            NotificationConfiguration=config,
            **extra,
        )

    bad_rule = photos_config(arn, ["s3:ObjectCreated:*"])
    bad_rule["Filter"]["Key"]["FilterRules"][0]["Name"] = "middle"
    error = put({"QueueConfigurations": [bad_rule]})
    assert (error["Code"], error["Status"]) == ("InvalidArgument", 400)
    assert "prefix or suffix" in error["Message"]
    error = put(
        {
            "QueueConfigurations": [
                photos_config(arn, ["s3:ObjectCreated:*"], "a"),
                photos_config(arn, ["s3:ObjectCreated:Put"], "b"),
            ]
        }
    )
    assert error["Code"] == "InvalidArgument" and "overlap" in error["Message"]
    error = put({"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:Nope"]}]})
    assert error["Code"] == "InvalidArgument"
    missing = arn.rsplit(":", 1)[0] + ":no-such-queue"
    error = put({"QueueConfigurations": [{"QueueArn": missing, "Events": ["s3:ObjectCreated:*"]}]})
    assert error["Message"] == "Unable to validate the following destination configurations"
    error = put(
        {"QueueConfigurations": [{"QueueArn": "not-an-arn", "Events": ["s3:ObjectCreated:*"]}]}
    )
    assert error["Code"] == "InvalidArgument"
    # different prefixes do not overlap
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": p}]}},
                }
                for p in ("a/", "b/")
            ],
            "EventBridgeConfiguration": {},
        },
    )
    got = s3.get_bucket_notification_configuration(Bucket=name)
    assert len(got["QueueConfigurations"]) == 2 and "EventBridgeConfiguration" in got
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={})
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=name)


def test_undeliverable_services_do_not_block_sqs(s3: Any, sqs: Any) -> None:
    """Topics (SNS may not be served yet) and EventBridge are queued; SQS still flows."""
    url, arn = queue(sqs)
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_bucket_notification_configuration(
        Bucket=name,
        SkipDestinationValidation=True,
        NotificationConfiguration={
            "TopicConfigurations": [
                {
                    "TopicArn": "arn:aws:sns:us-east-1:000000000000:later",
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "t/"}]}},
                }
            ],
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "q/"}]}},
                }
            ],
            "EventBridgeConfiguration": {},
        },
    )
    s3.put_object(Bucket=name, Key="t/1", Body=b"x")
    s3.put_object(Bucket=name, Key="q/1", Body=b"x")
    bodies = drain(sqs, url, 2)
    assert [b.get("Event") or b["Records"][0]["s3"]["object"]["key"] for b in bodies] == [
        "s3:TestEvent",
        "q/1",
    ]


HANDLER = """
import json

def handler(event, context):
    print("S3EVENT " + json.dumps(event))
    return {"ok": True}
"""


def test_lambda_delivery(tenku: TenkuProcess, s3: Any) -> None:
    lam = tenku.client("lambda")
    logs = tenku.client("logs")
    function = bucket_name("fn")
    arn = lam.create_function(
        FunctionName=function,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": HANDLER})},
    )["FunctionArn"]
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    error = error_of(
        s3.put_bucket_notification_configuration,
        Bucket=name,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn + "-missing", "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    assert error["Code"] == "InvalidArgument"
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"Id": "to-lambda", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:Put"]}
            ]
        },
    )
    s3.put_object(Bucket=name, Key="uploads/x y.txt", Body=b"hello")
    deadline = time.monotonic() + 20
    found: list[dict[str, Any]] = []
    while not found and time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        found = [
            json.loads(e["message"].split("S3EVENT ", 1)[1])
            for e in events
            if "S3EVENT " in e["message"]
        ]
        time.sleep(0.3)
    assert found, "the function never saw the event"
    record = found[0]["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["configurationId"] == "to-lambda"
    assert record["s3"]["object"]["key"] == "uploads/x+y.txt"
    assert record["s3"]["bucket"]["name"] == name
