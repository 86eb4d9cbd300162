"""Configurable Lambda limits: the account's concurrency and the idle time of warm
environments (TENKU_LAMBDA_CONCURRENCY, TENKU_LAMBDA_IDLE_SECONDS)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess
from tests.integration.test_lambda_invoke import create, invoke


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TenkuProcess]:
    server = TenkuProcess(
        tmp_path / "data",
        extra_env={"TENKU_LAMBDA_CONCURRENCY": "2", "TENKU_LAMBDA_IDLE_SECONDS": "1"},
    ).start()
    try:
        yield server
    finally:
        server.stop()


def test_account_limit_throttles_with_its_reason(limited: TenkuProcess, name: str) -> None:
    lam = limited.client("lambda")
    settings = lam.get_account_settings()["AccountLimit"]
    assert settings["ConcurrentExecutions"] == 2
    create(lam, name)
    create(lam, f"{name}-b")
    outcomes: list[Any] = []

    def sleeper(function: str) -> None:
        client = limited.client("lambda")
        answer = client.invoke(FunctionName=function, Payload=json.dumps({"sleep": 1.5}).encode())
        outcomes.append(answer["StatusCode"])

    threads = [threading.Thread(target=sleeper, args=(f,)) for f in (name, f"{name}-b")]
    for thread in threads:
        thread.start()
    time.sleep(0.8)  # both are running: the account's two slots are taken
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName=name, Payload=b"{}")
    for thread in threads:
        thread.join()
    error = caught.value.response
    assert error["Error"]["Code"] == "TooManyRequestsException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Reason"] == "ConcurrentInvocationLimitExceeded"
    assert outcomes == [200, 200]
    assert invoke(lam, name, {"n": 1})["StatusCode"] == 200  # free again


def test_idle_environments_are_reaped(limited: TenkuProcess, name: str) -> None:
    lam = limited.client("lambda")
    create(lam, name)
    first = invoke(lam, name, {"n": 1}, LogType="Tail")
    warm = invoke(lam, name, {"n": 2}, LogType="Tail")
    assert warm["Body"]["calls"] == 2  # same environment
    time.sleep(2.5)  # past the 1 s idle time (reaped within a quarter of it after)
    later = invoke(lam, name, {"n": 3}, LogType="Tail")
    assert later["Body"]["calls"] == 1  # a new environment: module state is gone
    assert "Init Duration" in base64.b64decode(first["LogResult"]).decode()
    assert "Init Duration" in base64.b64decode(later["LogResult"]).decode()
