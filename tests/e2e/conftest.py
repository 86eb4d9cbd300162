"""`tenku up` as users run it: a subprocess on free ports, its output read line by line,
and the deployed application driven over HTTP and boto3."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"
READY_TIMEOUT_S = 90


def copy_shop(target: Path) -> Path:
    """A private copy of examples/shop (tests edit files; nothing lands in the repo)."""
    shutil.copytree(SHOP, target, ignore=shutil.ignore_patterns("__pycache__", ".tenku"))
    return target


def tenku_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONUNBUFFERED"] = "1"
    # This checkout's Tenku, whatever the working directory of the process is.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH")) if p)
    return env


@dataclass
class UpProcess:
    """A running `tenku up`; `lines` grows as it prints."""

    target: Path
    extra: list[str] = field(default_factory=list)
    cwd: Path | None = None
    ephemeral: bool = True  # else state in `.tenku/` of the working directory
    lines: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None
    endpoint: str = ""
    api_url: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    ready_after: float = 0.0
    ready_line: str = ""
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> UpProcess:
        args = [sys.executable, "-m", "tenku", "up", str(self.target), "--port", "0",
                "--api-port", "0", *(["--ephemeral"] if self.ephemeral else []),
                *self.extra]  # fmt: skip
        started = time.monotonic()
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=tenku_env(),
            cwd=self.cwd or (self.target if self.target.is_dir() else self.target.parent),
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.ready_line = self.wait_for(r"^Ready in ", timeout=READY_TIMEOUT_S)
        self.ready_after = time.monotonic() - started
        self.endpoint = self._find(r"^Tenku serving AWS APIs on (\S+)")
        self.api_url = self._find(r"^  API port: (\S+?)/? serves")
        in_outputs = False
        for line in self.lines:
            if line.startswith("Outputs of "):
                in_outputs = True
            elif in_outputs and (found := re.match(r"^  (\w+) = (.*)$", line)):
                self.outputs[found.group(1)] = found.group(2)
            elif in_outputs and not line.startswith("  "):
                in_outputs = False
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _find(self, pattern: str) -> str:
        for line in self.lines:
            if found := re.search(pattern, line):
                return found.group(1)
        raise AssertionError(f"no line matches {pattern!r}:\n" + "\n".join(self.lines))

    def mark(self) -> int:
        with self._changed:
            return len(self.lines)

    def wait_for(self, pattern: str, timeout: float = 30, since: int = 0) -> str:
        """The first line from `since` on that matches; fails with the output so far."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        with self._changed:
            while True:
                for line in self.lines[since:]:
                    if regex.search(line):
                        return line
                exited = self.process is not None and self.process.poll() is not None
                left = deadline - time.monotonic()
                if left <= 0 or exited:
                    raise AssertionError(
                        f"no line matching {pattern!r} within {timeout} s"
                        f"{' (tenku up exited)' if exited else ''}; output:\n"
                        + "\n".join(self.lines[-200:])
                    )
                self._changed.wait(min(left, 0.5))

    def output_since(self, since: int) -> str:
        with self._changed:
            return "\n".join(self.lines[since:])

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    # -- driving the application ------------------------------------------------------
    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 0}),
        )

    def advance_clock(self, seconds: float) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}/_tenku/clock",
            data=json.dumps({"advance": seconds}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request) as answer:
            assert answer.status == 200

    def token(self, username: str) -> str:
        """A user of the stack's pool (made if new) and their ID token, by `tenku token`."""
        pool = self.outputs["UserPoolId"]
        cognito = self.client("cognito-idp")
        with contextlib.suppress(cognito.exceptions.UsernameExistsException):
            cognito.admin_create_user(
                UserPoolId=pool,
                Username=username,
                UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
                MessageAction="SUPPRESS",
            )
        done = subprocess.run(
            [sys.executable, "-m", "tenku", "token", "--user-pool", pool, "--username", username,
             "--endpoint", self.endpoint],
            capture_output=True, text=True, env=tenku_env(), timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


def call(
    url: str,
    method: str = "GET",
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """(status, lower-cased headers, JSON body or text) of one HTTP request."""
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    sent = {"content-type": "application/json", **(headers or {})}
    if token:
        sent["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, got, raw = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as failure:
        status, got, raw = failure.code, dict(failure.headers), failure.read()
    text = raw.decode()
    try:
        parsed: Any = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return status, {k.lower(): v for k, v in got.items()}, parsed


def eventually(check: Any, timeout: float = 30, every: float = 0.2) -> Any:
    """`check()`'s first truthy result, retried until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still {result!r} after {timeout} s")
        time.sleep(every)
