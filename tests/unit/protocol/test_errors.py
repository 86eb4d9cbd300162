"""Tenku serializes a ServiceError, botocore parses it: code, message and status survive."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from tenku.core.errors import ServiceError
from tenku.protocol.models import load_service_model
from tenku.protocol.serializers import serialize_error
from tests.unit.protocol.wire import botocore_parse

NO_QUEUE = ServiceError(
    "QueueDoesNotExist",
    "The specified queue does not exist.",
    400,
    query_code="AWS.SimpleQueueService.NonExistentQueue",
)

CASES = [
    # service, operation, error, protocol, expected code
    ("sqs", "GetQueueUrl", NO_QUEUE, "json", "AWS.SimpleQueueService.NonExistentQueue"),
    (
        "sqs",
        "SendMessage",
        ServiceError("InvalidAction", "The action Foo is not valid for this web service."),
        "json",
        "InvalidAction",
    ),
    (
        "dynamodb",
        "GetItem",
        ServiceError("ResourceNotFoundException", "Requested resource not found"),
        "json",
        "ResourceNotFoundException",
    ),
    (
        "dynamodb",
        "PutItem",
        ServiceError("ValidationException", "1 validation error detected: x"),
        "json",
        "ValidationException",
    ),
    (
        "sns",
        "Publish",
        ServiceError("NotFound", "Topic does not exist", 404),
        "query",
        "NotFound",
    ),
    (
        "cloudformation",
        "DescribeStacks",
        ServiceError("ValidationError", "Stack with id s does not exist"),
        "query",
        "ValidationError",
    ),
    (
        "lambda",
        "GetFunction",
        ServiceError("ResourceNotFoundException", "Function not found: arn:f", 404),
        "rest-json",
        "ResourceNotFoundException",
    ),
    (
        "apigatewayv2",
        "GetApi",
        ServiceError("NotFoundException", "Invalid API identifier specified", 404),
        "rest-json",
        "NotFoundException",
    ),
    (
        "s3",
        "GetObject",
        ServiceError("NoSuchKey", "The specified key does not exist.", 404, fields={"Key": "k"}),
        "rest-xml",
        "NoSuchKey",
    ),
    (
        "route53",
        "GetHostedZone",
        ServiceError("NoSuchHostedZone", "No hosted zone found with ID: Z1", 404),
        "rest-xml",
        "NoSuchHostedZone",
    ),
    (
        "sqs",
        "ReceiveMessage",
        ServiceError("InternalFailure", "boom", 500, sender_fault=False),
        "json",
        "InternalFailure",
    ),
]


@pytest.mark.parametrize(
    ("service", "operation", "error", "protocol", "code"),
    CASES,
    ids=[f"{c[0]}-{c[2].code}" for c in CASES],
)
def test_error_parses_back_in_botocore(
    service: str, operation: str, error: ServiceError, protocol: str, code: str
) -> None:
    model = load_service_model(service)
    response = serialize_error(model, error, protocol=protocol, request_id="req-1")
    assert response.status == error.status
    parsed = botocore_parse(service, operation, response, protocol)
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == error.message


def test_sqs_json_error_carries_the_query_compatible_header() -> None:
    response = serialize_error(load_service_model("sqs"), NO_QUEUE, protocol="json", request_id="r")
    headers = dict(response.headers)
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert b'"__type":"com.amazonaws.sqs#QueueDoesNotExist"' in response.body


def test_dynamodb_framework_errors_use_coral_namespaces() -> None:
    response = serialize_error(
        load_service_model("dynamodb"),
        ServiceError("SerializationException", ""),
        protocol="json",
        request_id="r",
    )
    assert b"com.amazon.coral.service#SerializationException" in response.body


def test_sqs_query_error_document() -> None:
    response = serialize_error(
        load_service_model("sqs"), NO_QUEUE, protocol="query", request_id="req-9"
    )
    ns = "{http://queue.amazonaws.com/doc/2012-11-05/}"
    root = ElementTree.fromstring(response.body)
    assert root.tag == f"{ns}ErrorResponse"
    assert root.findtext(f"{ns}Error/{ns}Type") == "Sender"
    assert root.findtext(f"{ns}Error/{ns}Code") == "AWS.SimpleQueueService.NonExistentQueue"
    assert root.findtext(f"{ns}Error/{ns}Message") == "The specified queue does not exist."
    assert root.findtext(f"{ns}RequestId") == "req-9"
    assert ("Content-Type", "text/xml") in response.headers


def test_s3_error_has_request_id_header_and_fields() -> None:
    error = ServiceError("NoSuchKey", "The specified key does not exist.", 404, fields={"Key": "k"})
    response = serialize_error(load_service_model("s3"), error, protocol="rest-xml", request_id="r")
    root = ElementTree.fromstring(response.body)
    assert root.tag == "Error"
    assert root.findtext("Key") == "k"
    assert root.findtext("RequestId") == "r"
    assert ("x-amz-request-id", "r") in response.headers


def test_error_without_model_still_serializes() -> None:
    error = ServiceError("UnrecognizedClientException", "The security token is invalid.")
    response = serialize_error(None, error, protocol="json", request_id="r")
    assert response.status == 400
    assert b'"__type":"UnrecognizedClientException"' in response.body


def test_error_extra_headers_are_sent() -> None:
    error = ServiceError("ThrottlingException", "Rate exceeded", headers={"Retry-After": "1"})
    response = serialize_error(
        load_service_model("lambda"), error, protocol="rest-json", request_id="r"
    )
    assert ("Retry-After", "1") in response.headers
    assert ("x-amzn-ErrorType", "ThrottlingException") in response.headers
