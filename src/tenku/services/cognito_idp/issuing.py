"""Issuing tokens: ID, access and refresh tokens for a signed-in user, and what lets
others check them (the pool's JWKS and OpenID discovery document). Also Tenku's own
token minting for tests and `tenku token`, which signs in a user without a password.

Refresh tokens are opaque random strings, stored as digests with the sign-in they
belong to (`origin_jti`), so that revoking one also revokes the access tokens of that
sign-in. Must not: decide whether a user may sign in (auth_ops.py does).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from tenku.core.errors import ServiceError
from tenku.services.cognito_idp import claims, keys, pools
from tenku.services.cognito_idp.accounts import Accounts
from tenku.services.cognito_idp.errors import (
    client_not_found,
    pool_not_found,
    user_disabled,
    user_not_found,
)
from tenku.services.cognito_idp.store import Client, Pool, RefreshToken, User

JsonDict = dict[str, Any]


class TokenIssuer(Accounts):
    def _issue_tokens(
        self, pool: Pool, client: Client, user: User, refresh: RefreshToken | None = None
    ) -> JsonDict:
        """An AuthenticationResult: new ID and access tokens, and a refresh token unless
        this is a refresh (which keeps the sign-in's auth_time and origin_jti)."""
        now = int(self._now())
        access_ttl = pools.validity_seconds(client, "AccessToken")
        times = claims.TokenTimes(
            auth_time=refresh.auth_time if refresh else now,
            issued_at=now,
            id_expires_at=now + pools.validity_seconds(client, "IdToken"),
            access_expires_at=now + access_ttl,
        )
        ids = claims.TokenIds(
            id_jti=str(uuid.uuid4()),
            access_jti=str(uuid.uuid4()),
            origin_jti=refresh.origin_jti if refresh else str(uuid.uuid4()),
            event_id=str(uuid.uuid4()),
        )
        groups = [
            claims.GroupClaim(g.name, g.precedence, g.role_arn)
            for g in self.store.groups_of(pool.id, user.key)
        ]
        issuer = claims.issuer(pool.region, pool.id)
        key = self._signing_key(pool)
        id_claims = claims.id_token_claims(
            pool_issuer=issuer, client_id=client.id, username=user.username,
            attributes=user.attributes, groups=groups, times=times, ids=ids,
            readable=client.config.get("ReadAttributes"),
        )  # fmt: skip
        access_claims = claims.access_token_claims(
            pool_issuer=issuer, client_id=client.id, username=user.username, sub=user.sub,
            groups=groups, times=times, ids=ids,
        )  # fmt: skip
        result: JsonDict = {
            "AccessToken": keys.sign(access_claims, key),
            "ExpiresIn": access_ttl,
            "TokenType": "Bearer",
            "IdToken": keys.sign(id_claims, key),
        }
        if refresh is None:
            token = secrets.token_urlsafe(96)
            expires = now + pools.validity_seconds(client, "RefreshToken")
            record = RefreshToken(pool.id, client.id, user.key, ids.origin_jti, now, expires, False)
            self.store.put_refresh(token, record)
            result["RefreshToken"] = token
        return result

    # -- Tenku's own routes (not AWS operations) ------------------------------------------
    def mint_tokens(self, pool_id: str, username: str, client_id: str | None = None) -> JsonDict:
        """Tokens for an existing user, no password asked (tests, `tenku token`). The
        client defaults to the pool's first. Raises ServiceError with Cognito's codes."""
        pool = self.store.pool(pool_id)
        if pool is None:
            raise pool_not_found(pool_id)
        if client_id:
            client = self.store.client(client_id)
            if client is None or client.pool_id != pool.id:
                raise client_not_found(client_id)
        else:
            clients = self.store.clients(pool.id)
            if not clients:
                raise ServiceError(
                    "ResourceNotFoundException", f"User pool {pool_id} has no app client."
                )
            client = clients[0]
        user = self._find_user(pool, username)
        if user is None:
            raise user_not_found()
        if not user.enabled:
            raise user_disabled()
        return {
            **self._issue_tokens(pool, client, user),
            "ClientId": client.id,
            "Username": user.username,
        }

    def jwks(self, pool_id: str) -> JsonDict | None:
        """The pool's JSON Web Key Set; None when there is no such pool."""
        pool = self.store.pool(pool_id)
        if pool is None:
            return None
        return {"keys": [keys.jwk(self._signing_key(pool))]}

    def openid_configuration(self, pool_id: str, base_url: str) -> JsonDict | None:
        """The pool's OpenID discovery document. The issuer is the AWS one; the JWKS is
        where Tenku serves it (`base_url` is how the caller reached Tenku)."""
        pool = self.store.pool(pool_id)
        if pool is None:
            return None
        return {
            "issuer": claims.issuer(pool.region, pool.id),
            "jwks_uri": f"{base_url.rstrip('/')}/{pool.id}/.well-known/jwks.json",
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "aud", "iss", "exp", "iat", "auth_time", "token_use",
                                 "cognito:username", "cognito:groups", "email", "email_verified"],
        }  # fmt: skip
