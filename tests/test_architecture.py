"""The layer rules of ARCHITECTURE.md, checked by import-linter as part of the test run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_layers_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_modules_open_with_a_docstring_and_stay_small() -> None:
    for path in sorted((ROOT / "src" / "tenku").rglob("*.py")):
        text = path.read_text()
        lines = text.count("\n")
        assert lines <= 600, f"{path} has {lines} lines; split it along its responsibilities"
        if path.name != "__main__.py" and text.strip():
            assert text.lstrip().startswith('"""'), f"{path} has no module docstring"
