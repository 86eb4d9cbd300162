"""AWS's Runtime Interface Clients, unchanged, as `provided.al2023` bootstraps over the wire.

boto3 uploads a zip whose `bootstrap` starts the client (`awslambdaric` from PyPI, or
`aws-lambda-ric` from npm, built by scripts/setup-node-ric) and invokes the function:
the result, an unhandled error as Lambda reports it, and warm reuse of the environment.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.node_ric import node_ric

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

NODE_HANDLER = """
let calls = 0;
exports.handler = async (event, context) => {
  calls += 1;
  console.log("node ric handling", event.n);
  if (event.fail) throw new RangeError("asked to fail");
  return { event, calls, id: context.awsRequestId, name: context.functionName };
};
"""

PYTHON_HANDLER = """
calls = 0

def handler(event, context):
    global calls
    calls += 1
    print("python ric handling", event.get("n"))
    if event.get("fail"):
        raise KeyError("asked to fail")
    return {"event": event, "calls": calls, "id": context.aws_request_id,
            "name": context.function_name}
"""


def function_zip(client: str) -> bytes:
    if client == "npm":
        bootstrap = f"#!/bin/sh\nexec node {node_ric()} index.handler\n"
        files = {"bootstrap": bootstrap, "index.js": NODE_HANDLER}
    else:
        files = {"bootstrap": "#!/bin/sh\nexec python3 -m awslambdaric index.handler\n"}
        files["index.py"] = PYTHON_HANDLER
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100755 if name == "bootstrap" else 0o100644) << 16
            archive.writestr(info, text)
    return buffer.getvalue()


@pytest.fixture
def lam(tenku: TenkuProcess) -> Any:
    return tenku.client("lambda")


def invoke(lam: Any, name: str, event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = lam.invoke(
        FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail"
    )
    response["Body"] = json.loads(response["Payload"].read())
    response["Log"] = base64.b64decode(response["LogResult"]).decode()
    return response


@pytest.mark.parametrize("client", ["npm", "pypi"])
def test_runtime_interface_client_as_bootstrap(lam: Any, name: str, client: str) -> None:
    code = function_zip(client)
    lam.create_function(
        FunctionName=name,
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": code},
        Timeout=10,
    )

    first = invoke(lam, name, {"n": 1})
    assert first["StatusCode"] == 200 and "FunctionError" not in first, first["Body"]
    assert first["Body"]["event"] == {"n": 1} and first["Body"]["calls"] == 1
    assert first["Body"]["name"] == name
    assert first["Body"]["id"] == first["ResponseMetadata"]["RequestId"]
    assert f"{'node' if client == 'npm' else 'python'} ric handling 1" in first["Log"]
    assert "Init Duration" in first["Log"]

    failed = invoke(lam, name, {"n": 2, "fail": True})
    assert failed["StatusCode"] == 200 and failed["FunctionError"] == "Unhandled"
    assert failed["ResponseMetadata"]["HTTPHeaders"]["x-amz-function-error"] == "Unhandled"
    expected_type = "RangeError" if client == "npm" else "KeyError"
    assert failed["Body"]["errorType"] == expected_type
    assert "asked to fail" in failed["Body"]["errorMessage"]
    assert isinstance(failed["Body"]["stackTrace" if client == "pypi" else "trace"], list)

    warm = invoke(lam, name, {"n": 3})
    assert "FunctionError" not in warm and warm["Body"]["calls"] == 3  # one environment
    assert "Init Duration" not in warm["Log"]
