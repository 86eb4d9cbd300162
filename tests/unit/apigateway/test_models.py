"""Pure API Gateway rules: path parts, Lambda URIs, integrations and authorizers."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.apigateway import models

LAMBDA_URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:000000000000:function:hello/invocations"
)


@pytest.mark.parametrize(
    "part", ["pets", "v1.2", "a_b-c", "{id}", "{proxy+}", "{pet_id}", "events:batch"]
)
def test_good_path_parts(part: str) -> None:
    models.validate_path_part(part)


@pytest.mark.parametrize(
    "part", ["", "a/b", "{id", "id}", "a{id}", "{id}x", "{}", "{+}", "{a+b}", "sp ace", "{proxy++}"]
)
def test_bad_path_parts(part: str) -> None:
    with pytest.raises(ServiceError) as caught:
        models.validate_path_part(part)
    assert caught.value.code == "BadRequestException"
    assert caught.value.message.startswith("Resource's path part only allow a-zA-Z0-9._-")


def test_variables_and_greedy() -> None:
    assert models.is_variable("{id}") and not models.is_greedy("{id}")
    assert models.is_greedy("{proxy+}") and models.is_variable("{proxy+}")
    assert not models.is_variable("pets")
    assert models.child_path("/", "pets") == "/pets"
    assert models.child_path("/pets", "{id}") == "/pets/{id}"


def test_lambda_function_arn_from_invocation_uri() -> None:
    assert models.lambda_function_arn(LAMBDA_URI) == (
        "arn:aws:lambda:us-east-1:000000000000:function:hello"
    )
    aliased = LAMBDA_URI.replace(":hello/", ":hello:live/")
    assert models.lambda_function_arn(aliased) == (
        "arn:aws:lambda:us-east-1:000000000000:function:hello:live"
    )
    assert models.lambda_function_arn("https://example.com") is None
    assert models.lambda_function_arn(None) is None


def test_new_ids_look_like_api_gateway_ids() -> None:
    ids = {models.new_id(10) for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 10 and i.isalnum() and i == i.lower() for i in ids)


@pytest.mark.parametrize(
    ("integration", "message"),
    [
        (
            {"type": "AWS_PROXY", "uri": LAMBDA_URI},
            "Enumeration value for HttpMethod must be non-empty",
        ),
        (
            {"type": "HTTP", "uri": "https://x"},
            "Enumeration value for HttpMethod must be non-empty",
        ),
        (
            {
                "type": "AWS_PROXY",
                "httpMethod": "POST",
                "uri": "arn:aws:apigateway:us-east-1:s3:path/b",
            },
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and "
            "Firehose stream invocations.",
        ),
        (
            {"type": "AWS", "httpMethod": "POST", "uri": "nope"},
            "Invalid ARN specified in the request",
        ),
        (
            {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": "ftp://x"},
            "Invalid HTTP endpoint specified for URI",
        ),
        (
            {"type": "MOCK", "timeoutInMillis": 49},
            "Timeout should be between 50 ms and 29000 ms",
        ),
        (
            {"type": "MOCK", "timeoutInMillis": 29_001},
            "Timeout should be between 50 ms and 29000 ms",
        ),
    ],
)
def test_integration_validation(integration: dict[str, Any], message: str) -> None:
    with pytest.raises(ServiceError) as caught:
        models.check_integration(integration)
    assert caught.value.message == message


def test_valid_integrations() -> None:
    models.check_integration({"type": "MOCK"})
    models.check_integration({"type": "AWS_PROXY", "httpMethod": "POST", "uri": LAMBDA_URI})
    models.check_integration({"type": "HTTP_PROXY", "httpMethod": "ANY", "uri": "https://x/{p}"})
    models.check_integration({"type": "MOCK", "timeoutInMillis": 50})


def test_authorizer_validation() -> None:
    models.check_authorizer(
        {"name": "a", "type": "TOKEN", "authorizerUri": LAMBDA_URI,
         "identitySource": "method.request.header.Authorization"}
    )  # fmt: skip
    with pytest.raises(ServiceError):
        models.check_authorizer({"name": "a", "type": "TOKEN", "authorizerUri": LAMBDA_URI})
    with pytest.raises(ServiceError):
        models.check_authorizer({"name": "a", "type": "COGNITO_USER_POOLS"})
    with pytest.raises(ServiceError):
        models.check_authorizer(
            {"name": "a", "type": "REQUEST", "authorizerUri": LAMBDA_URI,
             "authorizerResultTtlInSeconds": 3601}
        )  # fmt: skip
