"""Passwords: the pool's password policy, salted hashes, and generated temporary passwords.

Only hashes are stored (PBKDF2-SHA256 with a per-password salt). A policy violation names
the first rule the password breaks, as Cognito does. Must not: touch storage.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import string
from typing import Any

from tenku.services.cognito_idp.errors import invalid_password

# The special characters Cognito's RequireSymbols counts (its developer guide lists them).
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-")
DEFAULT_POLICY: dict[str, Any] = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}
# A local emulator needs hashes that are not plain text, not hashes that resist a farm of
# GPUs; a few thousand rounds keep sign-in under a few milliseconds.
_ROUNDS = 4000


def policy_violation(password: str, policy: dict[str, Any]) -> str | None:
    """The reason `password` breaks `policy`, or None when it conforms."""
    if len(password) < int(policy.get("MinimumLength", 8)):
        return "Password not long enough"
    if policy.get("RequireUppercase") and not any(c.isupper() for c in password):
        return "Password must have uppercase characters"
    if policy.get("RequireLowercase") and not any(c.islower() for c in password):
        return "Password must have lowercase characters"
    if policy.get("RequireNumbers") and not any(c.isdigit() for c in password):
        return "Password must have numeric characters"
    if policy.get("RequireSymbols") and not any(c in SYMBOLS for c in password):
        return "Password must have symbol characters"
    return None


def check_policy(password: str, policy: dict[str, Any], *, admin: bool = False) -> None:
    """Raise InvalidPasswordException when `password` breaks `policy`."""
    reason = policy_violation(password, policy)
    if reason is not None:
        raise invalid_password(reason, admin=admin)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _ROUNDS)
    return f"pbkdf2${_ROUNDS}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        _, rounds, salt, digest = stored.split("$")
        computed = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), bytes.fromhex(salt), int(rounds)
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


def temporary_password(policy: dict[str, Any]) -> str:
    """A random password that satisfies `policy` (AdminCreateUser without one)."""
    length = max(int(policy.get("MinimumLength", 8)), 12)
    pools = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "^$*.!@#%&"]
    chars = [secrets.choice(pool) for pool in pools]
    alphabet = "".join(pools)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
