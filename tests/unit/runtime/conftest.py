"""Fixtures for the Lambda engine tests: temp code dirs and spec construction."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tenku.core.functions import FunctionSpec
from tenku.runtime import LambdaEngine

ACCOUNT = "000000000000"


@pytest.fixture(autouse=True)
def python_fork_setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """TENKU_PYTHON_FORK=0 runs every engine test on the exec path (the default forks)."""
    if os.environ.get("TENKU_PYTHON_FORK", "1") == "0":
        defaults = LambdaEngine.__init__.__kwdefaults__
        assert defaults is not None
        monkeypatch.setitem(defaults, "python_fork", False)
    yield


def make_spec(code_dir: Path, name: str = "fn", **kw: object) -> FunctionSpec:
    base: dict[str, object] = {
        "name": name,
        "arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}:$LATEST",
        "version": "$LATEST",
        "runtime": "python3.12",
        "handler": "app.handler",
        "code_dir": str(code_dir),
        "code_sha256": "sha-1",
        "account": ACCOUNT,
        "region": "us-east-1",
        "log_group": f"/aws/lambda/{name}",
        "endpoint_url": "http://127.0.0.1:4566",
    }
    base.update(kw)
    return FunctionSpec(**base)  # type: ignore[arg-type]


def write_code(tmp: Path, files: dict[str, str], executable: tuple[str, ...] = ()) -> Path:
    code = tmp / "code"
    code.mkdir(exist_ok=True)
    for rel, text in files.items():
        path = code / rel
        path.write_text(text)
        if rel in executable:
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return code


__all__ = ["make_spec", "write_code"]
