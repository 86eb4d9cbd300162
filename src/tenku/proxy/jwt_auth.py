"""HTTP API JWT authorizers: take the token from the identity source, verify it against
the issuer's JWKS, check its claims and the route's scopes.

As AWS does it: the token may be bare or prefixed with `Bearer `; RS256/384/512 and
ES256/384/512 signatures are checked with the key named by the token's `kid` in the
JWKS found through `{issuer}/.well-known/openid-configuration` (`jwks_uri`). HS256 is
accepted only for an issuer given a local secret (a Tenku convenience; AWS has none).
`iss` must equal the configured issuer exactly; `aud` (string or list) or, without
`aud`, `client_id` must be one of the configured audiences; `exp` must be in the
future, `nbf` and `iat` not in the future. A route with authorization scopes needs one
of them in the token's `scope` (space separated) or `scp` claim.

Failures answer 401 `{"message":"Unauthorized"}` with a `www-authenticate: Bearer
scope="..." error="invalid_token" error_description="..."` header; missing scopes
answer 403 `{"message":"Forbidden"}` with `error="insufficient_scope"`. On success the
claims reach the integration as strings, the way API Gateway prints them (lists as
`[a b]`, maps as `map[k:v]`).

I/O only through the injected `fetch_json(url)`; keys are cached per issuer for a TTL
and fetched again for an unknown `kid`, at most once per `refetch_after` seconds.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt

from tenku.core.clock import Clock
from tenku.proxy import responses
from tenku.proxy.responses import ProxyResponse

FetchJson = Callable[[str], Awaitable[dict[str, Any]]]
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})
_COGNITO = re.compile(r"https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/(?P<pool>[\w-]+)/?")


@dataclass(frozen=True)
class JwtAuthorizer:
    """An authorizer's `JwtConfiguration` (`Issuer`, `Audience`)."""

    issuer: str
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class JwtOutcome:
    """`response` None means authorized; then `claims`/`scopes` go to the event."""

    response: ProxyResponse | None
    claims: dict[str, str] | None = None
    scopes: list[str] | None = None

    def authorizer_v2(self) -> dict[str, Any]:
        return {"jwt": {"claims": self.claims, "scopes": self.scopes}}

    def authorizer_v1(self) -> dict[str, Any]:
        return {"claims": self.claims, "scopes": self.scopes}


class JwtRejected(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def cognito_issuer_url(endpoint: str) -> Callable[[str], str]:
    """An issuer -> base URL mapper: Cognito user pool issuers
    (`https://cognito-idp.<region>.amazonaws.com/<poolId>`) go to `<endpoint>/<poolId>`,
    where Tenku serves the discovery document and JWKS; any other issuer is itself."""
    base = endpoint.rstrip("/")

    def url_for(issuer: str) -> str:
        match = _COGNITO.fullmatch(issuer)
        return f"{base}/{match['pool']}" if match else issuer

    return url_for


def claim_text(value: Any) -> str:
    """A claim as API Gateway passes it on: strings as they are, `true`/`false`, whole
    numbers without a fraction, lists `[a b]`, maps `map[k:v]` (keys sorted)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + " ".join(claim_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{claim_text(value[k])}" for k in sorted(value)) + "]"
    return "<nil>" if value is None else str(value)


def bearer_token(value: str | None) -> str | None:
    """The token in an identity value: bare, or after `Bearer `."""
    if value is None:
        return None
    token = value.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    return token or None


def token_scopes(claims: Mapping[str, Any]) -> list[str]:
    scope = claims.get("scope", claims.get("scp"))
    if isinstance(scope, str):
        return scope.split()
    if isinstance(scope, list):
        return [str(s) for s in scope]
    return []


@dataclass
class _Keys:
    jwks_uri: str
    keys: dict[str, jwt.PyJWK]
    fetched_at: float


@dataclass
class JwtVerifier:
    """Verifies tokens for any number of JWT authorizers; owns the JWKS cache."""

    fetch_json: FetchJson
    clock: Clock
    issuer_url: Callable[[str], str] = lambda issuer: issuer
    hs256_secrets: Mapping[str, str | bytes] = field(default_factory=dict)
    ttl: float = 3600.0
    refetch_after: float = 30.0
    _cache: dict[str, _Keys] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def _fetch_keys(self, issuer: str) -> _Keys:
        base = self.issuer_url(issuer).rstrip("/")
        cached = self._cache.get(issuer)
        jwks_uri = cached.jwks_uri if cached else ""
        try:
            if not jwks_uri:
                discovery = await self.fetch_json(f"{base}/.well-known/openid-configuration")
                jwks_uri = str(discovery["jwks_uri"])
                if jwks_uri.startswith(issuer.rstrip("/")):
                    jwks_uri = base + jwks_uri[len(issuer.rstrip("/")) :]
            document = await self.fetch_json(jwks_uri)
            keys: dict[str, jwt.PyJWK] = {}
            for item in document.get("keys") or []:
                try:
                    keys[str(item.get("kid", ""))] = jwt.PyJWK(item)
                except (jwt.PyJWTError, KeyError, ValueError, TypeError):
                    continue  # a key of a kind we cannot use cannot sign a valid token
        except (TimeoutError, OSError, ValueError, KeyError, TypeError) as error:
            raise JwtRejected(f"unable to fetch the issuer's keys: {error}") from error
        entry = _Keys(jwks_uri, keys, self.clock.now())
        self._cache[issuer] = entry
        return entry

    async def _key(self, issuer: str, kid: str) -> jwt.PyJWK:
        lock = self._locks.setdefault(issuer, asyncio.Lock())
        async with lock:
            entry = self._cache.get(issuer)
            now = self.clock.now()
            stale = entry is None or now - entry.fetched_at >= self.ttl
            unknown = entry is not None and kid not in entry.keys
            if stale or (
                unknown and entry is not None and now - entry.fetched_at >= self.refetch_after
            ):
                entry = await self._fetch_keys(issuer)
        if entry is None or kid not in entry.keys:
            raise JwtRejected("the token's kid was not found in the issuer's JWKS")
        return entry.keys[kid]

    async def verify(self, config: JwtAuthorizer, token: str) -> dict[str, Any]:
        """The token's claims, or JwtRejected with AWS's kind of description."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as error:
            raise JwtRejected("token contains an invalid number of segments") from error
        alg = str(header.get("alg", ""))
        key: Any
        if alg == "HS256" and config.issuer in self.hs256_secrets:
            key = self.hs256_secrets[config.issuer]
        elif alg in ASYMMETRIC:
            key = (await self._key(config.issuer, str(header.get("kid", "")))).key
        else:
            raise JwtRejected(f"signing method {alg or 'none'} is invalid")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except jwt.InvalidSignatureError as error:
            raise JwtRejected("the token signature is invalid") from error
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise JwtRejected(f"the token could not be verified: {error}") from error
        self._check_claims(config, claims)
        return claims

    def _check_claims(self, config: JwtAuthorizer, claims: Mapping[str, Any]) -> None:
        now = self.clock.now()
        if claims.get("iss") != config.issuer:
            raise JwtRejected("the token does not have a valid issuer")
        audience = claims.get("aud", claims.get("client_id"))
        offered = audience if isinstance(audience, list) else [audience]
        if config.audiences and not any(
            a in config.audiences for a in offered if isinstance(a, str)
        ):
            raise JwtRejected("the token does not have a valid audience")
        for name in ("exp", "nbf", "iat"):
            value = claims.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise JwtRejected(f"the token's {name} claim is not a number")
        if claims.get("exp") is not None and claims["exp"] <= now:
            raise JwtRejected("the token has expired")
        if claims.get("nbf") is not None and claims["nbf"] > now:
            raise JwtRejected("the token is not valid yet")
        if claims.get("iat") is not None and claims["iat"] > now:
            raise JwtRejected("the token was issued in the future")

    async def authorize(
        self, config: JwtAuthorizer, identity_value: str | None, route_scopes: Sequence[str] = ()
    ) -> JwtOutcome:
        """The whole check for one request; `identity_value` is the identity source's
        value (`identity.source_value`), None when the request has none."""
        wanted = " ".join(route_scopes)
        token = bearer_token(identity_value)
        if token is None:
            return JwtOutcome(
                responses.http_unauthorized(_challenge(wanted, "the token is missing"))
            )
        try:
            claims = await self.verify(config, token)
        except JwtRejected as rejected:
            return JwtOutcome(responses.http_unauthorized(_challenge(wanted, rejected.description)))
        scopes = token_scopes(claims)
        if route_scopes and not set(route_scopes) & set(scopes):
            challenge = (
                f'Bearer scope="{wanted}" error="insufficient_scope" '
                f'error_description="expected scopes: [{wanted}]"'
            )
            return JwtOutcome(responses.http_forbidden(challenge))
        text = {name: claim_text(value) for name, value in claims.items()}
        return JwtOutcome(None, text, scopes or None)


def _challenge(scope: str, description: str) -> str:
    clean = description.replace('"', "'")
    return f'Bearer scope="{scope}" error="invalid_token" error_description="{clean}"'


def local_jwt_verifier(clock: Clock, endpoint: Callable[[], str]) -> JwtVerifier:
    """A verifier that fetches keys over HTTP, with Tenku user pools' AWS-form issuers
    (`https://cognito-idp.{region}.amazonaws.com/{pool}`) read from this server, whose
    endpoint `endpoint()` gives (it is known only once the server listens)."""
    from tenku.proxy.integration import fetch_json

    return JwtVerifier(
        fetch_json=fetch_json,
        clock=clock,
        issuer_url=lambda issuer: cognito_issuer_url(endpoint())(issuer),
    )
