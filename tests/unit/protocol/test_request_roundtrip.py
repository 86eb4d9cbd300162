"""boto3 serializes a call, Tenku parses it back: the params must survive unchanged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import botocore.serialize
import pytest

from tenku.protocol.http import Request
from tenku.protocol.models import load_service_model
from tenku.protocol.parsers import parse_request
from tests.unit.protocol.wire import botocore_model, normalise, wire_request

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # -- json -------------------------------------------------------------------------
    (
        "sqs",
        "SendMessage",
        {
            "QueueUrl": "http://localhost:4566/000000000000/q1",
            "MessageBody": "hello <&> ünïcode",
            "DelaySeconds": 5,
            "MessageAttributes": {
                "s": {"DataType": "String", "StringValue": "text"},
                "b": {"DataType": "Binary", "BinaryValue": b"\x00\xffbin"},
                "n": {"DataType": "Number", "StringValue": "12"},
                "l": {"DataType": "String", "StringListValues": ["a", "b"]},
                "bl": {"DataType": "Binary", "BinaryListValues": [b"\x01", b"\x02"]},
            },
            "MessageSystemAttributes": {
                "AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}
            },
        },
        "json",
    ),
    (
        "sqs",
        "SendMessageBatch",
        {
            "QueueUrl": "http://localhost:4566/000000000000/q1",
            "Entries": [
                {"Id": "1", "MessageBody": "a", "MessageGroupId": "g"},
                {
                    "Id": "2",
                    "MessageBody": "b",
                    "DelaySeconds": 0,
                    "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
                },
            ],
        },
        "json",
    ),
    (
        "sqs",
        "ReceiveMessage",
        {
            "QueueUrl": "http://localhost:4566/000000000000/q1",
            "MaxNumberOfMessages": 10,
            "WaitTimeSeconds": 20,
            "MessageAttributeNames": ["All"],
            "MessageSystemAttributeNames": ["SentTimestamp", "ApproximateReceiveCount"],
        },
        "json",
    ),
    (
        "dynamodb",
        "PutItem",
        {
            "TableName": "t1",
            "Item": {
                "pk": {"S": "a"},
                "n": {"N": "1.5"},
                "b": {"B": b"\x00\x01"},
                "bs": {"BS": [b"x", b"y"]},
                "m": {"M": {"deep": {"L": [{"BOOL": True}, {"NULL": True}, {"SS": ["p"]}]}}},
            },
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValues": "ALL_OLD",
        },
        "json",
    ),
    (
        "dynamodb",
        "Query",
        {
            "TableName": "t1",
            "KeyConditionExpression": "pk = :v",
            "ExpressionAttributeValues": {":v": {"S": "a"}},
            "ExpressionAttributeNames": {"#n": "name"},
            "Limit": 10,
            "ScanIndexForward": False,
            "ExclusiveStartKey": {"pk": {"S": "z"}},
        },
        "json",
    ),
    (
        "dynamodb",
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "t1", "Item": {"pk": {"S": "a"}}}},
                {"Delete": {"TableName": "t1", "Key": {"pk": {"S": "b"}}}},
                {
                    "Update": {
                        "TableName": "t1",
                        "Key": {"pk": {"S": "c"}},
                        "UpdateExpression": "SET x = :x",
                        "ExpressionAttributeValues": {":x": {"N": "2"}},
                    }
                },
            ],
            "ClientRequestToken": "tok",
        },
        "json",
    ),
    (
        "logs",
        "PutLogEvents",
        {
            "logGroupName": "g",
            "logStreamName": "s",
            "logEvents": [{"timestamp": 1767225600000, "message": "hi"}],
        },
        "json",
    ),
    # -- query ------------------------------------------------------------------------
    (
        "sns",
        "Publish",
        {
            "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
            "Message": "m & more",
            "Subject": "s",
            "MessageAttributes": {
                "a": {"DataType": "String", "StringValue": "v"},
                "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
            },
        },
        "query",
    ),
    (
        "sns",
        "CreateTopic",
        {
            "Name": "t.fifo",
            "Attributes": {"FifoTopic": "true", "DisplayName": "d"},
            "Tags": [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": ""}],
        },
        "query",
    ),
    (
        "sns",
        "SetSubscriptionAttributes",
        {
            "SubscriptionArn": "arn:aws:sns:us-east-1:000000000000:t:1",
            "AttributeName": "RawMessageDelivery",
            "AttributeValue": "true",
        },
        "query",
    ),
    ("sns", "ListTopics", {}, "query"),
    (
        "cloudformation",
        "CreateStack",
        {
            "StackName": "s",
            "TemplateBody": "{}",
            "Parameters": [{"ParameterKey": "A", "ParameterValue": "1"}],
            "Capabilities": ["CAPABILITY_IAM"],
            "Tags": [],
        },
        "query",
    ),
    # -- rest-json --------------------------------------------------------------------
    (
        "lambda",
        "CreateFunction",
        {
            "FunctionName": "f",
            "Runtime": "python3.12",
            "Role": "arn:aws:iam::000000000000:role/r",
            "Handler": "app.handler",
            "Code": {"ZipFile": b"PK\x03\x04zip"},
            "Environment": {"Variables": {"AB": "1"}},
            "Timeout": 30,
            "Publish": True,
            "Tags": {"t": "v"},
        },
        "rest-json",
    ),
    (
        "lambda",
        "Invoke",
        {
            "FunctionName": "f",
            "InvocationType": "RequestResponse",
            "LogType": "Tail",
            "Payload": b'{"x": 1}',
            "Qualifier": "$LATEST",
        },
        "rest-json",
    ),
    ("lambda", "ListFunctions", {"MaxItems": 5, "Marker": "m"}, "rest-json"),
    (
        # the body's `httpMethod` is `integrationHttpMethod`; the URI's is the method's own
        "apigateway",
        "PutIntegration",
        {
            "restApiId": "a1b2c3d4e5",
            "resourceId": "abc123",
            "httpMethod": "GET",
            "type": "AWS_PROXY",
            "integrationHttpMethod": "POST",
            "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations",
            "timeoutInMillis": 1000,
        },
        "rest-json",
    ),
    (
        "lambda",
        "GetFunction",
        {"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:f"},
        "rest-json",
    ),
    (
        "apigatewayv2",
        "CreateRoute",
        {"ApiId": "a1", "RouteKey": "GET /items/{id}", "Target": "integrations/i1"},
        "rest-json",
    ),
    ("apigatewayv2", "GetApis", {"MaxResults": "5", "NextToken": "n"}, "rest-json"),
    (
        "scheduler",
        "CreateSchedule",
        {
            "Name": "s",
            "ScheduleExpression": "rate(1 minute)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": "arn:aws:sqs:us-east-1:000000000000:q",
                "RoleArn": "arn:aws:iam::000000000000:role/r",
            },
            "StartDate": WHEN,
        },
        "rest-json",
    ),
    # -- rest-xml ---------------------------------------------------------------------
    (
        "s3",
        "PutObject",
        {
            "Bucket": "b1",
            "Key": "dir/a key+ü.txt",
            "Body": b"content",
            "ContentType": "text/plain",
            "Metadata": {"owner": "me", "x": "y"},
            "CacheControl": "no-cache",
            "ContentLength": 7,
        },
        "rest-xml",
    ),
    (
        "s3",
        "ListObjectsV2",
        {"Bucket": "b1", "Prefix": "dir/", "Delimiter": "/", "MaxKeys": 3, "FetchOwner": True},
        "rest-xml",
    ),
    (
        "s3",
        "DeleteObjects",
        {
            "Bucket": "b1",
            "Delete": {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v"}], "Quiet": True},
        },
        "rest-xml",
    ),
    (
        "s3",
        "CompleteMultipartUpload",
        {
            "Bucket": "b1",
            "Key": "k",
            "UploadId": "u1",
            "MultipartUpload": {
                "Parts": [{"ETag": '"e1"', "PartNumber": 1}, {"ETag": '"e2"', "PartNumber": 2}]
            },
        },
        "rest-xml",
    ),
    ("s3", "GetObject", {"Bucket": "b1", "Key": "k/x", "Range": "bytes=0-9"}, "rest-xml"),
    ("s3", "CreateMultipartUpload", {"Bucket": "b1", "Key": "k"}, "rest-xml"),
    (
        "s3",
        "UploadPart",
        {"Bucket": "b1", "Key": "k", "UploadId": "u1", "PartNumber": 2, "Body": b"part"},
        "rest-xml",
    ),
    ("s3", "CopyObject", {"Bucket": "b1", "Key": "k2", "CopySource": "b1/k"}, "rest-xml"),
    ("s3", "HeadObject", {"Bucket": "b1", "Key": "k", "VersionId": "v1"}, "rest-xml"),
    ("s3", "DeleteObject", {"Bucket": "b1", "Key": "k"}, "rest-xml"),
    ("s3", "HeadBucket", {"Bucket": "b1"}, "rest-xml"),
    (
        "s3",
        "CreateBucket",
        {"Bucket": "b2", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}},
        "rest-xml",
    ),
    ("s3", "ListParts", {"Bucket": "b1", "Key": "k", "UploadId": "u1"}, "rest-xml"),
    ("s3", "GetBucketLocation", {"Bucket": "b1"}, "rest-xml"),
    ("s3", "ListObjects", {"Bucket": "b1"}, "rest-xml"),
    (
        "s3",
        "PutObjectTagging",
        {"Bucket": "b1", "Key": "k", "Tagging": {"TagSet": [{"Key": "a", "Value": "b"}]}},
        "rest-xml",
    ),
    (
        "route53",
        "ChangeResourceRecordSets",
        {
            "HostedZoneId": "Z1",
            "ChangeBatch": {
                "Changes": [
                    {
                        "Action": "UPSERT",
                        "ResourceRecordSet": {
                            "Name": "a.example.com",
                            "Type": "A",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": "1.2.3.4"}],
                        },
                    }
                ]
            },
        },
        "rest-xml",
    ),
]


@pytest.mark.parametrize(
    ("service", "operation", "params", "protocol"),
    CASES,
    ids=[f"{c[0]}-{c[1]}" for c in CASES],
)
def test_boto3_request_parses_back(
    service: str, operation: str, params: dict[str, Any], protocol: str
) -> None:
    request = wire_request(service, operation, params)
    parsed = parse_request(load_service_model(service), request)
    assert parsed.operation == operation
    assert parsed.protocol == protocol
    expected = normalise(params)
    # boto3 may add members of its own (checksums, idempotency tokens): compare ours only.
    assert {k: parsed.params.get(k) for k in expected} == expected


def test_query_compatible_json_service_also_speaks_query() -> None:
    # CloudWatch answers json today, but older SDKs still send it the query protocol.
    params = {
        "Namespace": "App",
        "MetricData": [
            {
                "MetricName": "Latency",
                "Dimensions": [{"Name": "Fn", "Value": "f"}],
                "Timestamp": WHEN,
                "Value": 1.5,
                "Unit": "Milliseconds",
            }
        ],
    }
    serialized = botocore.serialize.create_serializer("query").serialize_to_request(
        params, botocore_model("cloudwatch").operation_model("PutMetricData")
    )
    request = Request(
        "POST",
        "/",
        "",
        {"content-type": "application/x-www-form-urlencoded"},
        urlencode(serialized["body"]).encode(),
    )
    parsed = parse_request(load_service_model("cloudwatch"), request)
    assert (parsed.operation, parsed.protocol) == ("PutMetricData", "query")
    assert parsed.params == normalise(params)
