"""Lambda through the wire: boto3 creates a function from a zip and invokes it."""

from __future__ import annotations

import base64
import io
import json
import threading
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

HANDLER = """
import os
calls = 0

def handler(event, context):
    global calls
    calls += 1
    print("handling", event.get("n"))
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("sleep"):
        import time
        time.sleep(event["sleep"])
    return {
        "echo": event,
        "calls": calls,
        "function": context.function_name,
        "memory": context.memory_limit_in_mb,
        "region": os.environ["AWS_REGION"],
        "greeting": os.environ.get("GREETING"),
        "leaked": os.environ.get("TENKU_TEST_SECRET"),
        "secret": os.environ.get("AWS_SECRET_ACCESS_KEY"),
    }
"""


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def lam(tenku: TenkuProcess) -> Any:
    return tenku.client("lambda")


def create(lam: Any, name: str, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": HANDLER})},
        **extra,
    )
    return result


def invoke(lam: Any, name: str, event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = lam.invoke(
        FunctionName=name, Payload=json.dumps(event).encode(), **extra
    )
    response["Body"] = json.loads(response["Payload"].read())
    return response


def test_python_function_cold_then_warm(lam: Any, name: str) -> None:
    created = create(lam, name, Environment={"Variables": {"GREETING": "hello"}}, MemorySize=256)
    assert created["FunctionArn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    first = invoke(lam, name, {"n": 1}, LogType="Tail")
    assert first["StatusCode"] == 200 and "FunctionError" not in first
    assert first["Body"]["echo"] == {"n": 1}
    assert first["Body"]["function"] == name
    assert int(first["Body"]["memory"]) == 256
    assert first["Body"]["greeting"] == "hello"
    assert first["Body"]["leaked"] is None  # the server's environment never reaches a function
    assert first["Body"]["secret"] != "a-real-looking-secret"
    log = base64.b64decode(first["LogResult"]).decode()
    assert "START RequestId:" in log and "handling 1" in log and "Init Duration" in log
    second = invoke(lam, name, {"n": 2}, LogType="Tail")
    assert second["Body"]["calls"] == 2  # same environment, module state kept
    assert "Init Duration" not in base64.b64decode(second["LogResult"]).decode()


def test_unhandled_error_is_reported_as_lambda_does(lam: Any, name: str) -> None:
    create(lam, name)
    failed = invoke(lam, name, {"fail": True})
    assert failed["FunctionError"] == "Unhandled"
    assert failed["Body"]["errorType"] == "ValueError"
    assert failed["Body"]["errorMessage"] == "asked to fail"


def test_timeout_ends_the_invocation_and_the_next_one_works(lam: Any, name: str) -> None:
    create(lam, name, Timeout=1)
    slow = invoke(lam, name, {"sleep": 3})
    assert slow["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in slow["Body"]["errorMessage"]
    assert invoke(lam, name, {"n": 3})["Body"]["echo"] == {"n": 3}


def test_reserved_concurrency_throttles(tenku: TenkuProcess, lam: Any, name: str) -> None:
    create(lam, name)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    errors: list[str] = []

    def slow_call() -> None:
        client = tenku.client("lambda")
        try:
            client.invoke(FunctionName=name, Payload=json.dumps({"sleep": 1.5}).encode())
        except ClientError as error:
            errors.append(error.response["Error"]["Code"])

    thread = threading.Thread(target=slow_call)
    thread.start()
    import time

    time.sleep(0.5)
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name, Payload=b"{}")
    thread.join()
    assert excinfo.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert not errors


def test_unknown_function_and_bad_zip(lam: Any, name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=f"{name}-missing", Payload=b"{}")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": b"not a zip"},
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_tenku_invoke_prints_the_result_and_the_report(
    tenku: TenkuProcess, lam: Any, name: str
) -> None:
    import subprocess
    import sys

    create(lam, name)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tenku",
            "invoke",
            name,
            "--payload",
            '{"n": 5}',
            "--endpoint",
            tenku.endpoint,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["echo"] == {"n": 5}
    assert done.stderr.startswith("REPORT RequestId: ")
    failed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tenku",
            "invoke",
            name,
            "--payload",
            '{"fail": true}',
            "--endpoint",
            tenku.endpoint,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["errorType"] == "ValueError"


def wait_for_message(sqs: Any, url: str, seconds: float = 10.0) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        if got.get("Messages"):
            message: dict[str, Any] = got["Messages"][0]
            return message
    raise AssertionError("no message arrived")


def test_event_invoke_retries_then_goes_to_the_failure_destination(
    tenku: TenkuProcess, lam: Any, sqs: Any, name: str
) -> None:
    import time

    create(lam, name)
    failures = sqs.create_queue(QueueName=f"{name}-failures")["QueueUrl"]
    failures_arn = sqs.get_queue_attributes(QueueUrl=failures, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": failures_arn}}
    )
    accepted = lam.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps({"fail": True, "order": 7}).encode(),
    )
    assert accepted["StatusCode"] == 202
    time.sleep(1.0)  # the first attempt runs at once and fails
    assert "Messages" not in sqs.receive_message(QueueUrl=failures)
    tenku.advance_clock(61)  # Lambda waits a minute before the second attempt
    time.sleep(1.0)
    assert "Messages" not in sqs.receive_message(QueueUrl=failures)
    tenku.advance_clock(121)  # and two more before the third
    record = json.loads(wait_for_message(sqs, failures)["Body"])
    assert record["version"] == "1.0"
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["requestPayload"] == {"fail": True, "order": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_event_invoke_success_destination(
    tenku: TenkuProcess, lam: Any, sqs: Any, name: str
) -> None:
    create(lam, name)
    done = sqs.create_queue(QueueName=f"{name}-done")["QueueUrl"]
    done_arn = sqs.get_queue_attributes(QueueUrl=done, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    config = lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": done_arn}},
    )
    assert config["MaximumRetryAttempts"] == 0
    assert (
        lam.get_function_event_invoke_config(FunctionName=name)["DestinationConfig"]["OnSuccess"][
            "Destination"
        ]
        == done_arn
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 9}')
    record = json.loads(wait_for_message(sqs, done)["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"]["echo"] == {"n": 9}


def test_tenku_logs_prints_a_function_log(tenku: TenkuProcess, lam: Any, name: str) -> None:
    import subprocess
    import sys

    create(lam, name)
    invoke(lam, name, {"n": 77})
    done = subprocess.run(
        [sys.executable, "-m", "tenku", "logs", name, "--endpoint", tenku.endpoint],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("START RequestId: ")
    assert "handling 77" in lines
    assert lines[-1].startswith("REPORT RequestId: ")


def test_config_lists_page_with_markers(lam: Any, name: str) -> None:
    create(lam, name)
    for _ in range(2):
        lam.publish_version(FunctionName=name)
    for qualifier in ("$LATEST", "1", "2"):
        lam.put_function_event_invoke_config(
            FunctionName=name, Qualifier=qualifier, MaximumRetryAttempts=1
        )
    first = lam.list_function_event_invoke_configs(FunctionName=name, MaxItems=2)
    assert len(first["FunctionEventInvokeConfigs"]) == 2 and first["NextMarker"]
    rest = lam.list_function_event_invoke_configs(
        FunctionName=name, MaxItems=2, Marker=first["NextMarker"]
    )
    assert len(rest["FunctionEventInvokeConfigs"]) == 1 and "NextMarker" not in rest
    arns = {c["FunctionArn"] for c in first["FunctionEventInvokeConfigs"]}
    arns |= {c["FunctionArn"] for c in rest["FunctionEventInvokeConfigs"]}
    assert len(arns) == 3
