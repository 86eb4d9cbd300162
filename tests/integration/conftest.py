"""Black-box fixtures: a real Tenku server in its own process, driven over the wire."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

BIN_DIR = Path(sys.executable).parent


@dataclass
class TenkuProcess:
    """A running `tenku start`; `endpoint` is its base URL."""

    data_dir: Path | None
    extra_args: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[str] | None = None
    endpoint: str = ""

    def start(self, port: int = 0) -> TenkuProcess:
        args = [sys.executable, "-m", "tenku", "start", "--port", str(port), *self.extra_args]
        args += ["--data-dir", str(self.data_dir)] if self.data_dir else ["--ephemeral"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        # Markers that must never reach a function's environment (see the Lambda tests).
        env["TENKU_TEST_SECRET"] = "server-only"
        env["AWS_SECRET_ACCESS_KEY"] = "a-real-looking-secret"
        env.update(self.extra_env)
        self.process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        deadline = time.monotonic() + 20
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"tenku exited early with {self.process.wait()}")
            if line.startswith("Tenku ready on "):
                self.endpoint = line.split("Tenku ready on ", 1)[1].strip()
                return self
        raise RuntimeError("tenku did not become ready")

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.kill(signal.SIGTERM)

    def client(self, service: str, region: str = "us-east-1", **config: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="AKIDTENKUTEST",
            aws_secret_access_key="secret",
            config=Config(retries={"max_attempts": 0}, **config),
        )

    def advance_clock(self, seconds: float) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}/_tenku/clock",
            data=json.dumps({"advance": seconds}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            assert response.status == 200

    def aws(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the AWS CLI against this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID="AKIDTENKUTEST",
            AWS_SECRET_ACCESS_KEY="secret",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_PAGER="",
        )
        return subprocess.run(
            [str(BIN_DIR / "aws"), "--endpoint-url", self.endpoint, "--output", "json", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )


@pytest.fixture(scope="session")
def tenku(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TenkuProcess]:
    server = TenkuProcess(tmp_path_factory.mktemp("tenku-data")).start()
    yield server
    server.stop()


@pytest.fixture
def fresh_tenku(tmp_path: Path) -> Iterator[TenkuProcess]:
    """A server of the test's own, on a data directory of its own."""
    server = TenkuProcess(tmp_path / "data").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqs(tenku: TenkuProcess) -> Any:
    return tenku.client("sqs")


@pytest.fixture
def name() -> str:
    return f"q-{uuid.uuid4().hex[:12]}"
