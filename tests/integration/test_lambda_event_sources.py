"""Event-source mappings through the wire: SQS (standard and FIFO) and DynamoDB Streams
feeding Python functions, partial batch failures, the queue's dead-letter queue, stream
retries to an on-failure destination, and the API's own validation errors."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import ROLE, zipped

# Reports every batch it gets to the queue named by OUT, fails the records whose body or
# new image says "fail" (as batchItemFailures, or by raising when FAIL_ALL is set).
WORKER = """
import json, os, time
import boto3

sqs = boto3.client("sqs")

def handler(event, context):
    records = event["Records"]
    seen, failures = [], []
    for record in records:
        if record.get("eventSource") == "aws:sqs":
            ident, text = record["messageId"], record["body"]
            group = record["attributes"].get("MessageGroupId")
        else:
            ident = record["dynamodb"]["SequenceNumber"]
            text = json.dumps(record["dynamodb"].get("NewImage") or {})
            group = None
        seen.append({"id": ident, "text": text, "group": group,
                     "name": record.get("eventName"),
                     "old": record.get("dynamodb", {}).get("OldImage"),
                     "new": record.get("dynamodb", {}).get("NewImage")})
        if "fail" in text:
            failures.append({"itemIdentifier": ident})
    sqs.send_message(QueueUrl=os.environ["OUT"],
                     MessageBody=json.dumps({"at": time.time_ns(), "records": seen}))
    if os.environ.get("FAIL_ALL"):
        raise RuntimeError("this batch fails")
    return {"batchItemFailures": failures}
"""


@pytest.fixture
def lam(tenku: TenkuProcess) -> Any:
    return tenku.client("lambda")


@pytest.fixture
def ddb(tenku: TenkuProcess) -> Any:
    return tenku.client("dynamodb")


def queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(url), str(arn["Attributes"]["QueueArn"])


def worker(lam: Any, name: str, out_url: str, **env: str) -> str:
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": WORKER})},
        Environment={"Variables": {"OUT": out_url, **env}},
        Timeout=30,
    )
    return str(created["FunctionArn"])


def batches(
    sqs: Any, url: str, until: Callable[[list[Any]], bool], seconds: float = 30
) -> list[Any]:
    """Every batch report on `url` until `until(reports)` holds."""
    found: list[Any] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if until(found):
            return found
    raise AssertionError(f"gave up waiting; reports so far: {found}")


def wait_state(lam: Any, mapping: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found: dict[str, Any] = lam.get_event_source_mapping(UUID=mapping)
        if found["State"] == state:
            return found
        time.sleep(0.05)
    raise AssertionError(f"mapping never reached {state}")


def count(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_sqs_partial_batch_failures_then_the_dead_letter_queue(
    lam: Any, sqs: Any, name: str
) -> None:
    out, _ = queue(sqs, f"{name}-out")
    dlq, dlq_arn = queue(sqs, f"{name}-dlq")
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    source, source_arn = queue(sqs, name, VisibilityTimeout="1", RedrivePolicy=redrive)
    bodies = [f"fail-{i}" if i in (2, 5, 8) else f"ok-{i}" for i in range(10)]
    for body in bodies:  # all ten wait in the queue, so the first batch holds them all
        sqs.send_message(QueueUrl=source, MessageBody=body)
    worker(lam, name, out)
    mapping = lam.create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=source_arn,
        BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    assert mapping["State"] == "Creating"
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionArn"].endswith(f":function:{name}")
    reports = batches(sqs, out, lambda r: sum(len(b["records"]) for b in r) >= 13)
    first = reports[0]["records"]
    assert sorted(r["text"] for r in first) == sorted(bodies)  # one batch of ten
    retried = [r["text"] for report in reports[1:] for r in report["records"]]
    assert sorted(retried) == ["fail-2", "fail-5", "fail-8"]  # only the three came back
    deadline = time.monotonic() + 20
    while count(sqs, dlq) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    moved = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in moved) == ["fail-2", "fail-5", "fail-8"]
    assert count(sqs, source) == 0
    assert wait_state(lam, mapping["UUID"], "Enabled")["LastProcessingResult"] == "OK"
    lam.delete_event_source_mapping(UUID=mapping["UUID"])


def test_sqs_fifo_keeps_the_order_of_each_group(lam: Any, sqs: Any, name: str) -> None:
    out, _ = queue(sqs, f"{name}-out")
    source, source_arn = queue(
        sqs, f"{name}.fifo", FifoQueue="true", ContentBasedDeduplication="true"
    )
    worker(lam, name, out)
    lam.create_event_source_mapping(FunctionName=name, EventSourceArn=source_arn, BatchSize=3)
    for i in range(12):
        sqs.send_message(
            QueueUrl=source, MessageBody=f"{i % 2}-{i:02d}", MessageGroupId=f"g{i % 2}"
        )
    reports = batches(sqs, out, lambda r: sum(len(b["records"]) for b in r) >= 12)
    reports.sort(key=lambda report: report["at"])
    for group in ("g0", "g1"):
        texts = [r["text"] for b in reports for r in b["records"] if r["group"] == group]
        assert texts == sorted(texts) and len(texts) == 6
    for report in reports:
        assert len({r["group"] for r in report["records"]}) >= 1
        assert len(report["records"]) <= 3


def table_with_stream(ddb: Any, name: str) -> str:
    created = ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return str(created["TableDescription"]["LatestStreamArn"])


def test_dynamodb_stream_reaches_the_function_in_order_with_both_images(
    lam: Any, sqs: Any, ddb: Any, name: str
) -> None:
    out, _ = queue(sqs, f"{name}-out")
    stream = table_with_stream(ddb, name)
    worker(lam, name, out)
    mapping = lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=stream, StartingPosition="LATEST", BatchSize=100
    )
    assert mapping["StartingPosition"] == "LATEST"
    assert mapping["MaximumRetryAttempts"] == -1
    wait_state(lam, mapping["UUID"], "Enabled")
    ddb.put_item(TableName=name, Item={"id": {"S": "a"}, "n": {"N": "1"}})
    ddb.update_item(
        TableName=name,
        Key={"id": {"S": "a"}},
        UpdateExpression="SET n = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    ddb.delete_item(TableName=name, Key={"id": {"S": "a"}})
    reports = batches(sqs, out, lambda r: sum(len(b["records"]) for b in r) >= 3)
    records = [r for b in sorted(reports, key=lambda b: b["at"]) for r in b["records"]]
    assert [r["name"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[0]["old"] is None and records[0]["new"]["n"] == {"N": "1"}
    assert records[1]["old"]["n"] == {"N": "1"} and records[1]["new"]["n"] == {"N": "2"}
    assert records[2]["old"]["n"] == {"N": "2"} and records[2]["new"] is None
    sequences = [int(r["id"]) for r in records]
    assert sequences == sorted(sequences)


def test_dynamodb_stream_batch_that_keeps_failing_goes_to_the_destination(
    lam: Any, sqs: Any, ddb: Any, name: str
) -> None:
    out, _ = queue(sqs, f"{name}-out")
    failures, failures_arn = queue(sqs, f"{name}-failures")
    stream = table_with_stream(ddb, name)
    worker(lam, name, out, FAIL_ALL="1")
    ddb.put_item(TableName=name, Item={"id": {"S": "x"}})
    ddb.put_item(TableName=name, Item={"id": {"S": "y"}})
    lam.create_event_source_mapping(
        FunctionName=name,
        EventSourceArn=stream,
        StartingPosition="TRIM_HORIZON",
        MaximumRetryAttempts=1,
        BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}},
    )
    given_up: list[Any] = []
    deadline = time.monotonic() + 30
    while len(given_up) < 2 and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=failures, WaitTimeSeconds=1, MaxNumberOfMessages=10)
        given_up += [json.loads(m["Body"]) for m in got.get("Messages", [])]
    assert len(given_up) == 2  # bisected into single records, each tried twice
    for record in given_up:
        assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 2
        assert record["responseContext"]["functionError"] == "Unhandled"
        info = record["DDBStreamBatchInfo"]
        assert info["batchSize"] == 1 and info["streamArn"] == stream
        assert info["startSequenceNumber"] == info["endSequenceNumber"]


def test_mapping_lifecycle_and_listing(lam: Any, sqs: Any, name: str) -> None:
    out, _ = queue(sqs, f"{name}-out")
    _, source_arn = queue(sqs, name)
    function_arn = worker(lam, name, out)
    mapping = lam.create_event_source_mapping(
        FunctionName=function_arn, EventSourceArn=source_arn, Enabled=False
    )
    assert mapping["State"] == "Disabled"
    listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [mapping["UUID"]]
    by_source = lam.list_event_source_mappings(EventSourceArn=source_arn)
    assert [m["UUID"] for m in by_source["EventSourceMappings"]] == [mapping["UUID"]]
    updated = lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True, BatchSize=5)
    assert updated["State"] == "Enabling" and updated["BatchSize"] == 5
    wait_state(lam, mapping["UUID"], "Enabled")
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    wait_state(lam, mapping["UUID"], "Disabled")
    deleted = lam.delete_event_source_mapping(UUID=mapping["UUID"])
    assert deleted["State"] == "Deleting"
    with pytest.raises(ClientError) as error:
        lam.get_event_source_mapping(UUID=mapping["UUID"])
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


INVALID, VALIDATION = "InvalidParameterValueException", "ValidationException"
BAD_MAPPINGS = [
    ({"BatchSize": 11}, INVALID, "Maximum batch window in seconds must be greater than 0"),
    ({"BatchSize": 10001, "MaximumBatchingWindowInSeconds": 1}, VALIDATION, "10000"),
    ({"StartingPosition": "LATEST"}, INVALID, "Unsupported parameter for SQS event source"),
    ({"MaximumBatchingWindowInSeconds": 301}, VALIDATION, "maximumBatchingWindowInSeconds"),
    ({"FunctionResponseTypes": ["Everything"]}, VALIDATION, "ReportBatchItemFailures"),
    ({"FilterCriteria": {"Filters": [{"Pattern": "not json"}]}}, INVALID, "Invalid filter"),
    ({"FilterCriteria": {"Filters": [{"Pattern": "[1]"}]}}, INVALID, "Invalid filter"),
    ({"FilterCriteria": {"Filters": [{"Pattern": "{\"a\": 1}"}]}}, INVALID, "Invalid filter"),
    ({"FilterCriteria": {"Filters": [{"Pattern": "{}"}] * 6}}, INVALID, "exceeds the limit"),
    ({"ScalingConfig": {"MaximumConcurrency": 1001}}, VALIDATION, "maximumConcurrency"),
]


@pytest.mark.parametrize(("extra", "code", "message"), BAD_MAPPINGS)
def test_bad_sqs_mappings_get_lambdas_errors(
    lam: Any, sqs: Any, name: str, extra: dict[str, Any], code: str, message: str
) -> None:
    out, _ = queue(sqs, f"{name}-out")
    _, source_arn = queue(sqs, name)
    worker(lam, name, out)
    with pytest.raises(ClientError) as error:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=source_arn, **extra)
    assert error.value.response["Error"]["Code"] == code
    assert message in error.value.response["Error"]["Message"]
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert lam.list_event_source_mappings(EventSourceArn=source_arn)["EventSourceMappings"] == []


def test_other_bad_mappings(lam: Any, sqs: Any, ddb: Any, name: str) -> None:
    out, _ = queue(sqs, f"{name}-out")
    _, fifo_arn = queue(sqs, f"{name}.fifo", FifoQueue="true")
    _, source_arn = queue(sqs, name)
    stream = table_with_stream(ddb, name)
    worker(lam, name, out)

    def refused(code: str, text: str, **params: Any) -> None:
        with pytest.raises(ClientError) as error:
            lam.create_event_source_mapping(**params)
        assert error.value.response["Error"]["Code"] == code
        assert text in error.value.response["Error"]["Message"]

    refused(
        "InvalidParameterValueException",
        "FIFO",
        FunctionName=name,
        EventSourceArn=fifo_arn,
        BatchSize=11,
    )
    refused(
        "InvalidParameterValueException",
        "Value null at 'startingPosition'",
        FunctionName=name,
        EventSourceArn=stream,
    )
    refused(
        "InvalidParameterValueException",
        "Unrecognized event source",
        FunctionName=name,
        EventSourceArn="arn:aws:s3:::bucket",
    )
    refused(
        "ResourceNotFoundException",
        "Function not found",
        FunctionName=f"{name}-none",
        EventSourceArn=source_arn,
    )
    first = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=source_arn)
    refused(
        "ResourceConflictException", first["UUID"], FunctionName=name, EventSourceArn=source_arn
    )
    with pytest.raises(ClientError) as error:
        lam.update_event_source_mapping(UUID=str(uuid.uuid4()), BatchSize=5)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    lam.delete_event_source_mapping(UUID=first["UUID"])


def test_filter_criteria_pass_only_matching_records(
    lam: Any, sqs: Any, ddb: Any, name: str
) -> None:
    out, _ = queue(sqs, f"{name}-out")
    source, source_arn = queue(sqs, name)
    worker(lam, name, out)
    lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=source_arn, BatchSize=10,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["keep"]}})}]},
    )
    for body in ('{"kind": "keep", "n": 1}', '{"kind": "drop"}', "not json",
                 '{"kind": "keep", "n": 2}'):
        sqs.send_message(QueueUrl=source, MessageBody=body)
    reports = batches(sqs, out, lambda r: sum(len(b["records"]) for b in r) >= 2)
    texts = sorted(r["text"] for b in reports for r in b["records"])
    assert texts == ['{"kind": "keep", "n": 1}', '{"kind": "keep", "n": 2}']
    deadline = time.monotonic() + 10
    while count(sqs, source) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert count(sqs, source) == 0  # filtered-out messages are deleted, as Lambda does

    table = f"{name}-t"
    stream = table_with_stream(ddb, table)
    lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=stream, StartingPosition="TRIM_HORIZON",
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]},
    )
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}})
    ddb.update_item(TableName=table, Key={"id": {"S": "a"}}, UpdateExpression="SET n = :v",
                    ExpressionAttributeValues={":v": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "b"}})
    reports = batches(sqs, out, lambda r: sum(len(b["records"]) for b in r) >= 2)
    time.sleep(1.0)
    reports += batches(sqs, out, lambda r: True, seconds=1)
    names = [r["name"] for b in reports for r in b["records"]]
    assert names == ["INSERT", "INSERT"]
