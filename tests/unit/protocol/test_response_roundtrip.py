"""Tenku serializes a result, botocore parses it: the result must come back unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.protocol.models import load_service_model
from tenku.protocol.serializers import serialize_result
from tests.unit.protocol.wire import botocore_parse

T1 = 1767225600.0  # 2026-01-01T00:00:00Z
T2 = 1767323045.125  # millisecond precision survives json, query and rest-xml bodies
Q = "http://localhost:4566/000000000000/q1"

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # -- json -------------------------------------------------------------------------
    ("sqs", "SendMessage", {"MessageId": "m1", "MD5OfMessageBody": "abc"}, "json"),
    ("sqs", "ListQueues", {"QueueUrls": [Q, Q + "2"], "NextToken": "n"}, "json"),
    ("sqs", "ListQueues", {"QueueUrls": []}, "json"),
    ("sqs", "GetQueueAttributes", {"Attributes": {"VisibilityTimeout": "30"}}, "json"),
    (
        "sqs",
        "ReceiveMessage",
        {
            "Messages": [
                {
                    "MessageId": "m1",
                    "ReceiptHandle": "rh",
                    "MD5OfBody": "x",
                    "Body": "body <&>\u00e9",
                    "Attributes": {"SentTimestamp": "1767225600000"},
                    "MD5OfMessageAttributes": "y",
                    "MessageAttributes": {
                        "s": {"DataType": "String", "StringValue": "v"},
                        "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
                        "l": {"DataType": "String", "StringListValues": ["a", "b"]},
                    },
                }
            ]
        },
        "json",
    ),
    (
        "sqs",
        "SendMessageBatch",
        {
            "Successful": [{"Id": "1", "MessageId": "m", "MD5OfMessageBody": "x"}],
            "Failed": [{"Id": "2", "SenderFault": True, "Code": "C", "Message": "bad"}],
        },
        "json",
    ),
    (
        "dynamodb",
        "GetItem",
        {
            "Item": {
                "pk": {"S": "a"},
                "b": {"B": b"\x01\x02"},
                "ok": {"BOOL": False},
                "nothing": {"NULL": True},
                "l": {"L": [{"N": "1"}, {"M": {"x": {"SS": ["p", "q"]}}}]},
                "bs": {"BS": [b"z"]},
            }
        },
        "json",
    ),
    (
        "dynamodb",
        "Query",
        {
            "Items": [],
            "Count": 0,
            "ScannedCount": 3,
            "LastEvaluatedKey": {"pk": {"S": "z"}},
            "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5},
        },
        "json",
    ),
    (
        "dynamodb",
        "DescribeTable",
        {
            "Table": {
                "TableName": "t",
                "TableStatus": "ACTIVE",
                "CreationDateTime": T2,
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "ProvisionedThroughput": {
                    "ReadCapacityUnits": 0,
                    "WriteCapacityUnits": 0,
                    "NumberOfDecreasesToday": 0,
                },
                "ItemCount": 12,
                "DeletionProtectionEnabled": False,
            }
        },
        "json",
    ),
    # -- query ------------------------------------------------------------------------
    ("sns", "Publish", {"MessageId": "m1", "SequenceNumber": "1"}, "query"),
    ("sns", "CreateTopic", {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t"}, "query"),
    (
        "sns",
        "ListTopics",
        {"Topics": [{"TopicArn": "arn:1"}, {"TopicArn": "arn:2"}], "NextToken": "n"},
        "query",
    ),
    ("sns", "GetTopicAttributes", {"Attributes": {"Policy": '{"a": "<b>"}', "X": ""}}, "query"),
    ("sns", "ListTagsForResource", {"Tags": []}, "query"),
    (
        "cloudformation",
        "DescribeStacks",
        {
            "Stacks": [
                {
                    "StackName": "s",
                    "StackId": "id",
                    "CreationTime": T2,
                    "StackStatus": "CREATE_COMPLETE",
                    "DisableRollback": False,
                    "Outputs": [{"OutputKey": "k", "OutputValue": "v\r\nline"}],
                    "Tags": [{"Key": "a", "Value": "b"}],
                }
            ]
        },
        "query",
    ),
    # -- rest-json --------------------------------------------------------------------
    (
        "lambda",
        "Invoke",
        {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "LogResult": "bG9n",
            "ExecutedVersion": "$LATEST",
            "Payload": b'{"ok": true}',
        },
        "rest-json",
    ),
    (
        "lambda",
        "CreateFunction",
        {
            "FunctionName": "f",
            "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:f",
            "Runtime": "python3.12",
            "MemorySize": 128,
            "Timeout": 3,
            "Environment": {"Variables": {"AB": "1"}},
            "Layers": [],
            "State": "Active",
        },
        "rest-json",
    ),
    (
        "lambda",
        "ListFunctions",
        {"Functions": [{"FunctionName": "f"}], "NextMarker": "m"},
        "rest-json",
    ),
    (
        "lambda",
        "GetFunction",
        {"Configuration": {"FunctionName": "f"}, "Tags": {"a": "b"}},
        "rest-json",
    ),
    (
        "apigatewayv2",
        "GetApis",
        {
            "Items": [
                {
                    "ApiId": "a1",
                    "Name": "api",
                    "ProtocolType": "HTTP",
                    "RouteSelectionExpression": "$request.method $request.path",
                    "CreatedDate": T1,
                    "Tags": {"k": "v"},
                }
            ]
        },
        "rest-json",
    ),
    (
        "apigatewayv2",
        "CreateRoute",
        {"RouteId": "r1", "RouteKey": "GET /x", "ApiKeyRequired": False},
        "rest-json",
    ),
    # -- rest-xml ---------------------------------------------------------------------
    (
        "s3",
        "ListObjectsV2",
        {
            "IsTruncated": False,
            "Contents": [
                {
                    "Key": "a&b",
                    "LastModified": T2,
                    "ETag": '"e"',
                    "Size": 5,
                    "StorageClass": "STANDARD",
                },
                {"Key": "c", "LastModified": T1, "Size": 0},
            ],
            "Name": "b1",
            "Prefix": "",
            "MaxKeys": 1000,
            "CommonPrefixes": [{"Prefix": "dir/"}],
            "KeyCount": 2,
        },
        "rest-xml",
    ),
    (
        "s3",
        "GetObject",
        {
            "Body": b"\x00binary\xff",
            "ContentLength": 9,
            "ETag": '"etag"',
            "LastModified": T1,
            "ContentType": "application/octet-stream",
            "Metadata": {"owner": "me"},
        },
        "rest-xml",
    ),
    ("s3", "PutObject", {"ETag": '"e"', "VersionId": "v1"}, "rest-xml"),
    ("s3", "CreateMultipartUpload", {"Bucket": "b1", "Key": "k", "UploadId": "u1"}, "rest-xml"),
    (
        "s3",
        "CompleteMultipartUpload",
        {"Location": "http://x/b1/k", "Bucket": "b1", "Key": "k", "ETag": '"e-2"'},
        "rest-xml",
    ),
    (
        "s3",
        "DeleteObjects",
        {
            "Deleted": [{"Key": "a"}, {"Key": "b", "VersionId": "v", "DeleteMarker": True}],
            "Errors": [{"Key": "c", "Code": "AccessDenied", "Message": "no"}],
        },
        "rest-xml",
    ),
    (
        "s3",
        "ListBuckets",
        {
            "Buckets": [{"Name": "b1", "CreationDate": T2}],
            "Owner": {"DisplayName": "me", "ID": "id"},
        },
        "rest-xml",
    ),
    ("s3", "GetObjectTagging", {"TagSet": [{"Key": "k", "Value": "v"}]}, "rest-xml"),
    (
        "s3",
        "HeadObject",
        # botocore always reports Metadata for S3 objects, so the result carries it too.
        {"ContentLength": 3, "LastModified": T1, "DeleteMarker": False, "Metadata": {}},
        "rest-xml",
    ),
]


@pytest.mark.parametrize(
    ("service", "operation", "result", "protocol"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_result_parses_back_in_botocore(
    service: str, operation: str, result: dict[str, Any], protocol: str
) -> None:
    model = load_service_model(service)
    response = serialize_result(model, operation, result, protocol=protocol, request_id="req-1")
    assert botocore_parse(service, operation, response, protocol) == result


def test_none_values_and_unknown_keys_are_dropped() -> None:
    model = load_service_model("sqs")
    response = serialize_result(
        model,
        "SendMessage",
        {"MessageId": "m", "SequenceNumber": None, "Internal": "x"},
        protocol="json",
        request_id="r",
    )
    assert response.body == b'{"MessageId":"m"}'
    assert ("Content-Type", "application/x-amz-json-1.0") in response.headers
    assert ("x-amzn-RequestId", "r") in response.headers


def test_lambda_invoke_status_comes_from_the_status_code_member() -> None:
    model = load_service_model("lambda")
    response = serialize_result(
        model, "Invoke", {"StatusCode": 202, "Payload": b""}, protocol="rest-json", request_id="r"
    )
    assert response.status == 202


def test_rest_json_uses_the_modeled_response_code() -> None:
    model = load_service_model("lambda")
    response = serialize_result(
        model, "CreateFunction", {"FunctionName": "f"}, protocol="rest-json", request_id="r"
    )
    assert response.status == 201


def test_invalid_xml_characters_do_not_break_the_document() -> None:
    from xml.etree import ElementTree

    model = load_service_model("sns")
    response = serialize_result(
        model, "Publish", {"MessageId": "a\x00b\ud800c"}, protocol="query", request_id="r"
    )
    ElementTree.fromstring(response.body)  # well-formed
    assert botocore_parse("sns", "Publish", response, "query") == {"MessageId": "a\ufffdb\ufffdc"}


def test_s3_bucket_location_is_the_root_text() -> None:
    # botocore reads GetBucketLocation with a handler of its own, so check the document.
    from xml.etree import ElementTree

    model = load_service_model("s3")
    response = serialize_result(
        model,
        "GetBucketLocation",
        {"LocationConstraint": "eu-west-1"},
        protocol="rest-xml",
        request_id="r",
    )
    root = ElementTree.fromstring(response.body)
    assert root.tag == "{http://s3.amazonaws.com/doc/2006-03-01/}LocationConstraint"
    assert root.text == "eu-west-1"
