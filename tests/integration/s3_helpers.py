"""Shared helpers of the S3 integration tests."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError


def bucket_name(prefix: str = "bkt") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error_of(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The parsed error (Code, Message, ..., HTTP status under 'Status') of a failing call."""
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    error = dict(response.get("Error", {}))
    error["Status"] = response["ResponseMetadata"]["HTTPStatusCode"]
    error["Headers"] = response["ResponseMetadata"].get("HTTPHeaders", {})
    return error
