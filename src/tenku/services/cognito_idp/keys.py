"""Signing keys and JWTs: a pool's RSA key pair, its JWKS entry, RS256 signing and
signature checks (PyJWT on `cryptography`).

Keys are made once, when the pool is created, and stored (PEM) with it; the `kid` is a
digest of the public key. Expiry is not checked here: callers compare `exp` with the
injected clock, so that tests can move time. PyJWT and `cryptography` are imported on
first use: together they cost about 10 MB and 100 ms, which a server that never sees a
user pool should not pay. Must not: touch storage.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa


class SigningKey(NamedTuple):
    kid: str
    private: rsa.RSAPrivateKey

    @property
    def public(self) -> rsa.RSAPublicKey:
        return self.private.public_key()


def new_private_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def load(private_pem: str) -> SigningKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError("a user pool key must be RSA")
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = base64.b64encode(hashlib.sha256(der).digest()).decode()
    return SigningKey(kid, private)


def jwk(key: SigningKey) -> dict[str, Any]:
    """The public half as a JWKS entry (the members Cognito publishes)."""
    from jwt.algorithms import RSAAlgorithm

    public: dict[str, Any] = RSAAlgorithm.to_jwk(key.public, as_dict=True)
    return {
        "alg": "RS256",
        "e": public["e"],
        "kid": key.kid,
        "kty": "RSA",
        "n": public["n"],
        "use": "sig",
    }


def sign(claims: dict[str, Any], key: SigningKey) -> str:
    import jwt

    # Cognito's header carries kid and alg only (no typ).
    return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid, "typ": None})


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT without checking it (to learn which pool issued it)."""
    import jwt

    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims


def verified_claims(token: str, key: SigningKey) -> dict[str, Any] | None:
    """The payload when `key` signed `token`; None otherwise. Times are not checked."""
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        if header.get("kid") != key.kid:
            return None
        claims: dict[str, Any] = jwt.decode(
            token,
            key.public,
            algorithms=["RS256"],
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
            },
        )
    except jwt.PyJWTError:
        return None
    return claims
