"""Layers on disk: where a layer version is unpacked, and the `/opt` a function sees.

Lambda extracts a function's layers into `/opt` one after the other, in the order the
function lists them, so a file in a later layer replaces the same path from an earlier
one, while the rest of both layers stays visible (directories merge). Pointing the
engine at several separate directories cannot reproduce that: Python would take a whole
package from the first directory holding it, and the earlier layer would win. So a
function with two or more layers gets one merged directory, built once per ordered list
of layer version ARNs (versions never change, so the list names the content) from hard
links to the unpacked layers (copies where links are impossible). A single layer is
used where it was unpacked. Must not: know the API shapes or storage.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path


def layer_dir(work_dir: Path, account: str, region: str, name: str, version: int) -> Path:
    return work_dir / "layers" / account / region / name / str(version)


def remove_layer(work_dir: Path, account: str, region: str, name: str, version: int) -> None:
    shutil.rmtree(layer_dir(work_dir, account, region, name, version), ignore_errors=True)


def opt_dir(work_dir: Path, layers: Sequence[tuple[str, Path]]) -> Path:
    """The `/opt` of (layer version ARN, unpacked directory) pairs, in function order."""
    if len(layers) == 1:
        return layers[0][1]
    key = hashlib.sha256("\n".join(arn for arn, _ in layers).encode()).hexdigest()
    target = work_dir / "layer-sets" / key
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".merge-", dir=target.parent))
    try:
        for _, source in layers:
            _overlay(source, staging)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(staging, ignore_errors=True)  # another builder got there first
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _overlay(source: Path, dest_root: Path) -> None:
    """Lay `source` over `dest_root` as extracting its zip there would: files replace."""
    for folder, dirs, files in os.walk(source):
        relative = os.path.relpath(folder, source)
        dest = dest_root if relative == "." else dest_root / relative
        for name in dirs:
            target = dest / name
            if target.exists() and not target.is_dir():
                target.unlink()
            target.mkdir(exist_ok=True)
        for name in files:
            target = dest / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            origin = os.path.join(folder, name)
            try:
                os.link(origin, target)
            except OSError:
                shutil.copy2(origin, target)
