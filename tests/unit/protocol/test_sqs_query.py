"""SQS over the legacy query protocol: old wire names in, old wire names out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import botocore.serialize
import pytest

from tenku.protocol.http import Request
from tenku.protocol.models import load_service_model
from tenku.protocol.parsers import parse_request
from tenku.protocol.serializers import serialize_result
from tests.unit.protocol.wire import botocore_model

Q = "http://localhost:4566/000000000000/q1"
NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


def form(pairs: dict[str, str], path: str = "/") -> Request:
    headers = {"content-type": "application/x-www-form-urlencoded", "host": "localhost:4566"}
    body = urlencode({"Version": "2012-11-05", **pairs}).encode()
    return Request("POST", path, "", headers, body, host="localhost:4566")


CASES: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    (
        "CreateQueue",
        {
            "Action": "CreateQueue",
            "QueueName": "q1",
            "Attribute.1.Name": "VisibilityTimeout",
            "Attribute.1.Value": "40",
            "Attribute.2.Name": "DelaySeconds",
            "Attribute.2.Value": "0",
            "Tag.1.Key": "team",
            "Tag.1.Value": "core",
        },
        {
            "QueueName": "q1",
            "Attributes": {"VisibilityTimeout": "40", "DelaySeconds": "0"},
            "tags": {"team": "core"},
        },
    ),
    (
        "SendMessage",
        {
            "Action": "SendMessage",
            "QueueUrl": Q,
            "MessageBody": "hi there",
            "DelaySeconds": "3",
            "MessageAttribute.1.Name": "s",
            "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringValue": "v",
            "MessageAttribute.2.Name": "b",
            "MessageAttribute.2.Value.DataType": "Binary",
            "MessageAttribute.2.Value.BinaryValue": "AAE=",
            "MessageAttribute.3.Name": "l",
            "MessageAttribute.3.Value.DataType": "String",
            "MessageAttribute.3.Value.StringListValue.1": "x",
            "MessageAttribute.3.Value.StringListValue.2": "y",
            "MessageSystemAttribute.1.Name": "AWSTraceHeader",
            "MessageSystemAttribute.1.Value.DataType": "String",
            "MessageSystemAttribute.1.Value.StringValue": "Root=1",
        },
        {
            "QueueUrl": Q,
            "MessageBody": "hi there",
            "DelaySeconds": 3,
            "MessageAttributes": {
                "s": {"DataType": "String", "StringValue": "v"},
                "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
                "l": {"DataType": "String", "StringListValues": ["x", "y"]},
            },
            "MessageSystemAttributes": {
                "AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}
            },
        },
    ),
    (
        "SendMessageBatch",
        {
            "Action": "SendMessageBatch",
            "QueueUrl": Q,
            "SendMessageBatchRequestEntry.1.Id": "a",
            "SendMessageBatchRequestEntry.1.MessageBody": "one",
            "SendMessageBatchRequestEntry.2.Id": "b",
            "SendMessageBatchRequestEntry.2.MessageBody": "two",
            "SendMessageBatchRequestEntry.2.DelaySeconds": "1",
            "SendMessageBatchRequestEntry.2.MessageAttribute.1.Name": "k",
            "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType": "Number",
            "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue": "5",
        },
        {
            "QueueUrl": Q,
            "Entries": [
                {"Id": "a", "MessageBody": "one"},
                {
                    "Id": "b",
                    "MessageBody": "two",
                    "DelaySeconds": 1,
                    "MessageAttributes": {"k": {"DataType": "Number", "StringValue": "5"}},
                },
            ],
        },
    ),
    (
        "ReceiveMessage",
        {
            "Action": "ReceiveMessage",
            "QueueUrl": Q,
            "AttributeName.1": "All",
            "MessageAttributeName.1": "All",
            "MessageSystemAttributeName.1": "SentTimestamp",
            "MaxNumberOfMessages": "10",
            "WaitTimeSeconds": "0",
        },
        {
            "QueueUrl": Q,
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
            "MessageSystemAttributeNames": ["SentTimestamp"],
            "MaxNumberOfMessages": 10,
            "WaitTimeSeconds": 0,
        },
    ),
    (
        "DeleteMessageBatch",
        {
            "Action": "DeleteMessageBatch",
            "QueueUrl": Q,
            "DeleteMessageBatchRequestEntry.1.Id": "a",
            "DeleteMessageBatchRequestEntry.1.ReceiptHandle": "rh",
        },
        {"QueueUrl": Q, "Entries": [{"Id": "a", "ReceiptHandle": "rh"}]},
    ),
    (
        "ChangeMessageVisibilityBatch",
        {
            "Action": "ChangeMessageVisibilityBatch",
            "QueueUrl": Q,
            "ChangeMessageVisibilityBatchRequestEntry.1.Id": "a",
            "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle": "rh",
            "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout": "9",
        },
        {"QueueUrl": Q, "Entries": [{"Id": "a", "ReceiptHandle": "rh", "VisibilityTimeout": 9}]},
    ),
    (
        "TagQueue",
        {"Action": "TagQueue", "QueueUrl": Q, "Tag.1.Key": "a", "Tag.1.Value": "b"},
        {"QueueUrl": Q, "Tags": {"a": "b"}},
    ),
    (
        "UntagQueue",
        {"Action": "UntagQueue", "QueueUrl": Q, "TagKey.1": "a", "TagKey.2": "c"},
        {"QueueUrl": Q, "TagKeys": ["a", "c"]},
    ),
    (
        "AddPermission",
        {
            "Action": "AddPermission",
            "QueueUrl": Q,
            "Label": "l",
            "AWSAccountId.1": "111111111111",
            "ActionName.1": "SendMessage",
            "ActionName.2": "ReceiveMessage",
        },
        {
            "QueueUrl": Q,
            "Label": "l",
            "AWSAccountIds": ["111111111111"],
            "Actions": ["SendMessage", "ReceiveMessage"],
        },
    ),
]


@pytest.mark.parametrize(("operation", "pairs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_legacy_query_names_parse(
    operation: str, pairs: dict[str, str], expected: dict[str, Any]
) -> None:
    parsed = parse_request(load_service_model("sqs"), form(pairs))
    assert (parsed.operation, parsed.protocol) == (operation, "query")
    assert parsed.params == expected


@pytest.mark.parametrize(("operation", "pairs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_model_names_parse_too(
    operation: str, pairs: dict[str, str], expected: dict[str, Any]
) -> None:
    # botocore's query serializer over today's model produces the model's own names.
    serialized = botocore.serialize.create_serializer("query").serialize_to_request(
        expected, botocore_model("sqs").operation_model(operation)
    )
    parsed = parse_request(load_service_model("sqs"), form(serialized["body"]))
    assert parsed.params == expected


def test_get_query_string_and_queue_url_from_path() -> None:
    request = Request(
        "GET",
        "/000000000000/q1",
        "Action=SendMessage&MessageBody=hello%20world&Version=2012-11-05",
        {"host": "localhost:4566"},
        b"",
        host="localhost:4566",
    )
    parsed = parse_request(load_service_model("sqs"), request)
    assert parsed.protocol == "query"
    assert parsed.params == {"MessageBody": "hello world", "QueueUrl": Q}


def _xml(operation: str, result: dict[str, Any]) -> ElementTree.Element:
    model = load_service_model("sqs")
    response = serialize_result(model, operation, result, protocol="query", request_id="rid")
    assert ("Content-Type", "text/xml") in response.headers
    root = ElementTree.fromstring(response.body)
    assert root.tag == f"{NS}{operation}Response"
    assert root.findtext(f"{NS}ResponseMetadata/{NS}RequestId") == "rid"
    result_elem = root.find(f"{NS}{operation}Result")
    assert result_elem is not None
    return result_elem


def test_receive_message_answers_with_legacy_names() -> None:
    result = _xml(
        "ReceiveMessage",
        {
            "Messages": [
                {
                    "MessageId": "m1",
                    "Body": "a<b>&\r\n",
                    "Attributes": {"SenderId": "s"},
                    "MessageAttributes": {
                        "l": {"DataType": "String", "StringListValues": ["x", "y"]},
                        "b": {"DataType": "Binary", "BinaryValue": b"\x00"},
                    },
                },
                {"MessageId": "m2", "Body": "second"},
            ]
        },
    )
    messages = result.findall(f"{NS}Message")
    assert [m.findtext(f"{NS}MessageId") for m in messages] == ["m1", "m2"]
    assert messages[0].findtext(f"{NS}Body") == "a<b>&\r\n"
    assert messages[0].findtext(f"{NS}Attribute/{NS}Name") == "SenderId"
    assert messages[0].findtext(f"{NS}Attribute/{NS}Value") == "s"
    attrs = messages[0].findall(f"{NS}MessageAttribute")
    assert [a.findtext(f"{NS}Name") for a in attrs] == ["l", "b"]
    values = [v.text for v in attrs[0].findall(f"{NS}Value/{NS}StringListValue")]
    assert values == ["x", "y"]
    assert attrs[1].findtext(f"{NS}Value/{NS}BinaryValue") == "AA=="


def test_list_and_batch_results_use_legacy_names() -> None:
    urls = _xml("ListQueues", {"QueueUrls": [Q, Q + "2"]})
    assert [e.text for e in urls.findall(f"{NS}QueueUrl")] == [Q, Q + "2"]
    attrs = _xml("GetQueueAttributes", {"Attributes": {"DelaySeconds": "0"}})
    assert attrs.findtext(f"{NS}Attribute/{NS}Name") == "DelaySeconds"
    batch = _xml(
        "SendMessageBatch",
        {
            "Successful": [{"Id": "a", "MessageId": "m", "MD5OfMessageBody": "x"}],
            "Failed": [{"Id": "b", "SenderFault": True, "Code": "C"}],
        },
    )
    assert batch.findtext(f"{NS}SendMessageBatchResultEntry/{NS}Id") == "a"
    assert batch.findtext(f"{NS}BatchResultErrorEntry/{NS}SenderFault") == "true"
    tags = _xml("ListQueueTags", {"Tags": {"k": "v"}})
    assert tags.findtext(f"{NS}Tag/{NS}Key") == "k"
    assert tags.findtext(f"{NS}Tag/{NS}Value") == "v"
    dead = _xml("ListDeadLetterSourceQueues", {"queueUrls": [Q]})
    assert dead.findtext(f"{NS}QueueUrl") == Q


def test_operation_without_output_has_no_result_element() -> None:
    model = load_service_model("sqs")
    response = serialize_result(model, "DeleteQueue", {}, protocol="query", request_id="r")
    root = ElementTree.fromstring(response.body)
    assert root.find(f"{NS}DeleteQueueResult") is None
