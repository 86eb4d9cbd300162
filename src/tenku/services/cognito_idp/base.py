"""What every group of Cognito operations shares: finding pools, clients and users (by
username, alias or sub), the SECRET_HASH check, user descriptions, one-time codes and
their delivery, access-token checks and the pool's signing key.

Must not: implement an operation (the mixins in `*_ops.py` do).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Any

from tenku.core.clock import Clock
from tenku.core.scope import Scope
from tenku.services.cognito_idp import keys, pools
from tenku.services.cognito_idp.errors import (
    client_not_found,
    expired_access_token,
    invalid_access_token,
    pool_not_found,
    revoked_access_token,
    secret_hash_missing,
    secret_hash_wrong,
    user_not_found,
)
from tenku.services.cognito_idp.store import Client, CognitoStore, Pool, User

# Codes Cognito would email or text land here (and in GET /_tenku/cognito/codes/...): at
# warning level, so that they show with the server's default log level.
messages = logging.getLogger("tenku.cognito.messages")

SIGN_UP = "SIGN_UP"
FORGOT_PASSWORD = "FORGOT_PASSWORD"
TEMPORARY_PASSWORD = "TEMPORARY_PASSWORD"
CODE_TTL = {SIGN_UP: 24 * 3600.0, FORGOT_PASSWORD: 3600.0}
VERIFY_TTL = 24 * 3600.0


class CognitoBase:
    def __init__(self, store: CognitoStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._keys: dict[str, keys.SigningKey] = {}  # parsed PEMs, by pool id (a cache)

    def _now(self) -> float:
        return self.clock.now()

    # -- pools and clients -----------------------------------------------------------------
    def _pool(self, scope: Scope, pool_id: str) -> Pool:
        pool = self.store.pool(pool_id)
        if pool is None or pool.scope != scope:
            raise pool_not_found(pool_id)
        return pool

    def _pool_client(self, pool: Pool, client_id: str) -> Client:
        client = self.store.client(client_id)
        if client is None or client.pool_id != pool.id:
            raise client_not_found(client_id)
        return client

    def _client(self, scope: Scope, client_id: str) -> tuple[Pool, Client]:
        """The client of an operation that names no pool (InitiateAuth, SignUp...)."""
        client = self.store.client(client_id)
        pool = self.store.pool(client.pool_id) if client else None
        if client is None or pool is None or pool.scope != scope:
            raise client_not_found(client_id)
        return pool, client

    def _signing_key(self, pool: Pool) -> keys.SigningKey:
        key = self._keys.get(pool.id)
        if key is None:
            key = self._keys[pool.id] = keys.load(pool.private_key)
        return key

    @staticmethod
    def _check_secret_hash(client: Client, username: str, given: str | None) -> None:
        secret = client.config.get("ClientSecret")
        if not secret:
            return
        if not given:
            raise secret_hash_missing(client.id)
        if not hmac.compare_digest(given, secret_hash(secret, username, client.id)):
            raise secret_hash_wrong(client.id)

    # -- users -----------------------------------------------------------------------------
    @staticmethod
    def _key(pool: Pool, username: str) -> str:
        return username if pools.case_sensitive(pool) else username.lower()

    def _find_user(self, pool: Pool, name: str) -> User | None:
        """The user `name` signs in as: their username, a sign-in alias, or their sub."""
        user = self.store.user(pool.id, self._key(pool, name))
        if user is not None:
            return user
        username_attributes = pools.username_attributes(pool)
        for alias in username_attributes:
            found = self.store.users_by_alias(pool.id, alias, name)
            if found:
                return found[0]
        for alias in pools.alias_attributes(pool):
            for candidate in self.store.users_by_alias(pool.id, alias, name):
                if alias == "preferred_username" or (
                    candidate.attributes.get(f"{alias}_verified") == "true"
                ):
                    return candidate
        return self.store.user_by_sub(pool.id, name)

    def _user(self, pool: Pool, name: str) -> User:
        user = self._find_user(pool, name)
        if user is None:
            raise user_not_found()
        return user

    @staticmethod
    def _attribute_list(
        attributes: dict[str, str], wanted: list[str] | None = None
    ) -> list[dict[str, str]]:
        return [
            {"Name": name, "Value": value}
            for name, value in attributes.items()
            if wanted is None or name in wanted
        ]

    def _describe_user(self, user: User, wanted: list[str] | None = None) -> dict[str, Any]:
        """A `UserType`."""
        return {
            "Username": user.username,
            "Attributes": self._attribute_list(user.attributes, wanted),
            "UserCreateDate": user.created,
            "UserLastModifiedDate": user.modified,
            "Enabled": user.enabled,
            "UserStatus": user.status,
        }

    # -- codes ------------------------------------------------------------------------------
    def _send_code(
        self, pool: Pool, user: User, purpose: str, delivery: dict[str, str] | None
    ) -> dict[str, str] | None:
        """Make and keep a code for `purpose`, 'sent' as `delivery` describes (a
        CodeDeliveryDetails; None when Cognito would send it nowhere: the code is kept and
        logged all the same). Returns `delivery`."""
        code = pools.new_code()
        ttl = CODE_TTL.get(purpose, VERIFY_TTL)
        self.store.put_code(pool.id, user.key, purpose, code, self._now() + ttl)
        where = (
            f"{delivery['DeliveryMedium']} to {delivery['Destination']}" if delivery else "nowhere"
        )
        messages.warning(
            "Cognito %s code for user %s in %s: %s (Cognito would send it by %s)",
            purpose, user.username, pool.id, code, where,
        )  # fmt: skip
        return delivery

    def pending_codes(self, pool_id: str, name: str) -> dict[str, str] | None:
        """The codes a user has been 'sent' and not used yet, by purpose (Tenku's own
        route serves them to tests); None when the pool or user does not exist."""
        pool = self.store.pool(pool_id)
        user = self._find_user(pool, name) if pool else None
        if pool is None or user is None:
            return None
        now = self._now()
        return {
            purpose: code
            for purpose, (code, expires) in self.store.codes(pool.id, user.key).items()
            if expires >= now
        }

    # -- access tokens ---------------------------------------------------------------------
    def _access(self, token: str) -> tuple[Pool, User, dict[str, Any]]:
        """The pool, user and claims of a valid, unrevoked access token."""
        unverified = keys.unverified_claims(token)
        issuer = str((unverified or {}).get("iss", ""))
        pool = self.store.pool(issuer.rsplit("/", 1)[-1]) if issuer else None
        if unverified is None or pool is None:
            raise invalid_access_token()
        claims = keys.verified_claims(token, self._signing_key(pool))
        if claims is None or claims.get("token_use") != "access":
            raise invalid_access_token()
        if float(claims.get("exp", 0)) < self._now():
            raise expired_access_token()
        user = self.store.user(pool.id, self._key(pool, str(claims.get("username", ""))))
        if user is None:
            raise user_not_found()
        origin = self.store.origin(str(claims.get("origin_jti", "")))
        if origin is None or origin.revoked:
            raise revoked_access_token()
        return pool, user, claims


def secret_hash(secret: str, username: str, client_id: str) -> str:
    """Base64 of HMAC-SHA256(key=client secret, message=username + client id)."""
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def mask_phone(phone: str) -> str:
    return "+" + "*" * max(len(phone) - 5, 0) + phone[-4:]


def delivery_details(
    pool: Pool, attributes: dict[str, str], attribute: str | None = None
) -> dict[str, str] | None:
    """Where Cognito would send a code: the named attribute, else the pool's auto-verified
    email, else its phone number."""
    candidates = (
        [attribute] if attribute else pools.auto_verified(pool) or ["email", "phone_number"]
    )
    for name in sorted(candidates, key=lambda n: n != "email"):
        value = attributes.get(name)
        if value and name == "email":
            return {
                "Destination": mask_email(value),
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            }
        if value and name == "phone_number":
            return {
                "Destination": mask_phone(value),
                "DeliveryMedium": "SMS",
                "AttributeName": "phone_number",
            }
    return None
