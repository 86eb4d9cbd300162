"""`provided.*` runtimes: any executable `bootstrap` speaking the Runtime API works."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path

from tenku.runtime import LambdaEngine
from tests.unit.runtime.conftest import make_spec, write_code

BOOTSTRAP = """#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as resp:
        rid = resp.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(resp.read())
    print("custom runtime got", rid, flush=True)
    body = json.dumps({"echo": event, "handler": os.environ["_HANDLER"]}).encode()
    urllib.request.urlopen(urllib.request.Request(api + rid + "/response", data=body)).read()
"""


def test_custom_bootstrap_script(tmp_path: Path) -> None:
    code = write_code(tmp_path, {"bootstrap": BOOTSTRAP}, executable=("bootstrap",))
    spec = make_spec(code, runtime="provided.al2023", handler="function.handler")

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            first = await engine.invoke(spec, b'{"x": 1}', request_id="p1")
            second = await engine.invoke(spec, b'{"x": 2}', request_id="p2")
        finally:
            await engine.close()
        assert json.loads(first.payload) == {"echo": {"x": 1}, "handler": "function.handler"}
        assert json.loads(second.payload)["echo"] == {"x": 2} and not second.cold_start
        assert "custom runtime got p2" in second.log_tail

    asyncio.run(main())


def test_missing_bootstrap_is_invalid_entrypoint(tmp_path: Path) -> None:
    spec = make_spec(write_code(tmp_path, {"main.sh": "echo"}), runtime="provided.al2")

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            result = await engine.invoke(spec, b"{}", request_id="x")
        finally:
            await engine.close()
        assert json.loads(result.payload)["errorType"] == "Runtime.InvalidEntrypoint"
        assert result.function_error == "Unhandled"

    asyncio.run(main())


def test_awslambdaric_under_provided_runtime(tmp_path: Path) -> None:
    # A test dependency (the `test` extras), required rather than skipped when missing.
    assert importlib.util.find_spec("awslambdaric"), "pip install -e '.[test]'"
    files = {
        "bootstrap": "#!/bin/sh\nexec python3 -m awslambdaric app.handler\n",
        "app.py": "def handler(event, context):\n"
        "    return {'ric': True, 'id': context.aws_request_id, 'event': event}\n",
    }
    spec = make_spec(write_code(tmp_path, files, executable=("bootstrap",)), runtime="provided.al2")

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            first = await engine.invoke(spec, b'{"k": "v"}', request_id="ric-1")
            second = await engine.invoke(spec, b'{"k": "w"}', request_id="ric-2")
        finally:
            await engine.close()
        assert first.function_error is None, first.payload
        assert json.loads(first.payload) == {"ric": True, "id": "ric-1", "event": {"k": "v"}}
        assert json.loads(second.payload)["id"] == "ric-2" and not second.cold_start

    asyncio.run(main())


STREAMING_BOOTSTRAP = r"""#!/usr/bin/env python3
import base64, json, os, socket, threading, time, urllib.request
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"

def next_event():
    with urllib.request.urlopen(api + "next") as resp:
        return resp.headers["Lambda-Runtime-Aws-Request-Id"], json.loads(resp.read())

rid, event = next_event()
while True:
    conn = socket.create_connection((host, int(port)))
    conn.sendall((
        f"POST /2018-06-01/runtime/invocation/{rid}/response HTTP/1.1\r\nHost: rapid\r\n"
        "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
        "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"
        "\r\n6\r\nhello \r\n"
    ).encode())
    # As aws-lambda-ric does after a failed stream: ask for the next event before the
    # response is answered (here even before its end is sent).
    got = []
    asker = threading.Thread(target=lambda: got.append(next_event()))
    asker.start()
    time.sleep(0.1)
    tail = "5\r\nworld\r\n0\r\n"
    if event.get("fail"):
        error = {"errorType": "Boom", "errorMessage": "failed midway"}
        encoded = base64.b64encode(json.dumps(error).encode()).decode()
        tail += f"Lambda-Runtime-Function-Error-Type: Boom\r\n"
        tail += f"Lambda-Runtime-Function-Error-Body: {encoded}\r\n"
    conn.sendall((tail + "\r\n").encode())
    asker.join()
    conn.close()
    rid, event = got[0]
"""


def test_streamed_response_error_trailers_and_early_next(tmp_path: Path) -> None:
    """A stream that fails midway reports it in trailers; /next may come before its end."""
    code = write_code(tmp_path, {"bootstrap": STREAMING_BOOTSTRAP}, executable=("bootstrap",))
    spec = make_spec(code, runtime="provided.al2023", handler="stream.handler")

    async def main() -> None:
        engine = LambdaEngine(tmp_path / "work")
        try:
            ok = await engine.invoke(spec, b"{}", request_id="s1")
            failed = await engine.invoke(spec, b'{"fail": true}', request_id="s2")
            again = await engine.invoke(spec, b"{}", request_id="s3")
        finally:
            await engine.close()
        assert ok.function_error is None and ok.payload == b"hello world"
        assert failed.function_error == "Unhandled" and not failed.cold_start
        assert json.loads(failed.payload) == {"errorType": "Boom", "errorMessage": "failed midway"}
        assert again.payload == b"hello world" and not again.cold_start

    asyncio.run(main())
