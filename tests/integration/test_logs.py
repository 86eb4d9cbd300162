"""CloudWatch Logs through boto3: groups, streams, events, filters; Lambda's own logs."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess


@pytest.fixture
def logs(tenku: TenkuProcess) -> Any:
    return tenku.client("logs")


def test_put_get_and_filter_events(logs: Any, name: str) -> None:
    group = f"/app/{name}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s1",
        logEvents=[
            {"timestamp": now, "message": "INFO started"},
            {"timestamp": now + 1, "message": '{"level": "ERROR", "code": 500}'},
            {"timestamp": now + 2, "message": "INFO done"},
        ],
    )
    got = logs.get_log_events(logGroupName=group, logStreamName="s1", startFromHead=True)
    assert [e["message"] for e in got["events"]] == [
        "INFO started",
        '{"level": "ERROR", "code": 500}',
        "INFO done",
    ]
    text = logs.filter_log_events(logGroupName=group, filterPattern="INFO")
    assert [e["message"] for e in text["events"]] == ["INFO started", "INFO done"]
    json_match = logs.filter_log_events(logGroupName=group, filterPattern="{ $.code = 500 }")
    assert len(json_match["events"]) == 1
    groups = logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"]
    assert group in [g["logGroupName"] for g in groups]
    with pytest.raises(ClientError) as excinfo:
        logs.create_log_group(logGroupName=group)
    assert excinfo.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as excinfo:
        logs.get_log_events(logGroupName=f"{group}-missing", logStreamName="s1")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_function_log_lands_in_its_log_group(tenku: TenkuProcess, logs: Any, name: str) -> None:
    from tests.integration.test_lambda_invoke import create, invoke

    lam = tenku.client("lambda")
    create(lam, name)
    invoke(lam, name, {"n": 42})
    group = f"/aws/lambda/{name}"
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert len(streams) == 1 and "[$LATEST]" in streams[0]["logStreamName"]
    events = logs.filter_log_events(logGroupName=group)["events"]
    messages = [e["message"] for e in events]
    assert messages[0].startswith("START RequestId: ")
    assert any("handling 42" in m for m in messages)
    assert messages[-1].startswith("REPORT RequestId: ")
    report = logs.filter_log_events(logGroupName=group, filterPattern='"Init Duration"')
    assert len(report["events"]) == 1
