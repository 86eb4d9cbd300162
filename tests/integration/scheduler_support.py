"""Helpers shared by the Scheduler tests: the server's clock, queues, and waiting."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from tests.integration.conftest import TenkuProcess

ROLE = "arn:aws:iam::000000000000:role/scheduler-role"
T = TypeVar("T")


def server_now(server: TenkuProcess) -> float:
    with urllib.request.urlopen(f"{server.endpoint}/_tenku/clock") as response:
        return float(json.loads(response.read())["now"])


def advance_to(server: TenkuProcess, instant: float) -> None:
    """Move the server's clock forward to `instant` (epoch seconds)."""
    server.advance_clock(max(instant - server_now(server), 0.0))


def iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    """(url, arn) of a new queue."""
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def drain(sqs: Any, url: str, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    """Receive (and delete) messages until `count` have arrived or `timeout` passes."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        found += batch
    return found


def eventually(check: Callable[[], T | None], timeout: float = 15.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)
