"""Node.js runtimes: CommonJS handlers, async and callback style, through the bootstrap."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from tenku.runtime import LambdaEngine
from tests.unit.runtime.conftest import make_spec, write_code

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")

CODE = """
let n = 0;
exports.asyncHandler = async (event, context) => ({ n: ++n, id: context.awsRequestId, event });
exports.cbHandler = (event, context, cb) => { setTimeout(() => cb(null, { cb: true }), 5); };
exports.failing = async () => { throw new TypeError("nope"); };
"""


def test_node_handlers(tmp_path: Path) -> None:
    code = write_code(tmp_path, {"index.js": CODE})

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            spec = make_spec(code, runtime="nodejs20.x", handler="index.asyncHandler")
            first = await engine.invoke(spec, b'{"a": 1}', request_id="n1")
            second = await engine.invoke(spec, b"{}", request_id="n2")
            assert json.loads(first.payload) == {"n": 1, "id": "n1", "event": {"a": 1}}
            assert json.loads(second.payload)["n"] == 2 and not second.cold_start
            cb = make_spec(code, name="cb", runtime="nodejs20.x", handler="index.cbHandler")
            assert json.loads((await engine.invoke(cb, b"{}", request_id="c")).payload) == {
                "cb": True
            }
            bad = make_spec(code, name="bad", runtime="nodejs20.x", handler="index.failing")
            failed = await engine.invoke(bad, b"{}", request_id="f")
            error = json.loads(failed.payload)
            assert failed.function_error == "Unhandled"
            assert error["errorType"] == "TypeError" and error["errorMessage"] == "nope"
            missing = make_spec(code, name="m", runtime="nodejs20.x", handler="index.absent")
            gone = json.loads((await engine.invoke(missing, b"{}", request_id="m")).payload)
            assert gone["errorType"] == "Runtime.HandlerNotFound"
        finally:
            await engine.close()

    asyncio.run(main())
