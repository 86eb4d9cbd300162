"""Invoke's ClientContext: base64 JSON on the wire, the decoded object in the context."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import ROLE, zipped

READER = """
def handler(event, context):
    cc = context.client_context
    return None if cc is None else {"custom": cc.custom, "client": cc.client, "env": cc.env}
"""


@pytest.fixture
def reader(tenku: TenkuProcess, name: str) -> Any:
    lam = tenku.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": READER})},
    )
    return lam


def encoded(value: Any) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def test_client_context_reaches_the_function_decoded(reader: Any, name: str) -> None:
    sent = {"custom": {"tenant": "t1"}, "client": {"app_title": "demo"}, "env": {"locale": "ja"}}
    answer = reader.invoke(FunctionName=name, ClientContext=encoded(sent))
    assert json.loads(answer["Payload"].read()) == sent
    plain = reader.invoke(FunctionName=name)
    assert json.loads(plain["Payload"].read()) is None


@pytest.mark.parametrize(
    "bad",
    [
        "not base64!",  # not base64 at all
        base64.b64encode(b"{not json").decode(),  # base64, not JSON
        encoded([1, 2]),  # JSON, not an object
        encoded({"custom": {"k": "v" * 3000}}),  # over 3,583 bytes of base64
    ],
)
def test_bad_client_context_is_refused(reader: Any, name: str, bad: str) -> None:
    with pytest.raises(ClientError) as caught:
        reader.invoke(FunctionName=name, ClientContext=bad)
    error = caught.value.response
    assert error["Error"]["Code"] == "InvalidRequestContentException"
    assert error["Error"]["Message"] == "Client context must be a valid Base64-encoded JSON object."
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
