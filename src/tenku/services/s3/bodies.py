"""Object bodies as files under `<data dir>/s3/bodies/`, referenced from the database.

Owns: writing a body (bytes or pieces of it) to a temp file that is fsynced and renamed
to its final name *before* the metadata that references it is committed, so a crash
never leaves a row pointing at a missing or partial file; reading whole bodies or byte
ranges; concatenating part files into an object (multipart completion) without
holding them in memory; and removing files. Removal of a file whose row was deleted is
deferred by the store (`s3_garbage`) until that deletion is known to be committed.
Must not: touch the database.

Files are named by a random id, two hex digits of fan-out: `ab/abcdef...`. A crash
between the rename and the commit leaves an unreferenced file; `orphans()` lists them
at start-up.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from tenku.services.s3.checksums import Hashers

COPY_CHUNK = 1 << 20


class BodyFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        return self.root / name[:2] / name

    def write(self, pieces: Iterable[bytes], hashers: Hashers) -> str:
        """Store the body, feeding `hashers`; returns the file's name once it is durable."""
        name = uuid.uuid4().hex
        target = self.path(name)
        target.parent.mkdir(exist_ok=True)
        temp = target.parent / f".tmp-{name}"
        try:
            with open(temp, "wb") as handle:
                for piece in pieces:
                    if piece:
                        hashers.update(piece)
                        handle.write(piece)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return name

    def read(self, name: str, start: int = 0, length: int | None = None) -> bytes:
        with open(self.path(name), "rb") as handle:
            if start:
                handle.seek(start)
            return handle.read() if length is None else handle.read(length)

    def pieces(self, name: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The body (or a range of it) in pieces of at most COPY_CHUNK bytes."""
        with open(self.path(name), "rb") as handle:
            handle.seek(start)
            left = length
            while left is None or left > 0:
                piece = handle.read(COPY_CHUNK if left is None else min(COPY_CHUNK, left))
                if not piece:
                    return
                if left is not None:
                    left -= len(piece)
                yield piece

    def concatenate(self, names: list[str], hashers: Hashers) -> str:
        """A new body made of the given bodies in order (multipart completion)."""

        def all_pieces() -> Iterator[bytes]:
            for name in names:
                yield from self.pieces(name)

        return self.write(all_pieces(), hashers)

    def remove(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def all_names(self) -> Iterator[str]:
        for folder in self.root.iterdir():
            if folder.is_dir():
                for entry in folder.iterdir():
                    if entry.name.startswith(".tmp-"):
                        entry.unlink(missing_ok=True)  # a write a crash interrupted
                    else:
                        yield entry.name


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
