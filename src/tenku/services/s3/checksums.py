"""ETags and checksums, computed as S3 computes them.

Owns: the MD5 ETag (hex in quotes) and the multipart ETag (MD5 of the concatenated
binary part MD5s, then `-N`), the additional checksums S3 supports (CRC32, CRC32C,
CRC64NVME, SHA1, SHA256; base64 of the big-endian digest), composite multipart
checksums (`checksum of the part checksums-N`), and a `Hashers` object that digests a
body piece by piece so files never need to be read twice.
Must not: do I/O or know requests.

CRC32C uses the `crc32c` package when installed (C speed); otherwise a table-driven
pure-Python fallback, correct but slow (~1 MB/s). CRC64NVME is pure Python.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable, Iterable
from typing import Any

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
MEMBER = {alg: f"Checksum{alg}" for alg in ALGORITHMS}  # result/param member names


def _table(poly: int, bits: int) -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc & ((1 << bits) - 1))
    return table


_CRC32C_TABLE: list[int] = []
_CRC64_TABLE: list[int] = []


def _crc32c_python(data: bytes, crc: int = 0) -> int:
    if not _CRC32C_TABLE:
        _CRC32C_TABLE.extend(_table(0x82F63B78, 32))
    table = _CRC32C_TABLE
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc32c_function() -> Callable[[bytes, int], int]:
    try:
        import crc32c  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return _crc32c_python
    native: Callable[[bytes, int], int] = crc32c.crc32c
    return native


crc32c_update = _crc32c_function()


def crc64nvme_update(data: bytes, crc: int = 0) -> int:
    if not _CRC64_TABLE:
        _CRC64_TABLE.extend(_table(0x9A6C9329AC4BC9B5, 64))
    table = _CRC64_TABLE
    mask = 0xFFFFFFFFFFFFFFFF
    crc ^= mask
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


class _Crc:
    def __init__(self, update: Callable[[bytes, int], int], size: int) -> None:
        self.update_fn = update
        self.size = size
        self.value = 0

    def update(self, data: bytes) -> None:
        self.value = self.update_fn(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(self.size, "big")


def new_hasher(algorithm: str) -> Any:
    """A hashlib-like object (`update`, `digest`) for one of ALGORITHMS."""
    if algorithm == "CRC32":
        return _Crc(zlib.crc32, 4)
    if algorithm == "CRC32C":
        return _Crc(crc32c_update, 4)
    if algorithm == "CRC64NVME":
        return _Crc(crc64nvme_update, 8)
    if algorithm == "SHA1":
        return hashlib.sha1()
    if algorithm == "SHA256":
        return hashlib.sha256()
    raise ValueError(algorithm)


def checksum(algorithm: str, data: bytes) -> str:
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return base64.b64encode(hasher.digest()).decode("ascii")


class Hashers:
    """MD5 (for the ETag) plus the requested checksums, fed piece by piece."""

    def __init__(self, algorithms: Iterable[str] = ()) -> None:
        self.md5 = hashlib.md5()
        self.size = 0
        self.extra = {alg: new_hasher(alg) for alg in algorithms}

    def update(self, data: bytes) -> None:
        self.size += len(data)
        self.md5.update(data)
        for hasher in self.extra.values():
            hasher.update(data)

    def etag(self) -> str:
        return f'"{self.md5.hexdigest()}"'

    def checksums(self) -> dict[str, str]:
        return {alg: base64.b64encode(h.digest()).decode("ascii") for alg, h in self.extra.items()}


def md5_etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def multipart_etag(part_etags: list[str]) -> str:
    """MD5 of the concatenated binary MD5s of the parts, then `-<number of parts>`."""
    joined = b"".join(bytes.fromhex(etag.strip('"')) for etag in part_etags)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(part_etags)}"'


def composite_checksum(algorithm: str, part_checksums: list[str]) -> str:
    """The checksum of the concatenated binary part checksums, then `-<parts>`."""
    joined = b"".join(base64.b64decode(value) for value in part_checksums)
    return f"{checksum(algorithm, joined)}-{len(part_checksums)}"


def valid_checksum_text(algorithm: str, text: str) -> bool:
    size = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}[algorithm]
    try:
        return len(base64.b64decode(text, validate=True)) == size
    except ValueError:
        return False


def normalize_etag(text: str) -> str:
    """An ETag as clients quote it (or not) in conditions and part lists."""
    text = text.strip()
    if text.startswith("W/"):
        text = text[2:]
    return text if text.startswith('"') else f'"{text}"'
