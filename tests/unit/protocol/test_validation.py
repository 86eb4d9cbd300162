"""Bad requests fail with the exact code and message of the service's style."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.protocol.http import Request
from tenku.protocol.models import load_service_model
from tenku.protocol.parsers import parse_request

SQS_Q = "http://localhost:4566/000000000000/q1"


def json_request(target: str, body: Any, version: str = "1.0") -> Request:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"x-amz-target": target, "content-type": f"application/x-amz-json-{version}"}
    return Request("POST", "/", "", headers, raw)


def form_request(body: bytes, path: str = "/") -> Request:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return Request("POST", path, "", headers, body)


def rest_request(method: str, path: str, query: str = "", body: bytes = b"") -> Request:
    return Request(method, path, query, {"content-type": "application/json"}, body)


NOT_NULL = "failed to satisfy constraint: Member must not be null"

CASES: list[tuple[str, str, Request, str, str]] = [
    # -- query style (SQS, json and legacy query) ---------------------------------------
    (
        "sqs-json-missing",
        "sqs",
        json_request("AmazonSQS.SendMessage", {}),
        "MissingParameter",
        "The request must contain the parameter QueueUrl.",
    ),
    (
        "sqs-json-missing-second",
        "sqs",
        json_request("AmazonSQS.SendMessage", {"QueueUrl": SQS_Q}),
        "MissingParameter",
        "The request must contain the parameter MessageBody.",
    ),
    (
        "sqs-json-string-for-int",
        "sqs",
        json_request("AmazonSQS.ReceiveMessage", {"QueueUrl": SQS_Q, "MaxNumberOfMessages": "abc"}),
        "InvalidParameterValue",
        "Value abc for parameter MaxNumberOfMessages is invalid.",
    ),
    (
        "sqs-json-unknown-target",
        "sqs",
        json_request("AmazonSQS.Foo", {}),
        "InvalidAction",
        "The action Foo is not valid for this web service.",
    ),
    (
        "sqs-query-unknown-action",
        "sqs",
        form_request(b"Action=Foo&Version=2012-11-05"),
        "InvalidAction",
        "The action Foo is not valid for this web service.",
    ),
    (
        "sqs-query-not-an-int",
        "sqs",
        form_request(
            b"Action=ReceiveMessage&QueueUrl=http%3A%2F%2Fx%2F000000000000%2Fq&MaxNumberOfMessages=abc"
        ),
        "InvalidParameterValue",
        "Value abc for parameter MaxNumberOfMessages is invalid.",
    ),
    (
        "sqs-query-missing",
        "sqs",
        form_request(b"Action=SendMessage&QueueUrl=http%3A%2F%2Fx%2F000000000000%2Fq"),
        "MissingParameter",
        "The request must contain the parameter MessageBody.",
    ),
    # -- coral style (DynamoDB json, Lambda rest-json) ----------------------------------
    (
        "ddb-missing-two",
        "dynamodb",
        json_request("DynamoDB_20120810.PutItem", {}),
        "ValidationException",
        f"2 validation errors detected: Value null at 'tableName' {NOT_NULL}; "
        f"Value null at 'item' {NOT_NULL}",
    ),
    (
        "ddb-constraints",
        "dynamodb",
        json_request("DynamoDB_20120810.Query", {"TableName": "", "Limit": 0, "Select": "SOME"}),
        "ValidationException",
        "3 validation errors detected: "
        "Value '' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1; "
        "Value 'SOME' at 'select' failed to satisfy constraint: Member must satisfy enum "
        "value set: [ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, SPECIFIC_ATTRIBUTES, COUNT]",
    ),
    (
        "ddb-nested-path",
        "dynamodb",
        json_request(
            "DynamoDB_20120810.TransactWriteItems",
            {"TransactItems": [{"Put": {"Item": {"pk": {"S": "a"}}}}]},
        ),
        "ValidationException",
        f"1 validation error detected: Value null at 'transactItems.1.member.put.tableName' "
        f"{NOT_NULL}",
    ),
    (
        "ddb-number-for-string",
        "dynamodb",
        json_request("DynamoDB_20120810.GetItem", {"TableName": 5, "Key": {}}),
        "SerializationException",
        "NUMBER_VALUE cannot be converted to String",
    ),
    (
        "ddb-list-for-map",
        "dynamodb",
        json_request("DynamoDB_20120810.PutItem", {"TableName": "tbl", "Item": []}),
        "SerializationException",
        "Start of list found where not expected.",
    ),
    (
        "ddb-map-for-string",
        "dynamodb",
        json_request("DynamoDB_20120810.PutItem", {"TableName": "tbl", "Item": {"a": {"S": {}}}}),
        "SerializationException",
        "Start of structure or map found where not expected.",
    ),
    (
        "ddb-huge-number",
        "dynamodb",
        json_request("DynamoDB_20120810.Scan", {"TableName": "tbl", "Limit": 10**30}),
        "SerializationException",
        "NUMBER_VALUE cannot be converted to Integer",
    ),
    (
        "ddb-not-json",
        "dynamodb",
        json_request("DynamoDB_20120810.Scan", b"{not json"),
        "SerializationException",
        "",
    ),
    (
        "ddb-not-utf8",
        "dynamodb",
        json_request("DynamoDB_20120810.Scan", b'{"TableName": "\xff\xfe"}'),
        "SerializationException",
        "",
    ),
    (
        "ddb-deeply-nested",
        "dynamodb",
        json_request("DynamoDB_20120810.Scan", b"[" * 100_000 + b"]" * 100_000),
        "SerializationException",
        "",
    ),
    (
        "ddb-nan",
        "dynamodb",
        json_request("DynamoDB_20120810.Scan", b'{"TableName": "tbl", "Limit": NaN}'),
        "SerializationException",
        "",
    ),
    (
        "ddb-unknown-target",
        "dynamodb",
        json_request("DynamoDB_20120810.Nope", {}),
        "UnknownOperationException",
        "",
    ),
    (
        "lambda-range",
        "lambda",
        rest_request("GET", "/2015-03-31/functions/", "MaxItems=0"),
        "ValidationException",
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    ),
    (
        "lambda-bad-int",
        "lambda",
        rest_request("GET", "/2015-03-31/functions/", "MaxItems=many"),
        "SerializationException",
        "STRING_VALUE cannot be converted to Integer",
    ),
    (
        "lambda-body-type",
        "lambda",
        rest_request("POST", "/2015-03-31/functions", body=b'{"FunctionName": ["f"]}'),
        "SerializationException",
        "Start of list found where not expected.",
    ),
    (
        "lambda-missing-body-members",
        "lambda",
        rest_request("POST", "/2015-03-31/functions", body=b"{}"),
        "ValidationException",
        f"3 validation errors detected: Value null at 'functionName' {NOT_NULL}; "
        f"Value null at 'role' {NOT_NULL}; Value null at 'code' {NOT_NULL}",
    ),
]


@pytest.mark.parametrize(
    ("service", "request_", "code", "message"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_request_fails_with_exact_error(
    service: str, request_: Request, code: str, message: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_request(load_service_model(service), request_)
    assert (caught.value.code, caught.value.message) == (code, message)
    assert caught.value.status == 400


ODD_VALUES: list[Any] = [
    None,
    True,
    -1,
    2**70,
    1.5,
    "",
    "x" * 70_000,
    "\ud800",
    [],
    [None, [], {}],
    {},
    {"S": None},
    {"": {"": {"": []}}},
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=range(len(ODD_VALUES)))
@pytest.mark.parametrize(
    "operation", ["PutItem", "Query", "TransactWriteItems", "BatchWriteItem", "CreateTable"]
)
def test_odd_input_is_always_a_service_error(operation: str, value: Any) -> None:
    model = load_service_model("dynamodb")
    input_shape = model.shape(model.operation(operation).input_shape or "")
    for member in input_shape["members"]:
        request = json_request(f"DynamoDB_20120810.{operation}", {member: value})
        with contextlib.suppress(ServiceError):
            parse_request(model, request)
