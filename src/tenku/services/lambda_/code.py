"""Deployment packages: hashing uploaded zips and unpacking them safely to disk.

A package is unpacked once into `<work_dir>/functions/<account>/<region>/<name>/<sha>/`
(written to a temporary sibling and renamed, so a directory that exists is complete).
Entries that would escape the directory, links and oversized packages are refused.
Must not: know the API shapes or storage.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from tenku.services.lambda_.errors import invalid_parameter, unzip_failed

MAX_UNZIPPED = 262_144_000


class Package(NamedTuple):
    sha256_b64: str  # CodeSha256 as Lambda reports it
    sha256_hex: str  # names the directory and blob
    size: int


def describe(zip_bytes: bytes) -> Package:
    digest = hashlib.sha256(zip_bytes).digest()
    return Package(base64.b64encode(digest).decode("ascii"), digest.hex(), len(zip_bytes))


def code_dir(work_dir: Path, account: str, region: str, name: str, sha_hex: str) -> Path:
    return work_dir / "functions" / account / region / name / sha_hex


def _safe_parts(entry: str) -> tuple[str, ...]:
    name = entry.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise unzip_failed()
    parts = tuple(p for p in path.parts if p not in ("", "."))
    if any(p == ".." for p in parts):
        raise unzip_failed()
    return parts


def check(zip_bytes: bytes) -> None:
    """Raise Lambda's error unless `zip_bytes` is a zip that unpacks safely."""
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            total = 0
            for info in archive.infolist():
                _safe_parts(info.filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise unzip_failed()
                total += info.file_size
            if total > MAX_UNZIPPED:
                raise invalid_parameter(f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise unzip_failed() from exc


def unpack(zip_bytes: bytes, target: Path) -> Path:
    """Unpack into `target` unless it is already there; returns `target`."""
    if target.is_dir():
        return target
    check(zip_bytes)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            written = 0
            for info in archive.infolist():
                parts = _safe_parts(info.filename)
                if not parts:
                    continue
                dest = staging.joinpath(*parts)
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(dest, "wb") as out:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_UNZIPPED:
                            raise invalid_parameter(
                                f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes"
                            )
                        out.write(chunk)
                mode = (info.external_attr >> 16) & 0o777
                os.chmod(dest, (mode | 0o444) if mode else 0o644)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(staging, ignore_errors=True)  # another writer got there first
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise unzip_failed() from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def remove_function(work_dir: Path, account: str, region: str, name: str) -> None:
    shutil.rmtree(work_dir / "functions" / account / region / name, ignore_errors=True)
