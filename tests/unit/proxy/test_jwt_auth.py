"""JWT authorizers with keys made in the test and a fake JWKS fetcher."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tenku.core.clock import ManualClock
from tenku.proxy.identity import source_value
from tenku.proxy.jwt_auth import (
    JwtAuthorizer,
    JwtVerifier,
    bearer_token,
    claim_text,
    cognito_issuer_url,
)
from tenku.proxy.request import ProxyRequest

NOW = 1_700_000_000.0
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123"
ENDPOINT = "http://127.0.0.1:4566"
BASE = f"{ENDPOINT}/us-east-1_AbC123"
CONFIG = JwtAuthorizer(issuer=ISSUER, audiences=("client-1", "client-2"))
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def _jwk(public: Any, kid: str, alg: str) -> dict[str, Any]:
    maker = RSAAlgorithm if alg.startswith("RS") else ECAlgorithm
    data: dict[str, Any] = json.loads(maker.to_jwk(public))
    data.update({"kid": kid, "alg": alg, "use": "sig"})
    return data


class FakeIssuer:
    """Serves the discovery document and a JWKS that the test can change."""

    def __init__(self) -> None:
        self.keys = [
            _jwk(RSA_KEY.public_key(), "rsa1", "RS256"),
            _jwk(EC_KEY.public_key(), "ec1", "ES256"),
        ]
        self.calls: list[str] = []

    async def fetch(self, url: str) -> dict[str, Any]:
        self.calls.append(url)
        if url == f"{BASE}/.well-known/openid-configuration":
            return {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/.well-known/jwks.json"}
        if url == f"{BASE}/.well-known/jwks.json":
            return {"keys": list(self.keys)}
        raise OSError(f"unexpected URL {url}")


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "user-1",
        "iss": ISSUER,
        "client_id": "client-1",
        "token_use": "access",
        "scope": "read write",
        "iat": int(NOW) - 10,
        "exp": int(NOW) + 3600,
        "cognito:groups": ["admins", "users"],
        "auth_time": int(NOW) - 10,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _token(
    claims: dict[str, Any] | None = None,
    *,
    key: Any = RSA_KEY,
    alg: str = "RS256",
    kid: str = "rsa1",
) -> str:
    return jwt.encode(claims or _claims(), key, algorithm=alg, headers={"kid": kid})


def _verifier(issuer: FakeIssuer, clock: ManualClock | None = None, **kwargs: Any) -> JwtVerifier:
    return JwtVerifier(
        issuer.fetch, clock or ManualClock(NOW), issuer_url=cognito_issuer_url(ENDPOINT), **kwargs
    )


def _run(
    verifier: JwtVerifier,
    value: str | None,
    scopes: tuple[str, ...] = (),
    config: JwtAuthorizer = CONFIG,
) -> Any:
    return asyncio.run(verifier.authorize(config, value, scopes))


def _challenge(outcome: Any) -> str:
    return dict(outcome.response.headers)["www-authenticate"]


def test_rs256_access_token_with_bearer_prefix() -> None:
    outcome = _run(_verifier(FakeIssuer()), f"Bearer {_token()}", ("read",))
    assert outcome.response is None
    assert outcome.claims["sub"] == "user-1"
    assert outcome.claims["cognito:groups"] == "[admins users]"
    assert outcome.claims["exp"] == str(int(NOW) + 3600)
    assert outcome.scopes == ["read", "write"]
    assert outcome.authorizer_v2() == {
        "jwt": {"claims": outcome.claims, "scopes": ["read", "write"]}
    }
    assert outcome.authorizer_v1() == {"claims": outcome.claims, "scopes": ["read", "write"]}


def test_bare_token_and_lowercase_bearer() -> None:
    verifier = _verifier(FakeIssuer())
    assert _run(verifier, _token()).response is None
    assert _run(verifier, f"bearer   {_token()}").response is None


def test_es256() -> None:
    token = _token(key=EC_KEY, alg="ES256", kid="ec1")
    assert _run(_verifier(FakeIssuer()), token).response is None


def test_hs256_only_with_a_local_secret() -> None:
    token = jwt.encode(_claims(), "s3cret-s3cret-s3cret-s3cret-s3cret", algorithm="HS256")
    without = _run(_verifier(FakeIssuer()), token)
    assert without.response.status == 401
    assert "signing method HS256 is invalid" in _challenge(without)
    secret = {ISSUER: "s3cret-s3cret-s3cret-s3cret-s3cret"}
    assert _run(_verifier(FakeIssuer(), hs256_secrets=secret), token).response is None
    wrong = jwt.encode(_claims(), "another-secret-another-secret-xx", algorithm="HS256")
    assert _run(_verifier(FakeIssuer(), hs256_secrets=secret), wrong).response.status == 401


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        (_claims(exp=int(NOW) - 1), "the token has expired"),
        (_claims(exp=int(NOW)), "the token has expired"),
        (_claims(nbf=int(NOW) + 60), "the token is not valid yet"),
        (_claims(iat=int(NOW) + 60), "the token was issued in the future"),
        (_claims(iss="https://cognito-idp.us-east-1.amazonaws.com/other"), "valid issuer"),
        (_claims(iss=ISSUER + "/"), "valid issuer"),
        (_claims(client_id="client-9"), "valid audience"),
        (_claims(client_id=None, aud="someone-else"), "valid audience"),
        (_claims(client_id=None), "valid audience"),
        (_claims(exp="tomorrow"), "not a number"),
    ],
    ids=[
        "expired",
        "expires-now",
        "nbf-future",
        "iat-future",
        "wrong-iss",
        "iss-trailing-slash",
        "wrong-client-id",
        "wrong-aud",
        "no-audience",
        "exp-text",
    ],
)
def test_claim_failures(claims: dict[str, Any], description: str) -> None:
    outcome = _run(_verifier(FakeIssuer()), _token(claims))
    assert outcome.response.status == 401
    assert outcome.response.body == b'{"message":"Unauthorized"}'
    challenge = _challenge(outcome)
    assert challenge.startswith('Bearer scope="" error="invalid_token" error_description="')
    assert description in challenge


def test_aud_string_or_list_and_client_id() -> None:
    verifier = _verifier(FakeIssuer())
    assert _run(verifier, _token(_claims(client_id=None, aud="client-2"))).response is None
    assert _run(verifier, _token(_claims(client_id=None, aud=["x", "client-1"]))).response is None
    assert _run(verifier, _token(_claims(client_id="client-2"))).response is None


def test_nbf_and_exp_follow_the_injected_clock() -> None:
    clock = ManualClock(NOW)
    verifier = _verifier(FakeIssuer(), clock)
    token = _token(_claims(nbf=int(NOW) + 30, exp=int(NOW) + 90))
    assert _run(verifier, token).response.status == 401
    clock.advance(31)
    assert _run(verifier, token).response is None
    clock.advance(60)
    assert _run(verifier, token).response.status == 401


@pytest.mark.parametrize(
    "value", ["garbage", "a.b", "Bearer ", "", "x.y.z", "Bearer not-a-jwt-at-all"]
)
def test_garbage_tokens(value: str) -> None:
    outcome = _run(_verifier(FakeIssuer()), value)
    assert outcome.response.status == 401


def test_missing_token() -> None:
    outcome = _run(_verifier(FakeIssuer()), None)
    assert outcome.response.status == 401
    assert "the token is missing" in _challenge(outcome)


def test_bad_signature() -> None:
    forged = _token(key=RSA_OTHER)  # signed by another key under the same kid
    outcome = _run(_verifier(FakeIssuer()), forged)
    assert outcome.response.status == 401
    assert "signature is invalid" in _challenge(outcome)
    tampered = _token().rsplit(".", 1)[0] + "." + _token(key=RSA_OTHER).rsplit(".", 1)[1]
    assert _run(_verifier(FakeIssuer()), tampered).response.status == 401


def test_key_of_the_wrong_kind_is_refused() -> None:
    token = _token(key=EC_KEY, alg="ES256", kid="rsa1")  # an EC signature, an RSA key
    assert _run(_verifier(FakeIssuer()), token).response.status == 401


def test_alg_none_is_refused() -> None:
    token = jwt.encode(_claims(), None, algorithm="none")
    assert _run(_verifier(FakeIssuer()), token).response.status == 401


def test_keys_are_cached_and_an_unknown_kid_refetches_at_a_limited_rate() -> None:
    issuer = FakeIssuer()
    clock = ManualClock(NOW)
    verifier = _verifier(issuer, clock, refetch_after=30.0)
    assert _run(verifier, _token()).response is None
    assert _run(verifier, _token()).response is None
    assert len(issuer.calls) == 2  # discovery + JWKS, once
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer.keys.append(_jwk(rotated.public_key(), "rsa2", "RS256"))
    new_token = _token(key=rotated, kid="rsa2", claims=_claims())
    # too soon after the last fetch: no refetch, refused
    assert _run(verifier, new_token).response.status == 401
    assert len(issuer.calls) == 2
    clock.advance(31)
    assert _run(verifier, new_token).response is None
    assert issuer.calls[-1] == f"{BASE}/.well-known/jwks.json"
    assert len(issuer.calls) == 3  # the jwks_uri is remembered, discovery is not repeated
    # an unknown kid right after a fetch does not hammer the issuer
    for _ in range(5):
        assert _run(verifier, _token(kid="nope")).response.status == 401
    assert len(issuer.calls) == 3


def test_keys_expire_after_the_ttl() -> None:
    issuer = FakeIssuer()
    clock = ManualClock(NOW)
    verifier = _verifier(issuer, clock, ttl=100.0)
    _run(verifier, _token())
    clock.advance(101)
    token = _token(_claims(iat=int(clock.now()) - 1, exp=int(clock.now()) + 60))
    assert _run(verifier, token).response is None
    assert len(issuer.calls) == 3


def test_unreachable_issuer_is_a_401() -> None:
    async def down(url: str) -> dict[str, Any]:
        raise OSError("connection refused")

    verifier = JwtVerifier(down, ManualClock(NOW))
    outcome = _run(verifier, _token())
    assert outcome.response.status == 401
    assert "unable to fetch" in _challenge(outcome)


@pytest.mark.parametrize(
    ("route_scopes", "token_scope", "status"),
    [
        (("read",), "read write", None),
        (("admin", "write"), "read write", None),
        (("admin",), "read write", 403),
        (("admin",), None, 403),
        ((), None, None),
    ],
)
def test_route_scopes(
    route_scopes: tuple[str, ...], token_scope: str | None, status: int | None
) -> None:
    outcome = _run(_verifier(FakeIssuer()), _token(_claims(scope=token_scope)), route_scopes)
    if status is None:
        assert outcome.response is None
    else:
        assert outcome.response.status == 403
        assert outcome.response.body == b'{"message":"Forbidden"}'
        assert 'error="insufficient_scope"' in _challenge(outcome)
        assert f'scope="{" ".join(route_scopes)}"' in _challenge(outcome)


def test_scp_claim_list() -> None:
    outcome = _run(_verifier(FakeIssuer()), _token(_claims(scope=None, scp=["a", "b"])), ("b",))
    assert outcome.response is None and outcome.scopes == ["a", "b"]


def test_identity_source_from_the_request() -> None:
    request = ProxyRequest("GET", "/", headers=(("authorization", f"Bearer {_token()}"),))
    value = source_value("$request.header.Authorization", request)
    assert _run(_verifier(FakeIssuer()), value).response is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("s", "s"),
        (True, "true"),
        (12, "12"),
        (12.0, "12"),
        (1.5, "1.5"),
        (["a", "b"], "[a b]"),
        ([], "[]"),
        ({"b": 1, "a": "x"}, "map[a:x b:1]"),
        (None, "<nil>"),
    ],
)
def test_claim_text(value: Any, text: str) -> None:
    assert claim_text(value) == text


def test_helpers() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("abc") == "abc"
    assert bearer_token("Bearer") == "Bearer"
    assert bearer_token("  ") is None
    url_for = cognito_issuer_url("http://localhost:4566/")
    assert url_for(ISSUER) == "http://localhost:4566/us-east-1_AbC123"
    assert url_for("https://login.example.com") == "https://login.example.com"
