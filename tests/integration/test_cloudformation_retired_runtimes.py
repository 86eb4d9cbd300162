"""Functions on runtimes AWS Lambda has retired (python3.8, nodejs12.x...): the public API
refuses them as AWS does, while a CloudFormation deploy (an internal caller) creates and
updates them, and they run on the local interpreter of their family."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from tests.integration.cloudformation_support import create, refused, unique, update
from tests.integration.conftest import TenkuProcess

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
TEMPLATE = """
Resources:
  Py:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: {py_runtime}
      Handler: index.handler
      Role: {role}
      Code:
        ZipFile: |
          def handler(event, context):
              return {{"from": "python", "got": event}}
  Node:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs12.x
      Handler: index.handler
      Role: {role}
      Code:
        ZipFile: |
          exports.handler = async (event) => ({{from: "node", got: event}});
"""


@pytest.fixture(scope="module")
def cfn(tenku: TenkuProcess) -> Any:
    return tenku.client("cloudformation")


def _invoke(lam: Any, name: str) -> dict[str, Any]:
    answer = lam.invoke(FunctionName=name, Payload=b'{"n": 1}')
    assert "FunctionError" not in answer, answer["Payload"].read()
    result: dict[str, Any] = json.loads(answer["Payload"].read())
    return result


def test_a_stack_deploys_and_runs_retired_runtimes(tenku: TenkuProcess, cfn: Any) -> None:
    name = unique("retired")
    stack = create(cfn, name, TEMPLATE.format(py_runtime="python3.8", role=ROLE))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    lam = tenku.client("lambda")
    resources = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=name)["StackResources"]
    }
    assert lam.get_function(FunctionName=resources["Py"])["Configuration"]["Runtime"] == (
        "python3.8"
    )
    assert _invoke(lam, resources["Py"]) == {"from": "python", "got": {"n": 1}}
    assert _invoke(lam, resources["Node"]) == {"from": "node", "got": {"n": 1}}

    updated = update(cfn, name, TEMPLATE.format(py_runtime="python3.7", role=ROLE))
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated
    assert lam.get_function(FunctionName=resources["Py"])["Configuration"]["Runtime"] == (
        "python3.7"
    )
    assert _invoke(lam, resources["Py"]) == {"from": "python", "got": {"n": 1}}


def test_the_public_api_still_refuses_retired_runtimes(tenku: TenkuProcess) -> None:
    lam = tenku.client("lambda")
    message = "The runtime parameter of python3.8 is no longer supported"
    refused(lam.create_function, "InvalidParameterValueException", message,
            FunctionName=unique("f"), Runtime="python3.8", Role=ROLE, Handler="index.handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})  # fmt: skip
    made = unique("f")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(e, c):\n    return e\n")
    lam.create_function(FunctionName=made, Runtime="python3.12", Role=ROLE,
                        Handler="index.handler", Code={"ZipFile": buffer.getvalue()})  # fmt: skip
    refused(lam.update_function_configuration, "InvalidParameterValueException",
            "The runtime parameter of nodejs12.x is no longer supported",
            FunctionName=made, Runtime="nodejs12.x")  # fmt: skip
