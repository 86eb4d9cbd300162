"""Helpers for protocol tests: real boto3 requests in, botocore's parsers out."""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.parsers
import botocore.session
from botocore import xform_name
from botocore.awsrequest import HeadersDict
from botocore.config import Config

from tenku.protocol.http import Request, Response

ENDPOINT = "http://localhost:4566"


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


@cache
def client(service: str, region: str = "us-east-1") -> Any:
    """A boto3 client whose requests are captured before they are sent."""
    made = boto3.session.Session().client(
        service,
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 0}, s3={"addressing_style": "path"}),
    )

    def stop(request: Any, **_: Any) -> None:
        raise _Captured(request)

    made.meta.events.register("before-send", stop)
    return made


def wire_request(service: str, operation: str, params: dict[str, Any], **kw: Any) -> Request:
    """The Request a real boto3 client sends for `operation(**params)`."""
    method = getattr(client(service, **kw), xform_name(operation))
    try:
        method(**params)
    except _Captured as captured:
        prepared = captured.request
    else:  # pragma: no cover
        raise AssertionError("request was not captured")
    url = urlsplit(prepared.url)
    headers: dict[str, str] = {}
    for name, value in prepared.headers.items():
        text = value.decode() if isinstance(value, bytes) else str(value)
        key = name.lower()
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    body = prepared.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    return Request(prepared.method, url.path, url.query, headers, body, host=url.netloc)


@cache
def botocore_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def botocore_parse(service: str, operation: str, response: Response, protocol: str) -> Any:
    """What botocore makes of our response (a result dict or an error dict)."""
    model = botocore_model(service)
    op = model.operation_model(operation)
    headers = HeadersDict()
    for name, value in response.headers:
        headers[name] = value
    parser = botocore.parsers.create_parser(protocol)
    # botocore's endpoint hands parsers a stream, not bytes, for streaming outputs.
    streaming = op.has_streaming_output and response.status < 300
    body: Any = io.BytesIO(response.body) if streaming else response.body
    parsed = parser.parse(
        {"status_code": response.status, "headers": headers, "body": body},
        op.output_shape if response.status < 300 else None,
    )
    parsed.pop("ResponseMetadata", None)
    return normalise(parsed)


def normalise(value: Any) -> Any:
    """Timestamps as float epoch seconds, so both sides compare equal."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if hasattr(value, "read"):
        return value.read()
    return value
