"""Helpers shared by the Cognito integration tests: pools, clients, confirmed users, the
codes Tenku keeps in place of emails, SECRET_HASH, and token checks against the JWKS the
server publishes over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.request
import uuid
from typing import Any

import jwt

from tests.integration.conftest import TenkuProcess

PASSWORD = "Corr3ct-Horse!"
PASSWORD_FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]


def unique(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def codes(tenku: TenkuProcess, pool_id: str, username: str) -> dict[str, str]:
    """The codes Cognito would have emailed to `username`, by purpose."""
    answer = get_json(f"{tenku.endpoint}/_tenku/cognito/codes/{pool_id}/{username}")
    result: dict[str, str] = answer["codes"]
    return result


def make_pool(idp: Any, **kwargs: Any) -> str:
    kwargs.setdefault("PoolName", unique("pool"))
    pool_id: str = idp.create_user_pool(**kwargs)["UserPool"]["Id"]
    return pool_id


def make_client(idp: Any, pool_id: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("ClientName", "app")
    kwargs.setdefault("ExplicitAuthFlows", PASSWORD_FLOWS)
    client: dict[str, Any] = idp.create_user_pool_client(UserPoolId=pool_id, **kwargs)[
        "UserPoolClient"
    ]
    return client


def confirmed_user(
    idp: Any,
    pool_id: str,
    username: str | None = None,
    password: str = PASSWORD,
    attributes: dict[str, str] | None = None,
) -> str:
    """A CONFIRMED user with a permanent password (through the admin API)."""
    username = username or unique()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in (attributes or {}).items()],
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )
    return username


def password_auth(
    idp: Any, client_id: str, username: str, password: str = PASSWORD, **extra: str
) -> Any:
    return idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password, **extra},
    )


def secret_hash(secret: str, username: str, client_id: str) -> str:
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def issuer(pool_id: str) -> str:
    return f"https://cognito-idp.{pool_id.split('_')[0]}.amazonaws.com/{pool_id}"


def verify(tenku: TenkuProcess, pool_id: str, token: str, **options: Any) -> dict[str, Any]:
    """Check `token` the way an API's JWT authorizer would: find the JWKS through the
    pool's discovery document (issuer mapped to the Tenku endpoint), check the signature,
    the issuer and the expiry (and the audience when given)."""
    discovery = get_json(f"{tenku.endpoint}/{pool_id}/.well-known/openid-configuration")
    assert discovery["issuer"] == issuer(pool_id)
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"], cache_keys=False).get_signing_key_from_jwt(
        token
    )
    claims: dict[str, Any] = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        issuer=issuer(pool_id),
        options={"require": ["exp", "iat", "iss"], "verify_aud": "audience" in options},
        **options,
    )
    return claims
