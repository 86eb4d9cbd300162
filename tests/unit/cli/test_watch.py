"""The watcher: which files it sees change, and what a change means for each stack."""

from __future__ import annotations

import os
from pathlib import Path

from tenku.cli.watch import Watcher, classify
from tenku.deploy.packaging import Artifact
from tenku.deploy.plan import StackPlan


def touch(path: Path, text: str = "x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = path.stat().st_mtime_ns + 10_000_000
    os.utime(path, ns=(stamp, stamp))


def test_changes_added_modified_removed_and_ignored(tmp_path: Path) -> None:
    touch(tmp_path / "src" / "a.py")
    touch(tmp_path / "src" / "b.py")
    watcher = Watcher(tmp_path, ignored=(tmp_path / "state",))
    assert watcher.changes() == set()
    touch(tmp_path / "src" / "a.py", "changed")
    (tmp_path / "src" / "b.py").unlink()
    touch(tmp_path / "src" / "c.py")
    for skipped in (
        "node_modules/m.js",
        ".git/HEAD",
        "src/__pycache__/a.pyc",
        ".tenku/db",
        "state/tenku.db",
        "cdk.out/x.json",
        "src/d.pyc",
    ):
        touch(tmp_path / skipped)
    root = tmp_path.resolve()
    assert watcher.changes() == {
        root / "src" / "a.py",
        root / "src" / "b.py",
        root / "src" / "c.py",
    }
    assert watcher.changes() == set()


def plan_with(root: Path) -> StackPlan:
    code = Artifact(root / "src", True, "b", "k1", b"")
    layer = Artifact(root / "layers" / "common", True, "b", "k2", b"")
    other = Artifact(root / "other", True, "b", "k3", b"")
    return StackPlan(
        "shop",
        {},
        {},
        [code, layer, other],
        {"UsersFunction": code, "OrdersFunction": code, "OtherFunction": other},
        [root / "template.yaml"],
    )


def test_code_changes_update_only_the_functions_that_run_it(tmp_path: Path) -> None:
    plan = plan_with(tmp_path)
    verdict = classify({tmp_path / "src" / "users" / "handler.py"}, [plan])
    assert verdict.redeploy == []
    assert [(lid, a.key) for _, lid, a in verdict.code] == [
        ("OrdersFunction", "k1"),
        ("UsersFunction", "k1"),
    ]
    assert not classify({tmp_path / "README.md"}, [plan])


def test_template_and_non_function_packages_redeploy(tmp_path: Path) -> None:
    plan = plan_with(tmp_path)
    verdict = classify({tmp_path / "template.yaml", tmp_path / "src" / "x.py"}, [plan])
    assert verdict.redeploy == [plan] and verdict.code == []
    layer_change = classify({tmp_path / "layers" / "common" / "python" / "lib.py"}, [plan])
    assert layer_change.redeploy == [plan]
