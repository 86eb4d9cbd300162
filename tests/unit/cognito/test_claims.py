"""Token claims as Cognito writes them, and signing/verifying them with a pool key."""

from __future__ import annotations

import jwt

from tenku.services.cognito_idp import claims, keys

TIMES = claims.TokenTimes(
    auth_time=1000, issued_at=1100, id_expires_at=4700, access_expires_at=1400
)
IDS = claims.TokenIds(id_jti="j1", access_jti="j2", origin_jti="o1", event_id="e1")
ISSUER = claims.issuer("eu-west-1", "eu-west-1_AbC123xyz")


def test_issuer_is_the_aws_one() -> None:
    assert ISSUER == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz"
    assert claims.region_of_pool("eu-west-1_AbC123xyz") == "eu-west-1"


def test_id_token_claims() -> None:
    attributes = {
        "sub": "s-1",
        "email": "a@b.c",
        "email_verified": "true",
        "phone_number_verified": "false",
        "updated_at": "1700000000",
        "address": "1 Main St",
        "custom:tier": "gold",
    }
    groups = [
        claims.GroupClaim("zeta", None, None),
        claims.GroupClaim("beta", 2, "arn:aws:iam::1:role/b"),
        claims.GroupClaim("alpha", 2, None),
        claims.GroupClaim("top", 0, "arn:aws:iam::1:role/t"),
    ]
    built = claims.id_token_claims(
        pool_issuer=ISSUER, client_id="client1", username="user1", attributes=attributes,
        groups=groups, times=TIMES, ids=IDS,
    )  # fmt: skip
    assert built == {
        "sub": "s-1",
        "cognito:groups": ["top", "alpha", "beta", "zeta"],
        "cognito:roles": ["arn:aws:iam::1:role/t", "arn:aws:iam::1:role/b"],
        "cognito:preferred_role": "arn:aws:iam::1:role/t",
        "email": "a@b.c",
        "email_verified": True,
        "phone_number_verified": False,
        "updated_at": 1700000000,
        "address": {"formatted": "1 Main St"},
        "custom:tier": "gold",
        "iss": ISSUER,
        "cognito:username": "user1",
        "origin_jti": "o1",
        "aud": "client1",
        "event_id": "e1",
        "token_use": "id",
        "auth_time": 1000,
        "exp": 4700,
        "iat": 1100,
        "jti": "j1",
    }


def test_id_token_honours_the_clients_read_attributes() -> None:
    built = claims.id_token_claims(
        pool_issuer=ISSUER, client_id="c", username="u",
        attributes={"sub": "s", "email": "a@b.c", "name": "Ann"}, groups=[], times=TIMES,
        ids=IDS, readable=["email"],
    )  # fmt: skip
    assert "email" in built and "name" not in built and "cognito:groups" not in built


def test_access_token_claims() -> None:
    built = claims.access_token_claims(
        pool_issuer=ISSUER, client_id="client1", username="user1", sub="s-1",
        groups=[claims.GroupClaim("g", None, "arn:aws:iam::1:role/g")], times=TIMES, ids=IDS,
    )  # fmt: skip
    assert built == {
        "sub": "s-1",
        "cognito:groups": ["g"],
        "iss": ISSUER,
        "client_id": "client1",
        "origin_jti": "o1",
        "event_id": "e1",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": 1000,
        "exp": 1400,
        "iat": 1100,
        "jti": "j2",
        "username": "user1",
    }


def test_signing_and_checking() -> None:
    key = keys.load(keys.new_private_pem())
    other = keys.load(keys.new_private_pem())
    assert key.kid != other.kid
    token = keys.sign({"sub": "s", "exp": 1}, key)  # long expired: times are the caller's
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": key.kid}
    assert keys.verified_claims(token, key) == {"sub": "s", "exp": 1}
    assert keys.verified_claims(token, other) is None
    assert keys.verified_claims(token[:-4] + "AAAA", key) is None
    assert keys.unverified_claims("garbage") is None
    public = jwt.PyJWK(keys.jwk(key))
    assert jwt.decode(token, public.key, algorithms=["RS256"], options={"verify_exp": False})
