"""The claims of the ID and access tokens a user pool issues, as Cognito writes them.

Pure functions of the user, the client, the groups and the times; signing is `keys.py`'s
job. The issuer is always the AWS form `https://cognito-idp.{region}.amazonaws.com/{pool}`
so that whatever trusts a real pool (a JWT authorizer, an OIDC library configured with
that issuer) trusts Tenku's tokens the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

ACCESS_SCOPE = "aws.cognito.signin.user.admin"
_BOOLEAN_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified"})


class GroupClaim(NamedTuple):
    name: str
    precedence: int | None
    role_arn: str | None


class TokenTimes(NamedTuple):
    auth_time: int  # when the user signed in (kept across refreshes)
    issued_at: int
    id_expires_at: int
    access_expires_at: int


class TokenIds(NamedTuple):
    id_jti: str
    access_jti: str
    origin_jti: str  # one per sign-in; refreshed tokens keep it (revocation follows it)
    event_id: str


def issuer(region: str, pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def region_of_pool(pool_id: str) -> str:
    return pool_id.split("_", 1)[0]


def ordered_groups(groups: Sequence[GroupClaim]) -> list[GroupClaim]:
    """Groups by precedence (lowest value first, unset last), then by name."""
    return sorted(groups, key=lambda g: (g.precedence is None, g.precedence or 0, g.name))


def attribute_claims(
    attributes: Mapping[str, str], readable: Sequence[str] | None = None
) -> dict[str, Any]:
    """User attributes as ID token claims: booleans for the *_verified ones, a number for
    `updated_at`, `{"formatted": ...}` for `address`, strings for the rest."""
    out: dict[str, Any] = {}
    for name, value in attributes.items():
        if name == "sub" or (readable is not None and name not in readable):
            continue
        if name in _BOOLEAN_ATTRIBUTES:
            out[name] = value == "true"
        elif name == "updated_at" and value.isdigit():
            out[name] = int(value)
        elif name == "address":
            out[name] = {"formatted": value}
        else:
            out[name] = value
    return out


def id_token_claims(
    *,
    pool_issuer: str,
    client_id: str,
    username: str,
    attributes: Mapping[str, str],
    groups: Sequence[GroupClaim],
    times: TokenTimes,
    ids: TokenIds,
    readable: Sequence[str] | None = None,
) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": attributes.get("sub", "")}
    _add_groups(claims, groups, with_roles=True)
    claims.update(attribute_claims(attributes, readable))
    claims.update(
        {
            "iss": pool_issuer,
            "cognito:username": username,
            "origin_jti": ids.origin_jti,
            "aud": client_id,
            "event_id": ids.event_id,
            "token_use": "id",
            "auth_time": times.auth_time,
            "exp": times.id_expires_at,
            "iat": times.issued_at,
            "jti": ids.id_jti,
        }
    )
    return claims


def access_token_claims(
    *,
    pool_issuer: str,
    client_id: str,
    username: str,
    sub: str,
    groups: Sequence[GroupClaim],
    times: TokenTimes,
    ids: TokenIds,
    scope: str = ACCESS_SCOPE,
) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": sub}
    _add_groups(claims, groups, with_roles=False)
    claims.update(
        {
            "iss": pool_issuer,
            "client_id": client_id,
            "origin_jti": ids.origin_jti,
            "event_id": ids.event_id,
            "token_use": "access",
            "scope": scope,
            "auth_time": times.auth_time,
            "exp": times.access_expires_at,
            "iat": times.issued_at,
            "jti": ids.access_jti,
            "username": username,
        }
    )
    return claims


def _add_groups(claims: dict[str, Any], groups: Sequence[GroupClaim], *, with_roles: bool) -> None:
    if not groups:
        return
    ordered = ordered_groups(groups)
    claims["cognito:groups"] = [g.name for g in ordered]
    if with_roles:
        roles = [g.role_arn for g in ordered if g.role_arn]
        if roles:
            claims["cognito:roles"] = roles
            claims["cognito:preferred_role"] = roles[0]
