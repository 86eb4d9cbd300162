"""`tenku start` as a process: its ready line, health route, default binding, signals,
what it keeps on disk, and how it answers for services it does not implement.

These tests launch their own servers (in a temporary working directory, with a clean
environment) instead of sharing the session one, except where only a request is needed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tenku import __version__ as TENKU_VERSION
from tests.integration.conftest import TenkuProcess

READY = re.compile(r"Tenku ready on http://127\.0\.0\.1:(\d+)\n")


@dataclass
class Server:
    process: subprocess.Popen[str]
    ready_line: str
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="AKIDTENKUTEST",
            aws_secret_access_key="secret",
            config=Config(retries={"max_attempts": 0}, read_timeout=60),
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> tuple[int, float]:
        """Send `sig`; returns (exit code, seconds it took to exit)."""
        began = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - began


def launch(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """`tenku start --port 0 ARGS` in `cwd`, with no AWS_* or TENKU_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TENKU_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "tenku", "start", "--port", "0", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**clean, **(env or {})},
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # the very first line is the ready line
    match = READY.fullmatch(line)
    if match is None:
        process.kill()
        raise AssertionError(f"unexpected first line {line!r}; stderr: {process.stderr!r}")
    return Server(process, line, int(match.group(1)))


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers a test launched; any still running at the end are killed."""
    started: list[Server] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def get_json(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state on `port`, from /proc/net/tcp{,6} (Linux)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


# -- start-up ------------------------------------------------------------------------------
def test_ready_line_and_default_binding(tmp_path: Path, servers: list[Server]) -> None:
    server = launch(tmp_path, "--ephemeral")
    servers.append(server)
    assert server.ready_line == f"Tenku ready on http://127.0.0.1:{server.port}\n"
    if sys.platform.startswith("linux"):
        # 127.0.0.1 in /proc's little-endian hex; nothing on 0.0.0.0 or ::
        assert listening_addresses(server.port) == {"0100007F"}
    with socket.create_connection(("127.0.0.1", server.port), timeout=5):
        pass


def test_health_route(tenku: TenkuProcess) -> None:
    status, health = get_json(f"{tenku.endpoint}/_tenku/health")
    assert status == 200
    assert health["status"] == "running"
    assert health["version"] == TENKU_VERSION
    assert health["services"]["sqs"] == "running"
    assert set(health["services"].values()) == {"running"}
    assert set(health) == {"status", "version", "services"}


def test_unknown_tenku_route_is_json_404(tenku: TenkuProcess) -> None:
    status, body = get_json(f"{tenku.endpoint}/_tenku/no-such-thing")
    assert status == 404
    assert "no-such-thing" in body["error"]


# -- shutdown ------------------------------------------------------------------------------
@dataclass
class Stopped:
    code: int
    took: float
    stderr: str
    poll_outcome: dict[str, Any]


def stop_during_long_poll(cwd: Path, sig: int) -> Stopped:
    """Start a server with a 20 s long poll parked on it, then send `sig`."""
    server = launch(cwd, "--data-dir", str(cwd / "data"))
    try:
        sqs = server.client("sqs")
        url = sqs.create_queue(QueueName="waiting")["QueueUrl"]
        outcome: dict[str, Any] = {}

        def long_poll() -> None:
            try:
                outcome["answer"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
            except Exception as error:  # the server may close the connection under us
                outcome["error"] = error

        poller = threading.Thread(target=long_poll)
        poller.start()
        time.sleep(0.5)  # the poll is parked on the server
        assert poller.is_alive()
        code, took = server.stop(sig)
        poller.join(timeout=10)
        assert not poller.is_alive()
        assert server.process.stderr is not None
        return Stopped(code, took, server.process.stderr.read(), outcome)
    finally:
        if server.process.poll() is None:
            server.process.kill()


def stop_both(tmp_path: Path) -> dict[str, Stopped]:
    """SIGTERM one server and SIGINT another, side by side (each waits out a poll)."""
    signals = {"SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT}
    for name in signals:
        (tmp_path / name).mkdir()
    with ThreadPoolExecutor(len(signals)) as pool:
        futures = {
            n: pool.submit(stop_during_long_poll, tmp_path / n, s) for n, s in signals.items()
        }
        return {name: future.result() for name, future in futures.items()}


def test_signals_stop_cleanly_during_a_long_poll(tmp_path: Path) -> None:
    for name, stopped in stop_both(tmp_path).items():
        assert stopped.code == 0, name
        assert stopped.took < 8, f"{name}: took {stopped.took:.1f}s to stop"
        assert "Traceback" not in stopped.stderr, stopped.stderr
        assert "Messages" not in stopped.poll_outcome.get("answer", {})


def test_signals_stop_promptly_during_a_long_poll(tmp_path: Path) -> None:
    for name, stopped in stop_both(tmp_path).items():
        assert stopped.took < 2, f"{name}: took {stopped.took:.1f}s to stop"


# -- state on disk -------------------------------------------------------------------------
def test_ephemeral_keeps_nothing_on_disk(tmp_path: Path, servers: list[Server]) -> None:
    work, scratch = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    scratch.mkdir()
    server = launch(work, "--ephemeral", env={"TMPDIR": str(scratch), "HOME": str(scratch)})
    servers.append(server)
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName="fleeting", tags={"k": "v"})["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x" * 50_000} for i in range(10)]
    )
    assert server.stop()[0] == 0
    assert files_under(tmp_path) == []

    again = launch(work, "--ephemeral", env={"TMPDIR": str(scratch)})
    servers.append(again)
    assert again.client("sqs").list_queues().get("QueueUrls", []) == []


def test_data_dir_state_survives_a_clean_restart(tmp_path: Path, servers: list[Server]) -> None:
    data = tmp_path / "state"
    first = launch(tmp_path, "--data-dir", str(data))
    servers.append(first)
    sqs = first.client("sqs")
    url = sqs.create_queue(
        QueueName="durable.fifo",
        Attributes={"FifoQueue": "true", "VisibilityTimeout": "77"},
        tags={"team": "core"},
    )["QueueUrl"]
    sent = [
        sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageGroupId="g", MessageDeduplicationId=body
        )["MessageId"]
        for body in ("one", "two", "three")
    ]
    assert first.stop()[0] == 0
    assert files_under(data)

    second = launch(tmp_path, "--data-dir", str(data))
    servers.append(second)
    sqs = second.client("sqs")
    assert sqs.get_queue_url(QueueName="durable.fifo")["QueueUrl"] == url.replace(
        str(first.port), str(second.port)
    )
    url = sqs.get_queue_url(QueueName="durable.fifo")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "77"
    assert attributes["ApproximateNumberOfMessages"] == "3"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core"}
    # deduplication ids are remembered across the restart too
    repeat = sqs.send_message(
        QueueUrl=url, MessageBody="one", MessageGroupId="g", MessageDeduplicationId="one"
    )
    assert repeat["MessageId"] == sent[0]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["MessageId"] for m in messages] == sent


# -- services Tenku does not implement -------------------------------------------------------
@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("stepfunctions", "list_state_machines"),
        ("kinesis", "list_streams"),
        ("sns", "list_platform_applications"),
    ],
)
def test_unimplemented_service_is_an_aws_error(
    tenku: TenkuProcess, service: str, operation: str
) -> None:
    client = tenku.client(service)
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)()
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] != 500
    assert 400 <= response["ResponseMetadata"]["HTTPStatusCode"] < 600
    assert response["Error"]["Code"]
    assert service in response["Error"]["Message"]


def test_unroutable_request_gets_a_json_error(tenku: TenkuProcess) -> None:
    request = urllib.request.Request(f"{tenku.endpoint}/favicon.ico")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert 400 <= caught.value.code < 500
    assert "__type" in json.loads(caught.value.read())
