"""The server side of Cognito's SRP-6a sign-in (USER_SRP_AUTH, PASSWORD_VERIFIER), as
Amplify, the AWS SDKs' helpers and pycognito speak it.

The group is RFC 5054's 3072-bit prime with g = 2; hashes are SHA-256 over hex strings
padded the way Cognito pads them (even length, a leading 00 when the high bit is set);
x = H(salt | H(poolName + userId + ":" + password)) where poolName is the part of the pool
id after "_"; the session key is HKDF-SHA256(S, salt=u, info "Caldera Derived Key"), 16
bytes; the client's claim is HMAC-SHA256(key, poolName + userId + secretBlock + timestamp),
base64. Only the verifier (g^x) and its salt are stored, never the password.
Must not: touch storage or decide sign-in rules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
_INFO = b"Caldera Derived Key"


def pad_hex(value: int | str) -> str:
    text = value if isinstance(value, str) else format(value, "x")
    if len(text) % 2:
        return "0" + text
    return "00" + text if text[:1] in "89abcdefABCDEF" else text


def _hex_hash(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest().rjust(64, "0")


K = int(_hex_hash(pad_hex(N) + pad_hex(G)), 16)


def _x(pool_id: str, user_id: str, password: str, salt_hex: str) -> int:
    secret = f"{pool_id.split('_', 1)[1]}{user_id}:{password}".encode()
    return int(_hex_hash(pad_hex(salt_hex) + hashlib.sha256(secret).hexdigest()), 16)


def make_verifier(pool_id: str, user_id: str, password: str) -> str:
    """`salt:verifier` (hex) to store for a user's password."""
    salt = secrets.token_hex(16)
    return f"{salt}:{format(pow(G, _x(pool_id, user_id, password, salt), N), 'x')}"


def server_values(stored: str) -> tuple[str, int, int]:
    """(salt hex, b, B) for a new sign-in against the stored verifier."""
    salt, verifier = stored.split(":")
    b = secrets.randbits(256) % N
    big_b = (K * int(verifier, 16) + pow(G, b, N)) % N
    return salt, b, big_b


def session_key(stored: str, big_a: int, b: int, big_b: int) -> bytes | None:
    """The shared key; None when the client's A is unusable."""
    if big_a % N == 0:
        return None
    u = int(_hex_hash(pad_hex(big_a) + pad_hex(big_b)), 16)
    if u == 0:
        return None
    verifier = int(stored.split(":")[1], 16)
    s = pow(big_a * pow(verifier, u, N), b, N)
    prk = hmac.new(
        bytes.fromhex(pad_hex(format(u, "x"))), bytes.fromhex(pad_hex(s)), hashlib.sha256
    )
    return hmac.new(prk.digest(), _INFO + b"\x01", hashlib.sha256).digest()[:16]


def claim_signature(
    key: bytes, pool_id: str, user_id: str, secret_block: str, timestamp: str
) -> str:
    """The PASSWORD_CLAIM_SIGNATURE a client that knows the password sends."""
    message = (
        pool_id.split("_", 1)[1].encode()
        + user_id.encode()
        + base64.b64decode(secret_block)
        + timestamp.encode()
    )
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
