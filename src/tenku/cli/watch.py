"""Watching a project directory for changes: a poll of file sizes and modification
times (stdlib only; a few hundred files cost well under a millisecond per turn), and the
verdict on a set of changed files: redeploy the stack (a template, or a package that is
not a function's code: a layer, an API definition), or update only the code of the
functions whose package holds the file.

Version control, dependency and build directories are not watched (`.git`,
`node_modules`, `.venv`, `__pycache__`, `.tenku`, `.aws-sam`, `.serverless`, `cdk.out`
unless it is the project).
Must not: deploy or update anything itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tenku.deploy.packaging import Artifact, is_packaged_source
from tenku.deploy.plan import StackPlan

INTERVAL_S = 0.2
_SKIPPED = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tenku",
     ".aws-sam", ".serverless", ".mypy_cache", ".pytest_cache", ".ruff_cache", "cdk.out"}
)  # fmt: skip

Stamp = tuple[int, int]


class Watcher:
    def __init__(self, root: Path, ignored: tuple[Path, ...] = ()) -> None:
        self.root = root.resolve()
        self.ignored = tuple(p.resolve() for p in ignored)
        self._stamps = self.snapshot()

    def snapshot(self) -> dict[Path, Stamp]:
        stamps: dict[Path, Stamp] = {}
        for directory, subdirs, files in os.walk(self.root):
            here = Path(directory)
            subdirs[:] = [
                d
                for d in subdirs
                if d not in _SKIPPED and not d.startswith(".") and here / d not in self.ignored
            ]
            for name in files:
                path = here / name
                try:
                    info = path.stat()
                except OSError:
                    continue  # removed while we looked
                stamps[path] = (info.st_mtime_ns, info.st_size)
        return stamps

    def changes(self) -> set[Path]:
        """Files added, removed or modified since the last call."""
        now = self.snapshot()
        before = self._stamps
        self._stamps = now
        changed = {p for p, stamp in now.items() if before.get(p) != stamp}
        changed |= before.keys() - now.keys()
        return {p for p in changed if is_packaged_source(p)}


@dataclass
class Verdict:
    redeploy: list[StackPlan] = field(default_factory=list)
    # (plan, logical id, package) of every function whose code must be replaced
    code: list[tuple[StackPlan, str, Artifact]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.redeploy or self.code)


def classify(changed: set[Path], plans: list[StackPlan]) -> Verdict:
    """What a set of changed files means for each stack."""
    verdict = Verdict()
    for plan in plans:
        sources = {p.resolve() for p in plan.sources}
        if any(path in sources for path in changed):
            verdict.redeploy.append(plan)
            continue
        function_packages = {id(a) for a in plan.functions.values()}
        touched = [a for a in plan.artifacts if any(_holds(a.source, p) for p in changed)]
        if any(id(a) not in function_packages for a in touched):
            verdict.redeploy.append(plan)  # a layer or an API definition changed
            continue
        touched_ids = {id(a) for a in touched}
        for logical_id, artifact in sorted(plan.functions.items()):
            if id(artifact) in touched_ids:
                verdict.code.append((plan, logical_id, artifact))
    return verdict


def _holds(source: Path, path: Path) -> bool:
    return path == source or source in path.parents
