"""Memory and CPU limits: out-of-memory kills reported as Lambda does, CPU quota by memory."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tenku.runtime import LambdaEngine, limits
from tests.unit.runtime.conftest import make_spec, write_code

HOG = """
def handler(event, context):
    if event.get("hog"):
        blocks = []
        for _ in range(30):
            blocks.append(b"x" * (10 * 1024 * 1024))  # touched, so resident
        return len(blocks)
    return "fine"
"""


def _oom_then_ok(tmp_path: Path) -> None:
    spec = make_spec(write_code(tmp_path, {"app.py": HOG}), memory_mb=128, timeout_s=10.0)

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            killed = await engine.invoke(spec, b'{"hog": true}', request_id="oom-1")
            assert killed.function_error == "Unhandled"
            message = "RequestId: oom-1 Error: Runtime exited with error: signal: killed"
            assert json.loads(killed.payload) == {
                "errorType": "Runtime.OutOfMemory",
                "errorMessage": message,
            }
            assert killed.max_memory_mb == 128
            assert "Max Memory Used: 128 MB" in killed.log_tail.splitlines()[-1]
            after = await engine.invoke(spec, b"{}", request_id="oom-2")
            assert after.function_error is None and json.loads(after.payload) == "fine"
            assert after.cold_start
        finally:
            await engine.close()

    asyncio.run(main())


def test_out_of_memory_is_killed_and_reported(tmp_path: Path) -> None:
    _oom_then_ok(tmp_path)


def test_out_of_memory_with_watchdog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "_backend", limits.Backend("poll"))
    _oom_then_ok(tmp_path)


def test_cpu_quota_follows_memory() -> None:
    assert limits.cpu_quota_us(1769) == limits.PERIOD_US
    assert limits.cpu_quota_us(3538) == 2 * limits.PERIOD_US
    assert limits.cpu_quota_us(128) == int(limits.PERIOD_US * limits.MIN_CPU_SHARE)


@pytest.mark.skipif(limits.backend().kind == "poll", reason="cgroups are not writable here")
def test_environment_cgroup_has_cpu_quota(tmp_path: Path) -> None:
    code = "def handler(e, c):\n    return open('/proc/self/cgroup').read()\n"
    spec = make_spec(write_code(tmp_path, {"app.py": code}), memory_mb=3538)

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            result = await engine.invoke(spec, b"{}", request_id="cpu")
            env = next(iter(engine._all))
            assert env.cage is not None and env.cage.dirs
            b = limits.backend()
            if b.kind == "v2":
                quota = (env.cage.dirs[0] / "cpu.max").read_text().split()[0]
            else:
                quota = (env.cage.dirs[1] / "cpu.cfs_quota_us").read_text().strip()
            assert int(quota) == 2 * limits.PERIOD_US
            assert env.cage.dirs[0].name in json.loads(result.payload)
        finally:
            await engine.close()

    asyncio.run(main())
