"""Identifiers: request ids, message ids and opaque tokens, all random UUID-shaped."""

from __future__ import annotations

import os
import random

# Ids need uniqueness, not secrecy: a generator seeded from the OS once is enough, and
# costs no system call per id (message ids are minted on every send).
_random = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _random.seed(os.urandom(32)))  # no shared streams
_VERSION_4 = (0x4 << 76) | (0x2 << 62)
_CLEAR = ~((0xF << 76) | (0x3 << 62))


def new_uuid() -> str:
    """A random version-4 UUID string."""
    h = "%032x" % ((_random.getrandbits(128) & _CLEAR) | _VERSION_4)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_token(nbytes: int = 16) -> str:
    """A secret-grade random token (receipt nonces, task handles)."""
    return os.urandom(nbytes).hex()
