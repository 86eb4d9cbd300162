"""Provisioned concurrency: ready environments, no Init Duration, release, never reaped."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tenku.core.functions import Throttled
from tenku.runtime import LambdaEngine
from tests.unit.runtime.conftest import make_spec, write_code

CODE = """
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "init": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]}
"""


def test_provisioned_environments_serve_without_init(tmp_path: Path) -> None:
    spec = make_spec(write_code(tmp_path, {"app.py": CODE}))

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work", idle_seconds=0.2)
        try:
            await engine.provision(spec, 3)
            results = await asyncio.gather(
                *(engine.invoke(spec, b'{"sleep": 0.3}', request_id=f"p{i}") for i in range(3))
            )
            pids = set()
            for result in results:
                assert not result.cold_start and result.init_ms == 0.0
                assert "Init Duration" not in result.log_tail
                assert "REPORT RequestId" in result.log_tail
                body = json.loads(result.payload)
                assert body["init"] == "provisioned-concurrency"
                pids.add(body["pid"])
            assert len(pids) == 3
            await asyncio.sleep(0.6)  # longer than idle_seconds: provisioned ones stay
            again = await engine.invoke(spec, b"{}", request_id="again")
            assert not again.cold_start and json.loads(again.payload)["pid"] in pids
            await engine.provision(spec, 0)
            after = await engine.invoke(spec, b"{}", request_id="after")
            assert after.cold_start and json.loads(after.payload)["init"] == "on-demand"
        finally:
            await engine.close()

    asyncio.run(main())


def test_provisioned_count_toward_concurrency_while_busy(tmp_path: Path) -> None:
    spec = make_spec(write_code(tmp_path, {"app.py": CODE}), reserved_concurrency=2)

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            await engine.provision(spec, 2)
            busy = [
                asyncio.create_task(engine.invoke(spec, b'{"sleep": 0.3}', request_id=f"b{i}"))
                for i in range(2)
            ]
            await asyncio.sleep(0.05)
            try:
                await engine.invoke(spec, b"{}", request_id="over")
                raise AssertionError("expected a throttle")
            except Throttled as exc:
                assert exc.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
            assert all(not r.cold_start for r in await asyncio.gather(*busy))
            await engine.provision(spec, 1)  # shrinking keeps one, releases one
            assert len(engine._provisioned[engine._key(spec)]) == 1
        finally:
            await engine.close()

    asyncio.run(main())
