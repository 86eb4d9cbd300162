"""Lambda's execution model through boto3: runtimes, scale-out, reserved and provisioned
concurrency, memory limits and init errors."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import ROLE, create, invoke, zipped

SLEEPER = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0)}
"""

NODE = """
exports.handler = async (event, context) => ({ node: process.version, echo: event,
  name: context.functionName });
"""

# A `provided` runtime speaking the Runtime API from a shell-free Python script.
BOOTSTRAP = """#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as got:
        request_id = got.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(got.read())
    answer = json.dumps({"provided": True, "echo": event}).encode()
    urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", answer))
"""


def zip_with_modes(files: dict[str, tuple[str, int]]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def parallel(
    tenku: TenkuProcess, name: str, count: int, event: dict[str, Any], qualifier: str | None = None
) -> list[Any]:
    results: list[Any] = [None] * count

    def call(index: int) -> None:
        client = tenku.client("lambda")
        kwargs: dict[str, Any] = {
            "FunctionName": name,
            "Payload": json.dumps(event).encode(),
            "LogType": "Tail",
        }
        if qualifier:
            kwargs["Qualifier"] = qualifier
        try:
            results[index] = client.invoke(**kwargs)
        except ClientError as error:
            results[index] = error

    threads = [threading.Thread(target=call, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_node_and_provided_runtimes(tenku: TenkuProcess, name: str) -> None:
    lam = tenku.client("lambda")
    lam.create_function(
        FunctionName=f"{name}-node",
        Runtime="nodejs20.x",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": zipped({"index.js": NODE})},
    )
    node = invoke(lam, f"{name}-node", {"a": 1})
    assert node["Body"]["echo"] == {"a": 1} and node["Body"]["node"].startswith("v")
    assert node["Body"]["name"] == f"{name}-node"
    lam.create_function(
        FunctionName=f"{name}-provided",
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="unused",
        Code={"ZipFile": zip_with_modes({"bootstrap": (BOOTSTRAP, 0o755)})},
    )
    provided = invoke(lam, f"{name}-provided", {"b": 2})
    assert provided["Body"] == {"provided": True, "echo": {"b": 2}}


def test_twenty_concurrent_invokes_scale_out(tenku: TenkuProcess, name: str) -> None:
    lam = tenku.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": SLEEPER})},
    )
    results = parallel(tenku, name, 20, {"sleep": 1.0})
    assert all(not isinstance(r, Exception) for r in results)
    # One log stream per execution environment.
    streams = tenku.client("logs").describe_log_streams(logGroupName=f"/aws/lambda/{name}")
    assert len(streams["logStreams"]) >= 18


def test_reserved_concurrency_two_throttles_the_third(tenku: TenkuProcess, name: str) -> None:
    lam = tenku.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": SLEEPER})},
    )
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    results = parallel(tenku, name, 3, {"sleep": 1.5})
    throttled = [r for r in results if isinstance(r, ClientError)]
    assert len(throttled) == 1
    assert throttled[0].response["Error"]["Code"] == "TooManyRequestsException"
    assert throttled[0].response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_provisioned_concurrency_starts_warm(tenku: TenkuProcess, name: str) -> None:
    lam = tenku.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": SLEEPER})},
    )
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    config = lam.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=3
    )
    assert config["Status"] in ("READY", "IN_PROGRESS")
    results = parallel(tenku, name, 3, {"sleep": 0.3}, qualifier="live")
    for result in results:
        log = base64.b64decode(result["LogResult"]).decode()
        assert "Init Duration" not in log, log
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)
    first = listed["ProvisionedConcurrencyConfigs"][0]
    assert first["RequestedProvisionedConcurrentExecutions"] == 3
    with pytest.raises(ClientError) as excinfo:
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_memory_limit_kills_and_reports(tenku: TenkuProcess, name: str) -> None:
    lam = tenku.client("lambda")
    hog = (
        "def handler(event, context):\n    data = bytearray(400 * 1024 * 1024)\n"
        "    return len(data)\n"
    )
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        MemorySize=128,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": hog})},
    )
    killed = invoke(lam, name, {}, LogType="Tail")
    assert killed["FunctionError"] == "Unhandled"
    assert killed["Body"]["errorType"] == "Runtime.OutOfMemory"
    assert "Max Memory Used: 128 MB" in base64.b64decode(killed["LogResult"]).decode()


def test_handler_not_found_is_an_init_error(tenku: TenkuProcess, name: str) -> None:
    lam = tenku.client("lambda")
    create(lam, name)
    lam.update_function_configuration(FunctionName=name, Handler="app.missing")
    failed = invoke(lam, name, {})
    assert failed["FunctionError"] == "Unhandled"
    assert failed["Body"]["errorType"] == "Runtime.HandlerNotFound"
    # The server is still fine afterwards.
    lam.update_function_configuration(FunctionName=name, Handler="app.handler")
    assert invoke(lam, name, {"n": 1})["Body"]["echo"] == {"n": 1}


def test_a_warm_idle_python_environment_is_small(tenku: TenkuProcess, name: str) -> None:
    from pathlib import Path

    lam = tenku.client("lambda")
    create(lam, name)
    invoke(lam, name, {"n": 1})
    marker = f"AWS_LAMBDA_FUNCTION_NAME={name}".encode()
    private_kb = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            rollup = (proc / "smaps_rollup").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in rollup.splitlines()[1:])
        private_kb.append(
            sum(int(fields[k].split()[0]) for k in ("Private_Clean", "Private_Dirty"))
        )
    assert len(private_kb) == 1  # one environment, warm and idle
    assert private_kb[0] < 15 * 1024, f"{private_kb[0]} kB private"
