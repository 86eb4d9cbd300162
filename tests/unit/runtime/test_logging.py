"""The Python bootstrap's logging: Lambda's text records, JSON records and log levels."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from tenku.core.functions import InvocationResult
from tenku.runtime import LambdaEngine
from tests.unit.runtime.conftest import make_spec, write_code

CODE = """
import logging
logging.getLogger().warning("at init")
log = logging.getLogger("app")
def handler(event, context):
    log.debug("debug %s", 1)
    log.info("info %s", 2)
    log.warning("two\\nlines")
    print("plain print")
    return "ok"
"""


def invoke(tmp_path: Path, **kw: Any) -> InvocationResult:
    spec = make_spec(write_code(tmp_path, {"app.py": CODE}), **kw)

    async def main() -> InvocationResult:
        engine = LambdaEngine(tmp_path / "work")
        try:
            return await engine.invoke(spec, b"{}", request_id="req-log")
        finally:
            await engine.close()

    return asyncio.run(main())


STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def test_text_records_like_lambda(tmp_path: Path) -> None:
    lines = invoke(tmp_path).log_tail.split("\n")
    assert re.fullmatch(rf"\[WARNING\]\t{STAMP}\t\tat init", lines[0])
    warning = next(line for line in lines if "two" in line)
    assert re.fullmatch(rf"\[WARNING\]\t{STAMP}\treq-log\ttwo\rlines", warning)
    assert "plain print" in lines
    assert not any("info 2" in line or "debug 1" in line for line in lines)  # root: WARNING


def test_text_records_honour_log_level(tmp_path: Path) -> None:
    result = invoke(tmp_path, environment=(("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),))
    assert re.search(rf"^\[DEBUG\]\t{STAMP}\treq-log\tdebug 1$", result.log_tail, re.M)
    assert re.search(rf"^\[INFO\]\t{STAMP}\treq-log\tinfo 2$", result.log_tail, re.M)


def test_json_records(tmp_path: Path) -> None:
    result = invoke(tmp_path, log_format="JSON")
    records = [json.loads(x) for x in result.log_tail.splitlines() if x.startswith("{")]
    by_message = {r["message"]: r for r in records}
    info = by_message["info 2"]
    assert set(info) == {"timestamp", "level", "message", "logger", "requestId"}
    assert info["level"] == "INFO" and info["logger"] == "app"
    assert info["requestId"] == "req-log" and re.fullmatch(STAMP, info["timestamp"])
    assert by_message["two\nlines"]["level"] == "WARNING"
    assert "requestId" not in by_message["at init"]
    assert "debug 1" not in by_message  # JSON default level is INFO
    assert "plain print" in result.log_tail.split("\n")


def test_json_records_honour_log_level(tmp_path: Path) -> None:
    result = invoke(tmp_path, log_format="JSON", environment=(("AWS_LAMBDA_LOG_LEVEL", "WARN"),))
    messages = [json.loads(x)["message"] for x in result.log_tail.splitlines() if x[:1] == "{"]
    assert "two\nlines" in messages and "info 2" not in messages


def test_json_unhandled_error_is_a_json_record(tmp_path: Path) -> None:
    code = "def handler(e, c):\n    raise ValueError('bad')\n"
    spec = make_spec(write_code(tmp_path, {"app.py": code}), log_format="JSON")

    async def main() -> InvocationResult:
        engine = LambdaEngine(tmp_path / "work")
        try:
            return await engine.invoke(spec, b"{}", request_id="req-err")
        finally:
            await engine.close()

    result = asyncio.run(main())
    record = next(json.loads(x) for x in result.log_tail.splitlines() if x.startswith("{"))
    assert record["level"] == "ERROR" and record["requestId"] == "req-err"
    assert record["message"]["errorType"] == "ValueError"
