"""Starting, probing and stopping the servers under test (Tenku, moto_server, ministack).

Each server runs as one child process bound to 127.0.0.1 on a free port, with its output
discarded. "Ready" means: the first raw ``ListQueues`` POST that comes back 200.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqs_common import call, free_port

VENV_BIN = os.path.dirname(sys.executable)
# Bytecode caches for the servers, kept out of the source tree. Without it, a tree whose
# __pycache__ is stale (or PYTHONDONTWRITEBYTECODE=1) recompiles modules on every start.
PYCACHE = os.path.join(tempfile.gettempdir(), "sqsbench-pycache")


@dataclass
class ServerSpec:
    name: str
    argv: Callable[[int, str], list[str]]  # (port, scratch dir) -> command line
    env: Callable[[int], dict[str, str]] = lambda port: {}
    durable: bool = False
    note: str = ""


def _tenku_argv(port: int, scratch: str) -> list[str]:
    data_dir = os.path.join(scratch, "data")
    return [sys.executable, "-m", "tenku", "start", "--port", str(port), "--data-dir", data_dir]


def _moto_argv(port: int, scratch: str) -> list[str]:
    return [os.path.join(VENV_BIN, "moto_server"), "-H", "127.0.0.1", "-p", str(port)]


def _ministack_argv(port: int, scratch: str) -> list[str]:
    return [os.path.join(VENV_BIN, "ministack")]


def _ministack_env(port: int) -> dict[str, str]:
    # ministack takes its port from the environment; BIND_HOST keeps it off 0.0.0.0.
    return {"GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1"}


SERVERS: dict[str, ServerSpec] = {
    "tenku": ServerSpec(
        "tenku", _tenku_argv, durable=True, note="default durable mode (SQLite WAL on ext4)"
    ),
    "moto": ServerSpec("moto", _moto_argv, note="moto_server (Werkzeug), in memory"),
    "ministack": ServerSpec(
        "ministack",
        _ministack_argv,
        _ministack_env,
        note="ministack (Hypercorn), in memory, default services",
    ),
}


@dataclass
class Server:
    spec: ServerSpec
    port: int
    proc: subprocess.Popen[bytes]
    scratch: str
    startup_s: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)


def probe(port: int) -> bool:
    """True once the server answers a real SQS call with 200."""
    try:
        return call(port, "ListQueues", {}, timeout=5.0).status == 200
    except OSError:
        return False


def start(spec: ServerSpec, timeout: float = 60.0) -> Server:
    """Start a server and wait until it answers ListQueues; records the start-up time."""
    port = free_port()
    scratch = tempfile.mkdtemp(prefix=f"sqsbench-{spec.name}-")
    env = {**os.environ, "PYTHONPYCACHEPREFIX": PYCACHE, **spec.env(port)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        spec.argv(port, scratch),
        env=env,
        cwd=scratch,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(spec, port, proc, scratch)
    deadline = t0 + timeout
    while not probe(port):
        if proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"{spec.name} exited with {proc.returncode} during start-up")
        if time.perf_counter() > deadline:
            server.stop()
            raise RuntimeError(f"{spec.name} not ready after {timeout} s")
        time.sleep(0.002)
    server.startup_s = time.perf_counter() - t0
    return server
