"""Identifiers: request ids, message ids and opaque tokens, all random UUID-shaped."""

from __future__ import annotations

import os


def new_uuid() -> str:
    """A random (version 4) UUID string; built by hand because `uuid.UUID` is slow."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_token(nbytes: int = 16) -> str:
    return os.urandom(nbytes).hex()
