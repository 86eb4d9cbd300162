"""Self-service user operations, called with an app client id or an access token:
SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword,
GetUser, DeleteUser, UpdateUserAttributes, DeleteUserAttributes,
GetUserAttributeVerificationCode, VerifyUserAttribute, ChangePassword, GlobalSignOut
and RevokeToken.

Codes Cognito would email or text are kept (and logged, see base.py). Must not: sign
users in (auth_ops.py).
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.cognito_idp import passwords, pools
from tenku.services.cognito_idp.accounts import Accounts
from tenku.services.cognito_idp.base import FORGOT_PASSWORD, SIGN_UP, delivery_details
from tenku.services.cognito_idp.errors import (
    alias_exists,
    code_mismatch,
    expired_code,
    incorrect_credentials,
    invalid_parameter,
    missing_auth_parameter,
    not_authorized,
    user_disabled,
)
from tenku.services.cognito_idp.store import Client, Pool, User

JsonDict = dict[str, Any]


class SelfService(Accounts):
    # -- signing up -------------------------------------------------------------------------
    def sign_up(
        self,
        ctx: RequestContext,
        client_id: str,
        username: str,
        password: str | None = None,
        secret_hash: str | None = None,
        user_attributes: list[JsonDict] | None = None,
    ) -> JsonDict:
        pool, client = self._client(ctx.scope, client_id)
        if pool.config.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly"):
            raise not_authorized("SignUp is not permitted for this user pool")
        self._check_secret_hash(client, username, secret_hash)
        if not password:
            raise missing_auth_parameter("PASSWORD")
        passwords.check_policy(password, pools.password_policy(pool))
        user = self._new_user(
            pool, username, user_attributes, status="UNCONFIRMED", password=password,
            exists_message="User already exists",
        )  # fmt: skip
        self.store.put_user(user)
        verified = pools.auto_verified(pool)
        delivery = delivery_details(pool, user.attributes) if verified else None
        self._send_code(pool, user, SIGN_UP, delivery)
        result: JsonDict = {"UserConfirmed": False, "UserSub": user.sub}
        if delivery:
            result["CodeDeliveryDetails"] = delivery
        return result

    def confirm_sign_up(
        self,
        ctx: RequestContext,
        client_id: str,
        username: str,
        confirmation_code: str,
        secret_hash: str | None = None,
        force_alias_creation: bool | None = None,
    ) -> JsonDict:
        pool, client = self._client(ctx.scope, client_id)
        self._check_secret_hash(client, username, secret_hash)
        user = self._self_user(pool, client, username)
        if user.status != "UNCONFIRMED":
            raise not_authorized(f"User cannot be confirmed. Current status is {user.status}")
        self._use_code(pool, user, SIGN_UP, confirmation_code)
        attributes = dict(user.attributes)
        for name in pools.auto_verified(pool):
            if attributes.get(name):
                self._claim_alias(pool, user, name, attributes[name], bool(force_alias_creation))
                attributes[f"{name}_verified"] = "true"
        self.store.put_user(
            user._replace(status="CONFIRMED", attributes=attributes, modified=self._now())
        )
        return {}

    def resend_confirmation_code(
        self,
        ctx: RequestContext,
        client_id: str,
        username: str,
        secret_hash: str | None = None,
    ) -> JsonDict:
        pool, client = self._client(ctx.scope, client_id)
        self._check_secret_hash(client, username, secret_hash)
        user = self._self_user(pool, client, username)
        if user.status != "UNCONFIRMED":
            raise invalid_parameter("User is already confirmed.")
        delivery = delivery_details(pool, user.attributes)
        self._send_code(pool, user, SIGN_UP, delivery)
        return {"CodeDeliveryDetails": delivery} if delivery else {}

    # -- forgotten passwords ------------------------------------------------------------------
    def forgot_password(
        self,
        ctx: RequestContext,
        client_id: str,
        username: str,
        secret_hash: str | None = None,
    ) -> JsonDict:
        pool, client = self._client(ctx.scope, client_id)
        self._check_secret_hash(client, username, secret_hash)
        user = self._find_user(pool, username)
        if user is None:
            if client.config.get("PreventUserExistenceErrors") == "ENABLED":
                return {"CodeDeliveryDetails": {"DeliveryMedium": "EMAIL", "AttributeName": "email",
                                                "Destination": "***@***"}}  # fmt: skip
            raise _no_such_username()
        if not user.enabled:
            raise user_disabled()
        verified = [
            n for n in ("email", "phone_number")
            if user.attributes.get(n) and user.attributes.get(f"{n}_verified") == "true"
        ]  # fmt: skip
        if not verified:
            raise invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email"
                " or phone_number"
            )
        delivery = delivery_details(pool, user.attributes, verified[0])
        self._send_code(pool, user, FORGOT_PASSWORD, delivery)
        return {"CodeDeliveryDetails": delivery}

    def confirm_forgot_password(
        self,
        ctx: RequestContext,
        client_id: str,
        username: str,
        confirmation_code: str,
        password: str,
        secret_hash: str | None = None,
    ) -> JsonDict:
        pool, client = self._client(ctx.scope, client_id)
        self._check_secret_hash(client, username, secret_hash)
        user = self._find_user(pool, username)
        if user is None:
            if client.config.get("PreventUserExistenceErrors") == "ENABLED":
                raise code_mismatch()
            raise _no_such_username()
        self._use_code(pool, user, FORGOT_PASSWORD, confirmation_code, keep=True)
        passwords.check_policy(password, pools.password_policy(pool))
        self.store.delete_code(pool.id, user.key, FORGOT_PASSWORD)
        self._set_password(pool, user, password, permanent=True)
        return {}

    # -- with an access token ------------------------------------------------------------------
    def get_user(self, ctx: RequestContext, access_token: str) -> JsonDict:
        _, user, _ = self._access(access_token)
        return {"Username": user.username, "UserAttributes": self._attribute_list(user.attributes)}

    def delete_user(self, ctx: RequestContext, access_token: str) -> JsonDict:
        pool, user, _ = self._access(access_token)
        self.store.delete_user(pool.id, user.key)
        return {}

    def update_user_attributes(
        self, ctx: RequestContext, user_attributes: list[JsonDict], access_token: str
    ) -> JsonDict:
        pool, user, _ = self._access(access_token)
        _, deliveries = self._change_attributes(pool, user, user_attributes)
        return {"CodeDeliveryDetailsList": deliveries}

    def delete_user_attributes(
        self, ctx: RequestContext, user_attribute_names: list[str], access_token: str
    ) -> JsonDict:
        pool, user, _ = self._access(access_token)
        self._delete_attributes(pool, user, user_attribute_names)
        return {}

    def get_user_attribute_verification_code(
        self, ctx: RequestContext, access_token: str, attribute_name: str
    ) -> JsonDict:
        pool, user, _ = self._access(access_token)
        if attribute_name not in ("email", "phone_number") or not user.attributes.get(
            attribute_name
        ):
            raise invalid_parameter(f"Invalid attribute name: {attribute_name}")
        delivery = delivery_details(pool, user.attributes, attribute_name)
        self._send_code(pool, user, f"VERIFY_{attribute_name}", delivery)
        return {"CodeDeliveryDetails": delivery}

    def verify_user_attribute(
        self, ctx: RequestContext, access_token: str, attribute_name: str, code: str
    ) -> JsonDict:
        pool, user, _ = self._access(access_token)
        self._use_code(pool, user, f"VERIFY_{attribute_name}", code)
        value = user.attributes.get(attribute_name, "")
        self._claim_alias(pool, user, attribute_name, value, force=False)
        attributes = {**user.attributes, f"{attribute_name}_verified": "true"}
        self.store.put_user(user._replace(attributes=attributes, modified=self._now()))
        return {}

    def change_password(
        self,
        ctx: RequestContext,
        proposed_password: str,
        access_token: str,
        previous_password: str | None = None,
    ) -> JsonDict:
        pool, user, _ = self._access(access_token)
        if not passwords.verify_password(previous_password or "", user.password):
            raise incorrect_credentials()
        passwords.check_policy(proposed_password, pools.password_policy(pool))
        self._set_password(pool, user, proposed_password, permanent=True)
        return {}

    def global_sign_out(self, ctx: RequestContext, access_token: str) -> JsonDict:
        pool, user, _ = self._access(access_token)
        self._sign_out(pool, user)
        return {}

    def revoke_token(
        self,
        ctx: RequestContext,
        token: str,
        client_id: str,
        client_secret: str | None = None,
    ) -> JsonDict:
        _, client = self._client(ctx.scope, client_id)
        secret = client.config.get("ClientSecret")
        if secret and client_secret != secret:
            raise ServiceError("UnauthorizedException", "Invalid client secret.")
        if not client.config.get("EnableTokenRevocation", True):
            raise ServiceError(
                "UnsupportedOperationException",
                "Token revocation is not enabled for this app client.",
            )
        if token.count(".") == 2:  # a JWT: only refresh tokens can be revoked
            raise ServiceError("UnsupportedTokenTypeException", "Unsupported token type.")
        record = self.store.refresh(token)
        if record is not None:
            if record.client_id != client.id:
                raise ServiceError("UnauthorizedException", "Invalid client for this token.")
            self.store.revoke_origin(record.origin_jti)
        return {}

    # -- helpers -------------------------------------------------------------------------------
    def _self_user(self, pool: Pool, client: Client, username: str) -> User:
        user = self._find_user(pool, username)
        if user is None:
            if client.config.get("PreventUserExistenceErrors") == "ENABLED":
                raise code_mismatch()
            raise _no_such_username()
        return user

    def _use_code(
        self, pool: Pool, user: User, purpose: str, given: str, keep: bool = False
    ) -> None:
        stored = self.store.code(pool.id, user.key, purpose)
        if stored is None or stored[0] != given:
            raise code_mismatch()
        if stored[1] < self._now():
            raise expired_code()
        if not keep:
            self.store.delete_code(pool.id, user.key, purpose)

    def _claim_alias(self, pool: Pool, user: User, name: str, value: str, force: bool) -> None:
        """A verified email or phone that is a sign-in alias must be one user's only."""
        if name not in pools.alias_attributes(pool):
            return
        for other in self.store.users_by_alias(pool.id, name, value):
            if other.key == user.key or other.attributes.get(f"{name}_verified") != "true":
                continue
            if not force:
                raise alias_exists()
            attributes = {**other.attributes, f"{name}_verified": "false"}
            self.store.put_user(other._replace(attributes=attributes, modified=self._now()))


def _no_such_username() -> ServiceError:
    return ServiceError("UserNotFoundException", "Username/client id combination not found.")
