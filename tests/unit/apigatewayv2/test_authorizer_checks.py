"""Authorizer checks of HTTP APIs: the payload format version may come as a number."""

from __future__ import annotations

import pytest

from tenku.core.errors import ServiceError
from tenku.services.apigatewayv2.models import HTTP, check_authorizer


def _request_authorizer(version: object) -> dict[str, object]:
    return {
        "AuthorizerType": "REQUEST",
        "Name": "auth",
        "AuthorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:f/invocations",
        "IdentitySource": ["$request.header.Authorization"],
        "AuthorizerPayloadFormatVersion": version,
    }


def test_a_numeric_payload_format_version_reads_as_its_text() -> None:
    assert check_authorizer(HTTP, _request_authorizer(1.0))["AuthorizerPayloadFormatVersion"] == (
        "1.0"
    )
    assert check_authorizer(HTTP, _request_authorizer(2))["AuthorizerPayloadFormatVersion"] == (
        "2.0"
    )


def test_an_unknown_version_is_still_refused() -> None:
    with pytest.raises(ServiceError, match=r"Unsupported authorizer payload format version 3\.0"):
        check_authorizer(HTTP, _request_authorizer(3.0))
