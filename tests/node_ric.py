"""The npm `aws-lambda-ric` for tests that run it as a function's bootstrap.

`scripts/setup-node-ric` (run by `scripts/setup`) builds it into the gitignored
`.cache/aws-lambda-ric`. A test that needs it skips when it is missing, except in CI
(`CI` set), where a missing client is a failure: CI must run these tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / ".cache" / "aws-lambda-ric" / "node_modules"
ENTRY = NODE_MODULES / "aws-lambda-ric" / "index.mjs"


def node_ric() -> Path:
    """The client's entry script (`index.mjs`), or skip/fail the calling test."""
    problem = ""
    if shutil.which("node") is None:
        problem = "node is not installed"
    elif not (ENTRY.parent / "rapid-client.node").is_file():
        problem = f"aws-lambda-ric not built in {NODE_MODULES.parent}: run scripts/setup-node-ric"
    if not problem:
        return ENTRY
    if os.environ.get("CI"):
        pytest.fail(f"{problem} (CI must run the aws-lambda-ric tests)")
    pytest.skip(problem)


__all__ = ["ENTRY", "NODE_MODULES", "node_ric"]
