"""The npm `aws-lambda-ric` (AWS's Node.js Runtime Interface Client) as a bootstrap.

The client is used unchanged, as its README shows: a `provided.*` function whose
`bootstrap` starts it with the handler name. It talks to Tenku's Runtime API through
its native addon (aws-lambda-cpp over libcurl), so these tests check the wire as AWS's
own client speaks it. `scripts/setup-node-ric` builds the client (see tests/node_ric.py).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tenku.runtime import LambdaEngine
from tests.node_ric import NODE_MODULES, node_ric
from tests.unit.runtime.conftest import make_spec, write_code

HANDLER = """
let calls = 0;
exports.handler = async (event, context) => {
  calls += 1;
  console.log("ric handling", context.awsRequestId);
  if (event.fail) throw new TypeError("asked to fail");
  return {
    event, calls,
    id: context.awsRequestId,
    arn: context.invokedFunctionArn,
    name: context.functionName,
    memory: context.memoryLimitInMB,
    group: context.logGroupName,
    trace: process.env._X_AMZN_TRACE_ID,
    xray: context.xRayTraceId,
    remaining: context.getRemainingTimeInMillis(),
  };
};
"""


def test_node_ric_result_error_and_warm_reuse(tmp_path: Path) -> None:
    bootstrap = f"#!/bin/sh\nexec node {node_ric()} index.handler\n"
    code = write_code(tmp_path, {"bootstrap": bootstrap, "index.js": HANDLER}, ("bootstrap",))
    spec = make_spec(code, runtime="provided.al2023", handler="index.handler", timeout_s=5.0)

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            first = await engine.invoke(spec, b'{"k": "v"}', request_id="nric-1")
            failed = await engine.invoke(spec, b'{"fail": true}', request_id="nric-2")
            third = await engine.invoke(spec, b'{"k": "w"}', request_id="nric-3")
        finally:
            await engine.close()

        assert first.function_error is None, first.payload
        body = json.loads(first.payload)
        assert body["event"] == {"k": "v"} and body["calls"] == 1 and body["id"] == "nric-1"
        assert body["arn"] == spec.arn and body["name"] == "fn" and body["memory"] == "128"
        assert body["group"] == "/aws/lambda/fn"
        assert body["trace"].startswith("Root=1-") and body["xray"] == body["trace"]
        assert 0 < body["remaining"] <= 5000
        assert first.cold_start and "ric handling nric-1" in first.log_tail

        assert failed.function_error == "Unhandled" and not failed.cold_start
        error = json.loads(failed.payload)
        assert error["errorType"] == "TypeError" and error["errorMessage"] == "asked to fail"
        assert error["trace"][0] == "TypeError: asked to fail"
        assert "Invoke Error" in failed.log_tail

        # The same process, module state intact, after the error.
        assert third.function_error is None and not third.cold_start
        assert json.loads(third.payload)["calls"] == 3

    asyncio.run(main())


def test_node_ric_through_npx_as_documented(tmp_path: Path) -> None:
    """`npx aws-lambda-ric index.handler` with the package in the code's node_modules."""
    node_ric()
    bootstrap = "#!/bin/sh\nexec npx --offline aws-lambda-ric index.handler\n"
    esm = "export const handler = async (event) => ({ esm: true, event });\n"
    code = write_code(tmp_path, {"bootstrap": bootstrap, "index.mjs": esm}, ("bootstrap",))
    (code / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    spec = make_spec(code, runtime="provided.al2", handler="index.handler", timeout_s=30.0)

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            first = await engine.invoke(spec, b'{"n": 1}', request_id="npx-1")
            second = await engine.invoke(spec, b'{"n": 2}', request_id="npx-2")
        finally:
            await engine.close()
        assert first.function_error is None, first.payload
        assert json.loads(first.payload) == {"esm": True, "event": {"n": 1}}
        assert json.loads(second.payload) == {"esm": True, "event": {"n": 2}}
        assert not second.cold_start

    asyncio.run(main())


def test_node_ric_missing_handler_is_an_init_error(tmp_path: Path) -> None:
    bootstrap = f"#!/bin/sh\nexec node {node_ric()} index.handler\n"
    code = write_code(tmp_path, {"bootstrap": bootstrap, "index.js": "exports.other = 1;\n"})
    (code / "bootstrap").chmod(0o755)
    spec = make_spec(code, runtime="provided.al2023", handler="index.handler")

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            result = await engine.invoke(spec, b"{}", request_id="nric-init")
        finally:
            await engine.close()
        assert result.function_error == "Unhandled"
        error = json.loads(result.payload)
        assert error["errorType"] == "Runtime.HandlerNotFound"
        assert error["errorMessage"] == "index.handler is undefined or not exported"

    asyncio.run(main())


STREAMING_HANDLER = """
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  stream.write("hello ");
  if (event.fail) throw new Error("failed midway");
  stream.write("world");
  stream.end();
});
"""


def test_node_ric_streamed_response_and_midway_error(tmp_path: Path) -> None:
    """`streamifyResponse` arrives buffered; a midway error is Lambda's error payload."""
    bootstrap = f"#!/bin/sh\nexec node {node_ric()} index.handler\n"
    files = {"bootstrap": bootstrap, "index.js": STREAMING_HANDLER}
    code = write_code(tmp_path, files, ("bootstrap",))
    spec = make_spec(code, runtime="provided.al2023", handler="index.handler")

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            ok = await engine.invoke(spec, b"{}", request_id="st-1")
            results = [await engine.invoke(spec, b'{"fail": 1}', request_id="st-e1")]
            results.append(await engine.invoke(spec, b'{"fail": 1}', request_id="st-e2"))
            again = await engine.invoke(spec, b"{}", request_id="st-3")
        finally:
            await engine.close()
        assert ok.function_error is None and ok.payload == b"hello world"
        for failed in results:
            assert failed.function_error == "Unhandled" and not failed.cold_start
            error = json.loads(failed.payload)
            assert error["errorType"] == "Error" and error["errorMessage"] == "failed midway"
        # The client asked for the next event before its failed stream was answered.
        assert again.payload == b"hello world" and not again.cold_start

    asyncio.run(main())
