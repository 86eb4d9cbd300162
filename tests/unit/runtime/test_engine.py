"""LambdaEngine end to end with real child processes: results, warm reuse, limits, errors."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tenku.core.functions import Throttled
from tenku.runtime import LambdaEngine
from tests.unit.runtime.conftest import make_spec, write_code

COUNTER = """
import os
count = 0
def handler(event, context):
    global count
    count += 1
    print("invoked", count)
    return {"count": count, "event": event, "pid": os.getpid(),
            "remaining": context.get_remaining_time_in_millis(),
            "request_id": context.aws_request_id, "name": context.function_name}
"""


def run(tmp_path: Path, body: Callable[[LambdaEngine], Awaitable[None]]) -> None:
    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            await body(engine)
        finally:
            await engine.close()

    asyncio.run(main())


def doc(payload: bytes) -> Any:
    return json.loads(payload)


def test_python_function_returns_json_and_second_invoke_is_warm(tmp_path: Path) -> None:
    spec = make_spec(write_code(tmp_path, {"app.py": COUNTER}))

    async def body(engine: LambdaEngine) -> None:
        first = await engine.invoke(spec, b'{"a": 1}', request_id="req-1")
        second = await engine.invoke(spec, b'{"a": 2}', request_id="req-2")
        one, two = doc(first.payload), doc(second.payload)
        assert first.function_error is None and first.cold_start
        assert one["event"] == {"a": 1} and one["request_id"] == "req-1"
        assert one["name"] == "fn" and 0 < one["remaining"] <= 3000
        assert two["count"] == 2 and two["pid"] == one["pid"]
        assert not second.cold_start and second.init_ms == 0.0
        assert "Init Duration" in first.log_tail and "Init Duration" not in second.log_tail
        assert "invoked 2" in second.log_tail

    run(tmp_path, body)


def test_report_line_format(tmp_path: Path) -> None:
    spec = make_spec(write_code(tmp_path, {"app.py": COUNTER}), memory_mb=256)

    async def body(engine: LambdaEngine) -> None:
        result = await engine.invoke(spec, b"{}", request_id="rid")
        lines = result.log_tail.splitlines()
        assert lines[0] == "START RequestId: rid Version: $LATEST"
        assert lines[-2] == "END RequestId: rid"
        assert re.fullmatch(
            r"REPORT RequestId: rid\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms"
            r"\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms",
            lines[-1],
        )
        assert result.max_memory_mb > 0 and result.billed_ms >= 1

    run(tmp_path, body)


def test_concurrent_invokes_start_separate_environments(tmp_path: Path) -> None:
    code = "import os, time\ndef handler(e, c):\n    time.sleep(0.2)\n    return os.getpid()\n"
    spec = make_spec(write_code(tmp_path, {"app.py": code}))

    async def body(engine: LambdaEngine) -> None:
        results = await asyncio.gather(
            *(engine.invoke(spec, b"{}", request_id=f"r{i}") for i in range(5))
        )
        assert len({r.payload for r in results}) == 5
        assert all(r.cold_start for r in results)

    run(tmp_path, body)


def test_reserved_concurrency_throttles(tmp_path: Path) -> None:
    code = "import time\ndef handler(e, c):\n    time.sleep(0.3)\n    return 1\n"
    spec = make_spec(write_code(tmp_path, {"app.py": code}), reserved_concurrency=1)

    async def body(engine: LambdaEngine) -> None:
        first = asyncio.create_task(engine.invoke(spec, b"{}", request_id="a"))
        await asyncio.sleep(0.05)
        with pytest.raises(Throttled) as info:
            await engine.invoke(spec, b"{}", request_id="b")
        assert info.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert (await first).payload == b"1"

    run(tmp_path, body)


def test_account_concurrency_throttles(tmp_path: Path) -> None:
    code = "import time\ndef handler(e, c):\n    time.sleep(0.3)\n    return 1\n"
    spec = make_spec(write_code(tmp_path, {"app.py": code}))

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work", account_concurrency=1)
        try:
            first = asyncio.create_task(engine.invoke(spec, b"{}", request_id="a"))
            await asyncio.sleep(0.05)
            with pytest.raises(Throttled) as info:
                await engine.invoke(spec, b"{}", request_id="b")
            assert info.value.reason == "ConcurrentInvocationLimitExceeded"
            await first
        finally:
            await engine.close()

    asyncio.run(main())


def test_timeout_kills_environment_and_next_invoke_is_fresh(tmp_path: Path) -> None:
    code = (
        "import os, time\ndef handler(e, c):\n    if e.get('sleep'):\n        time.sleep(5)\n"
        "    return os.getpid()\n"
    )
    spec = make_spec(write_code(tmp_path, {"app.py": code}), timeout_s=1.0)

    async def body(engine: LambdaEngine) -> None:
        first = await engine.invoke(spec, b"{}", request_id="warm")
        timed = await engine.invoke(spec, b'{"sleep": true}', request_id="slow")
        assert timed.function_error == "Unhandled"
        message = doc(timed.payload)["errorMessage"]
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z slow Task timed out after 1\.00 seconds",
            message,
        )
        after = await engine.invoke(spec, b"{}", request_id="after")
        assert after.function_error is None and after.cold_start
        assert after.payload != first.payload

    run(tmp_path, body)


def test_unhandled_exception_gives_error_document(tmp_path: Path) -> None:
    code = "def handler(e, c):\n    raise ValueError('bad input')\n"
    spec = make_spec(write_code(tmp_path, {"app.py": code}))

    async def body(engine: LambdaEngine) -> None:
        result = await engine.invoke(spec, b"{}", request_id="boom")
        error = doc(result.payload)
        assert result.function_error == "Unhandled"
        assert error["errorType"] == "ValueError" and error["errorMessage"] == "bad input"
        assert error["requestId"] == "boom"
        assert any("raise ValueError" in frame for frame in error["stackTrace"])
        assert "[ERROR] ValueError: bad input" in result.log_tail
        again = await engine.invoke(spec, b"{}", request_id="boom2")
        assert not again.cold_start  # an unhandled error keeps the environment

    run(tmp_path, body)


def test_handler_not_found_and_import_error(tmp_path: Path) -> None:
    code_dir = write_code(tmp_path, {"app.py": "x = 1\n", "broken.py": "import nope_missing\n"})

    async def body(engine: LambdaEngine) -> None:
        missing = await engine.invoke(make_spec(code_dir), b"{}", request_id="r1")
        error = doc(missing.payload)
        assert missing.function_error == "Unhandled"
        assert error["errorType"] == "Runtime.HandlerNotFound"
        assert error["errorMessage"] == "Handler 'handler' missing on module 'app'"
        spec = make_spec(code_dir, name="b", handler="broken.handler")
        broken = doc((await engine.invoke(spec, b"{}", request_id="r2")).payload)
        assert broken["errorType"] == "Runtime.ImportModuleError"
        assert "No module named 'nope_missing'" in broken["errorMessage"]

    run(tmp_path, body)


def test_sys_exit_is_runtime_exit_error(tmp_path: Path) -> None:
    code = "import sys\ndef handler(e, c):\n    sys.exit(3)\n"
    spec = make_spec(write_code(tmp_path, {"app.py": code}))

    async def body(engine: LambdaEngine) -> None:
        result = await engine.invoke(spec, b"{}", request_id="rx")
        assert result.function_error == "Unhandled"
        assert doc(result.payload) == {
            "errorType": "Runtime.ExitError",
            "errorMessage": "RequestId: rx Error: Runtime exited with error: exit status 3",
        }
        segv = "import os, signal\ndef handler(e, c):\n    os.kill(os.getpid(), signal.SIGSEGV)\n"
        (Path(spec.code_dir) / "seg.py").write_text(segv)
        crashed = await engine.invoke(
            make_spec(Path(spec.code_dir), name="s", handler="seg.handler"), b"{}", request_id="s"
        )
        assert doc(crashed.payload)["errorMessage"].endswith("signal: segmentation fault")

    run(tmp_path, body)


def test_environment_variables_and_no_leak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "REAL")
    monkeypatch.setenv("AWS_PROFILE", "prod")
    code = "import os\ndef handler(e, c):\n    return dict(os.environ)\n"
    spec = make_spec(
        write_code(tmp_path, {"app.py": code}), environment=(("MY_VAR", "mine"),), memory_mb=512
    )

    async def body(engine: LambdaEngine) -> None:
        env = doc((await engine.invoke(spec, b"{}", request_id="r")).payload)
        assert env["AWS_SECRET_ACCESS_KEY"] == "test" and env["AWS_ACCESS_KEY_ID"] == "test"
        assert "AWS_SESSION_TOKEN" in env and "AWS_PROFILE" not in env
        assert "REAL" not in json.dumps(env)
        assert env["MY_VAR"] == "mine"
        assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
        assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
        assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
        assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
        assert re.fullmatch(
            r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"]
        )
        assert env["_HANDLER"] == "app.handler"
        assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
        assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
        assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
        assert env["LAMBDA_TASK_ROOT"] == spec.code_dir
        assert "LAMBDA_RUNTIME_DIR" in env and env["TZ"] == ":UTC" and "LANG" in env
        assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
        assert env["TMPDIR"].startswith(str(tmp_path / "work"))
        assert "_X_AMZN_TRACE_ID" in env
        assert not {"AWS_PROFILE", "HOME", "VIRTUAL_ENV"} & set(env)
        assert "TENKU_RUNTIME_API_SOCKET" not in env  # taken out before the handler loads

    run(tmp_path, body)


def test_the_python_bootstrap_talks_over_the_unix_socket(tmp_path: Path) -> None:
    # The function finds its own Runtime API connection among its sockets: a Unix one,
    # while AWS_LAMBDA_RUNTIME_API still names the TCP address other clients use.
    code = (
        "import os, socket\n"
        "def handler(e, c):\n"
        "    kinds = set()\n"
        "    for fd in os.listdir('/proc/self/fd'):\n"
        "        try:\n"
        "            s = socket.socket(fileno=os.dup(int(fd)))\n"
        "        except OSError:\n"
        "            continue\n"
        "        kinds.add(s.family.name)\n"
        "        s.close()\n"
        "    return sorted(kinds)\n"
    )
    spec = make_spec(write_code(tmp_path, {"app.py": code}))

    async def body(engine: LambdaEngine) -> None:
        for _ in range(2):  # cold, then warm over the same connection
            kinds = doc((await engine.invoke(spec, b"{}", request_id="r")).payload)
            assert kinds == ["AF_UNIX"]

    run(tmp_path, body)


def test_response_over_6mb_fails(tmp_path: Path) -> None:
    code = "def handler(e, c):\n    return 'x' * (7 * 1024 * 1024)\n"
    spec = make_spec(write_code(tmp_path, {"app.py": code}))

    async def body(engine: LambdaEngine) -> None:
        result = await engine.invoke(spec, b"{}", request_id="big")
        error = doc(result.payload)
        assert result.function_error == "Unhandled"
        assert error["errorType"] == "Function.ResponseSizeTooLarge"
        assert "exceeded maximum allowed payload size (6291556 bytes)" in error["errorMessage"]

    run(tmp_path, body)


def test_retire_makes_next_invoke_cold_and_code_change_is_new_env(tmp_path: Path) -> None:
    spec = make_spec(write_code(tmp_path, {"app.py": COUNTER}))

    async def body(engine: LambdaEngine) -> None:
        await engine.invoke(spec, b"{}", request_id="1")
        assert not (await engine.invoke(spec, b"{}", request_id="2")).cold_start
        await engine.retire("arn:aws:lambda:us-east-1:000000000000:function:fn")
        assert (await engine.invoke(spec, b"{}", request_id="3")).cold_start
        changed = spec._replace(code_sha256="sha-2")
        assert (await engine.invoke(changed, b"{}", request_id="4")).cold_start

    run(tmp_path, body)


def test_idle_environments_are_reaped(tmp_path: Path) -> None:
    spec = make_spec(write_code(tmp_path, {"app.py": COUNTER}))

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work", idle_seconds=0.2)
        try:
            await engine.invoke(spec, b"{}", request_id="1")
            await asyncio.sleep(0.5)
            assert (await engine.invoke(spec, b"{}", request_id="2")).cold_start
        finally:
            await engine.close()

    asyncio.run(main())


def test_on_log_receives_lines(tmp_path: Path) -> None:
    spec = make_spec(write_code(tmp_path, {"app.py": COUNTER}))
    seen: list[tuple[str, str, float, str]] = []

    async def body(engine: LambdaEngine) -> None:
        engine.on_log = lambda scope, g, s, ts, line: seen.append((g, s, ts, line))
        await engine.invoke(spec, b"{}", request_id="logged")

    run(tmp_path, body)
    lines = [entry[3] for entry in seen]
    assert lines[0] == "START RequestId: logged Version: $LATEST"
    assert "invoked 1" in lines and lines[-1].startswith("REPORT RequestId: logged")
    assert all(entry[0] == "/aws/lambda/fn" for entry in seen)


def test_a_runtime_version_not_installed_is_substituted_with_a_warning() -> None:
    import sys

    from tenku.runtime import launch

    running = f"python{sys.version_info.major}.{sys.version_info.minor}"
    spec = make_spec("/nowhere")
    assert launch.substitution(spec._replace(runtime=running)) is None
    other = "python3.99" if running != "python3.99" else "python3.98"
    warning = launch.substitution(spec._replace(runtime=other))
    assert warning is not None and "runs on Python" in warning and other in warning


def test_retire_lets_an_invocation_in_flight_finish_on_its_code(tmp_path: Path) -> None:
    # A code update retires the function's environments: idle ones at once, a busy one once
    # its invocation has answered (AWS finishes in-flight invocations on the old code).
    code = (
        "import time, os\n"
        "def handler(e, c):\n    time.sleep(e['sleep'])\n    return os.getpid()\n"
    )
    spec = make_spec(write_code(tmp_path, {"app.py": code}))

    async def body(engine: LambdaEngine) -> None:
        first = doc((await engine.invoke(spec, b'{"sleep": 0}', request_id="warm")).payload)
        slow = asyncio.create_task(engine.invoke(spec, b'{"sleep": 0.5}', request_id="slow"))
        await asyncio.sleep(0.2)
        await engine.retire(spec.arn)
        result = await slow
        assert result.function_error is None, result.payload
        assert doc(result.payload) == first  # answered by the environment it started on
        again = await engine.invoke(spec, b'{"sleep": 0}', request_id="after")
        assert again.cold_start and doc(again.payload) != first

    run(tmp_path, body)
