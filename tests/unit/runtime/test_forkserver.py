"""Python environments forked by the zygote behave exactly like exec'd ones."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tenku.config import from_environment
from tenku.core.functions import FunctionSpec
from tenku.runtime import LambdaEngine
from tenku.runtime.environment import Environment
from tests.unit.runtime.conftest import make_spec, write_code

ENV_DUMP = """
import os, sys
def handler(event, context):
    raw = open("/proc/self/environ", "rb").read().split(b"\\0")
    proc = sorted(x.decode() for x in raw if x)
    return {"env": dict(os.environ), "proc": proc, "cwd": os.getcwd(), "argv": sys.argv,
            "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
            "sid": os.getsid(0) == os.getpid()}
"""
GETPID = "import os\ndef handler(e, c):\n    return os.getpid()\n"
VARYING = ("AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "TMPDIR", "_X_AMZN_TRACE_ID")


def run(
    tmp_path: Path, body: Callable[[LambdaEngine], Awaitable[None]], python_fork: bool = True
) -> None:
    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work", python_fork=python_fork)
        try:
            if engine.forkserver is not None:
                assert await engine.forkserver.ready()
            await body(engine)
        finally:
            await engine.close()

    asyncio.run(main())


def only_env(engine: LambdaEngine, spec: FunctionSpec) -> Environment:
    envs = [e for e in engine._all if e.spec.name == spec.name]
    assert len(envs) == 1
    return envs[0]


async def invoke(engine: LambdaEngine, spec: FunctionSpec, payload: bytes = b"{}") -> Any:
    result = await engine.invoke(spec, payload, request_id=f"req-{spec.name}")
    return result, json.loads(result.payload)


def stable(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in VARYING}


def test_forked_environment_is_what_exec_would_have_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENKU_TEST_SECRET", "server-only")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "a-real-looking-secret")
    code = write_code(tmp_path, {"app.py": ENV_DUMP})
    spec = make_spec(code, environment=(("MY_VAR", "1"),), layer_dirs=(str(tmp_path),))
    seen: dict[bool, Any] = {}

    def body_for(fork: bool) -> Callable[[LambdaEngine], Awaitable[None]]:
        async def body(engine: LambdaEngine) -> None:
            result, doc = await invoke(engine, spec)
            assert result.function_error is None, doc
            assert only_env(engine, spec).forked is fork
            seen[fork] = doc

        return body

    run(tmp_path, body_for(True))
    run(tmp_path, body_for(False), python_fork=False)
    forked, execd = seen[True], seen[False]
    assert stable(forked["env"]) == stable(execd["env"])
    assert forked["env"]["MY_VAR"] == "1"
    assert "TENKU_TEST_SECRET" not in forked["env"]
    assert forked["env"]["AWS_SECRET_ACCESS_KEY"] == "test"
    # what ps and /proc/PID/environ show is the environment too, not the zygote's
    proc = dict(line.split("=", 1) for line in forked["proc"])
    # The Runtime API socket variable is in the start-up block (as for an exec'd process)
    # and out of os.environ: the bootstrap took it out before loading the handler.
    assert proc.pop("TENKU_RUNTIME_API_SOCKET", "").endswith(".sock")
    assert stable(proc) == stable(execd["env"]) and "TENKU_ENVIRON_ROOM" not in proc
    for key in ("cwd", "argv", "sid"):
        assert forked[key] == execd[key], key
    assert forked["fds"] == execd["fds"]  # 0, 1, 2 and the runtime client's socket


CRASHES = {
    "exit": "import sys\ndef handler(event, context):\n    sys.exit(3)\n",
    "segv": "import os, signal\ndef handler(event, context):\n"
    "    os.kill(os.getpid(), signal.SIGSEGV)\n",
    "init": "import sys\nsys.exit(2)\n",
}


def test_exits_and_crashes_are_reported_the_same_on_both_paths(tmp_path: Path) -> None:
    seen: dict[bool, dict[str, tuple[str | None, Any]]] = {True: {}, False: {}}

    def body_for(fork: bool) -> Callable[[LambdaEngine], Awaitable[None]]:
        async def body(engine: LambdaEngine) -> None:
            for name, source in CRASHES.items():
                spec = make_spec(write_code(tmp_path / name, {"app.py": source}), name=name)
                result, doc = await invoke(engine, spec)
                seen[fork][name] = (result.function_error, doc)

        return body

    for name in CRASHES:
        (tmp_path / name).mkdir()
    run(tmp_path, body_for(True))
    run(tmp_path, body_for(False), python_fork=False)
    assert seen[True] == seen[False]
    assert seen[True]["exit"][1] == {
        "errorType": "Runtime.ExitError",
        "errorMessage": "RequestId: req-exit Error: Runtime exited with error: exit status 3",
    }
    assert seen[True]["segv"][1]["errorMessage"].endswith("signal: segmentation fault")
    assert seen[True]["init"][1]["errorMessage"].endswith("exit status 2")


def test_out_of_memory_still_kills_a_forked_environment(tmp_path: Path) -> None:
    hog = "def handler(event, context):\n    data = bytearray(400 * 1024 * 1024)\n    return 1\n"
    spec = make_spec(write_code(tmp_path, {"app.py": hog}), memory_mb=128)

    async def body(engine: LambdaEngine) -> None:
        result, doc = await invoke(engine, spec)
        assert result.function_error == "Unhandled"
        assert doc["errorType"] == "Runtime.OutOfMemory"
        assert engine.forkserver is not None and engine.forkserver.forks == 1

    run(tmp_path, body)


def test_zygote_killed_is_replaced_and_its_children_live_on(tmp_path: Path) -> None:
    code = write_code(tmp_path, {"app.py": GETPID})
    first, second = make_spec(code, name="first"), make_spec(code, name="second")

    async def body(engine: LambdaEngine) -> None:
        server = engine.forkserver
        assert server is not None and server.pid is not None
        _, pid = await invoke(engine, first)
        old = server.pid
        os.kill(old, signal.SIGKILL)
        _, again = await invoke(engine, first)  # the forked environment still answers
        assert again == pid
        result, _ = await invoke(engine, second)  # a cold start right after: never fails
        assert result.function_error is None
        assert await server.ready() and server.pid not in (None, old)
        third = make_spec(code, name="third")
        await invoke(engine, third)
        assert only_env(engine, third).forked
        # the orphan's end is still seen, without its zygote
        env = only_env(engine, first)
        os.kill(pid, signal.SIGKILL)
        await asyncio.wait_for(asyncio.gather(*env._tasks), 5)
        assert not env.alive and env.exit_status == "signal: killed"

    run(tmp_path, body)


def test_function_packages_shadow_preloaded_modules(tmp_path: Path) -> None:
    probe = (
        "import sys\nPRELOADED = 'boto3' in sys.modules\ndef handler(e, c):\n    return PRELOADED\n"
    )
    mine = (
        "import boto3, botocore\ndef handler(e, c):\n"
        "    return [boto3.__file__, botocore.__file__, boto3.mine]\n"
    )
    layer = tmp_path / "layer"
    (layer / "python" / "botocore").mkdir(parents=True)
    (layer / "python" / "botocore" / "__init__.py").write_text("")
    code = write_code(tmp_path, {"app.py": mine})
    (code / "boto3").mkdir()
    (code / "boto3" / "__init__.py").write_text("mine = True\n")
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    probe_code = write_code(probe_dir, {"app.py": probe})

    async def body(engine: LambdaEngine) -> None:
        deadline = time.monotonic() + 20
        for i in range(1000):  # until the zygote has preloaded boto3 in its idle time
            _, preloaded = await invoke(engine, make_spec(probe_code, name=f"probe{i}"))
            if preloaded or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert preloaded
        spec = make_spec(code, name="mine", layer_dirs=(str(layer),))
        result, doc = await invoke(engine, spec)
        assert result.function_error is None, doc
        assert doc == [
            str(code / "boto3" / "__init__.py"),
            str(layer / "python" / "botocore" / "__init__.py"),
            True,
        ]
        assert only_env(engine, spec).forked

    run(tmp_path, body)


def test_a_warm_idle_forked_environment_has_little_private_memory(tmp_path: Path) -> None:
    code = write_code(tmp_path, {"app.py": GETPID})

    async def body(engine: LambdaEngine) -> None:
        await asyncio.sleep(1.5)  # let the zygote preload boto3
        _, pid = await invoke(engine, make_spec(code))
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        fields = dict(line.split(":", 1) for line in rollup.splitlines()[1:])
        private = sum(int(fields[k].split()[0]) for k in ("Private_Clean", "Private_Dirty"))
        assert private < 15 * 1024, f"{private} kB private"

    run(tmp_path, body)


def test_the_zygote_goes_when_the_server_is_killed(tmp_path: Path) -> None:
    script = (
        "import asyncio\nfrom tenku.runtime.forkserver import Forkserver\n"
        "async def main():\n    f = Forkserver()\n    assert await f.ready()\n"
        "    print(f.pid, flush=True)\n    await asyncio.sleep(60)\nasyncio.run(main())\n"
    )
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    zygote = int(server.stdout.readline())
    server.kill()
    server.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(zygote, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{zygote}/stat") as fh:
            if fh.read().rpartition(")")[2].split()[0] == "Z":
                return  # exited; waiting for init to reap it
        time.sleep(0.02)
    raise AssertionError("the zygote outlived its server")


def test_closing_the_engine_stops_the_zygote_and_the_setting_disables_it(
    tmp_path: Path,
) -> None:
    pids: list[int] = []

    async def body(engine: LambdaEngine) -> None:
        assert engine.forkserver is not None and engine.forkserver.pid is not None
        pids.append(engine.forkserver.pid)

    run(tmp_path, body)
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)
    assert from_environment({"TENKU_PYTHON_FORK": "0"}).python_fork is False
    assert from_environment({}).python_fork is True
