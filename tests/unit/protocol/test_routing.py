"""Requests as boto3 signs them reach the right service; scope parts are extracted."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.protocol.http import Request
from tenku.protocol.models import available_services, load_service_model
from tenku.protocol.routing import (
    TARGET_PREFIXES,
    access_key_of,
    region_of,
    service_for,
)
from tests.unit.protocol.wire import wire_request

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("sqs", "ListQueues", {}, "sqs"),
    ("dynamodb", "ListTables", {}, "dynamodb"),
    ("dynamodbstreams", "ListStreams", {}, "dynamodbstreams"),
    ("lambda", "ListFunctions", {}, "lambda"),
    ("s3", "ListBuckets", {}, "s3"),
    ("s3", "GetObject", {"Bucket": "b", "Key": "k"}, "s3"),
    ("sns", "ListTopics", {}, "sns"),
    ("events", "ListRules", {}, "events"),
    ("scheduler", "ListSchedules", {}, "scheduler"),
    ("logs", "DescribeLogGroups", {}, "logs"),
    ("cloudwatch", "ListMetrics", {}, "cloudwatch"),
    ("cloudformation", "ListStacks", {}, "cloudformation"),
    ("cognito-idp", "ListUserPools", {"MaxResults": 1}, "cognito-idp"),
    ("ssm", "DescribeParameters", {}, "ssm"),
    ("secretsmanager", "ListSecrets", {}, "secretsmanager"),
    ("stepfunctions", "ListStateMachines", {}, "stepfunctions"),
    ("kinesis", "ListStreams", {}, "kinesis"),
    ("kms", "ListKeys", {}, "kms"),
    ("iam", "ListRoles", {}, "iam"),
    ("sts", "GetCallerIdentity", {}, "sts"),
    ("xray", "GetSamplingRules", {}, "xray"),
    ("apigateway", "GetRestApis", {}, "apigateway"),
    ("apigatewayv2", "GetApis", {}, "apigatewayv2"),
]


@pytest.mark.parametrize(
    ("client_service", "operation", "params", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[1]}" for c in CASES],
)
def test_boto3_requests_route_to_their_service(
    client_service: str, operation: str, params: dict[str, Any], expected: str
) -> None:
    request = wire_request(client_service, operation, params)
    assert service_for(request) == expected


def test_region_and_access_key_come_from_the_credential_scope() -> None:
    request = wire_request("sqs", "ListQueues", {}, region="eu-west-2")
    assert region_of(request) == "eu-west-2"
    assert access_key_of(request) == "AKIDTEST"


def test_presigned_url_scope() -> None:
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDPRE%2F20260101%2Fap-south-1%2Fs3%2Faws4_request"
        "&X-Amz-Signature=abc"
    )
    request = Request("GET", "/b/k", query, {}, b"")
    assert service_for(request) == "s3"
    assert region_of(request) == "ap-south-1"
    assert access_key_of(request) == "AKIDPRE"


def test_unsigned_sqs_query_request_routes_by_path() -> None:
    request = Request(
        "POST",
        "/000000000000/q1",
        "",
        {"content-type": "application/x-www-form-urlencoded"},
        b"Action=SendMessage&MessageBody=x",
    )
    assert service_for(request) == "sqs"
    assert region_of(request) is None
    assert access_key_of(request) is None


def test_unsigned_sts_web_identity_routes_by_action() -> None:
    request = Request("GET", "/", "Action=AssumeRoleWithWebIdentity&RoleArn=x", {}, b"")
    assert service_for(request) == "sts"


def test_unsigned_sns_subscribe_and_unsubscribe_urls_route_to_sns() -> None:
    confirm = "Action=ConfirmSubscription&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A0%3At&Token=ab"
    assert service_for(Request("GET", "/", confirm, {}, b"")) == "sns"
    unsubscribe = "Action=Unsubscribe&SubscriptionArn=arn%3Aaws%3Asns%3Aus-east-1%3A0%3At%3Ax"
    assert service_for(Request("GET", "/", unsubscribe, {}, b"")) == "sns"


def test_unknown_request_is_none() -> None:
    assert service_for(Request("GET", "/favicon.ico", "", {}, b"")) is None
    assert service_for(Request("POST", "/", "", {"x-amz-target": "Nope.Op"}, b"")) is None


@pytest.mark.parametrize(("prefix", "service"), sorted(TARGET_PREFIXES.items()))
def test_target_prefix_table_matches_the_models(prefix: str, service: str) -> None:
    assert service in available_services()
    assert load_service_model(service).target_prefix == prefix
