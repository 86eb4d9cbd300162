"""Administrative user operations: AdminCreateUser, AdminGetUser, AdminDeleteUser,
AdminConfirmSignUp, AdminSetUserPassword, AdminResetUserPassword, Admin(Update|Delete)
UserAttributes, AdminDisableUser/AdminEnableUser, AdminUserGlobalSignOut and ListUsers.

Must not: authenticate users (auth_ops.py) or serve self-service calls (self_ops.py).
"""

from __future__ import annotations

import base64
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.cognito_idp import passwords, pools
from tenku.services.cognito_idp.accounts import Accounts
from tenku.services.cognito_idp.base import (
    FORGOT_PASSWORD,
    TEMPORARY_PASSWORD,
    delivery_details,
    messages,
)
from tenku.services.cognito_idp.errors import (
    invalid_parameter,
    not_authorized,
    unsupported_user_state,
)
from tenku.services.cognito_idp.filters import parse_filter
from tenku.services.cognito_idp.store import User

JsonDict = dict[str, Any]


def searchable_values(user: User) -> dict[str, str]:
    """What ListUsers' Filter compares, by attribute name."""
    values = dict(user.attributes)
    values["username"] = user.username
    values["cognito:user_status"] = user.status
    values["status"] = "Enabled" if user.enabled else "Disabled"
    values["sub"] = user.sub
    return values


class AdminUsers(Accounts):
    def admin_create_user(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        username: str,
        user_attributes: list[JsonDict] | None = None,
        temporary_password: str | None = None,
        message_action: str | None = None,
        desired_delivery_mediums: list[str] | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        if message_action == "RESEND":
            user = self._user(pool, username)
            if user.status != "FORCE_CHANGE_PASSWORD":
                raise unsupported_user_state()
            return {"User": self._describe_user(user)}
        policy = pools.password_policy(pool)
        if temporary_password is not None:
            passwords.check_policy(temporary_password, policy, admin=True)
        password = temporary_password or passwords.temporary_password(policy)
        user = self._new_user(
            pool, username, user_attributes, status="FORCE_CHANGE_PASSWORD",
            password=password, exists_message="User account already exists",
        )  # fmt: skip
        user = user._replace(temp_expires=self._temporary_expiry(pool))
        self.store.put_user(user)
        if temporary_password is None:  # only the invitation would tell it: keep it for tests
            self.store.put_code(
                pool.id, user.key, TEMPORARY_PASSWORD, password, user.temp_expires or 0
            )
        if message_action != "SUPPRESS":
            mediums = desired_delivery_mediums or ["SMS"]
            target = "email" if "EMAIL" in mediums else "phone_number"
            delivery = delivery_details(pool, user.attributes, target)
            where = f"{delivery['DeliveryMedium']} to {delivery['Destination']}" if delivery else ""
            messages.warning(
                "Cognito invitation for user %s in %s: temporary password %s (Cognito would send"
                " it by %s)", user.username, pool.id, password, where or "nowhere",
            )  # fmt: skip
        return {"User": self._describe_user(user)}

    def admin_get_user(self, ctx: RequestContext, user_pool_id: str, username: str) -> JsonDict:
        user = self._user(self._pool(ctx.scope, user_pool_id), username)
        return {
            "Username": user.username,
            "UserAttributes": self._attribute_list(user.attributes),
            "UserCreateDate": user.created,
            "UserLastModifiedDate": user.modified,
            "Enabled": user.enabled,
            "UserStatus": user.status,
        }

    def admin_delete_user(self, ctx: RequestContext, user_pool_id: str, username: str) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        self.store.delete_user(pool.id, self._user(pool, username).key)
        return {}

    def admin_confirm_sign_up(
        self, ctx: RequestContext, user_pool_id: str, username: str
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        user = self._user(pool, username)
        if user.status != "UNCONFIRMED":
            raise not_authorized(f"User cannot be confirmed. Current status is {user.status}")
        self.store.put_user(user._replace(status="CONFIRMED", modified=self._now()))
        self.store.delete_code(pool.id, user.key, "SIGN_UP")
        return {}

    def admin_set_user_password(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        username: str,
        password: str,
        permanent: bool | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        user = self._user(pool, username)
        passwords.check_policy(password, pools.password_policy(pool), admin=True)
        self._set_password(pool, user, password, permanent=bool(permanent))
        self.store.delete_code(pool.id, user.key, TEMPORARY_PASSWORD)
        return {}

    def admin_reset_user_password(
        self, ctx: RequestContext, user_pool_id: str, username: str
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        user = self._user(pool, username)
        if user.status == "UNCONFIRMED":
            raise not_authorized("User password cannot be reset in the current state.")
        user = user._replace(status="RESET_REQUIRED", modified=self._now())
        self.store.put_user(user)
        self._send_code(pool, user, FORGOT_PASSWORD, delivery_details(pool, user.attributes))
        return {}

    def admin_update_user_attributes(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        username: str,
        user_attributes: list[JsonDict],
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        self._change_attributes(pool, self._user(pool, username), user_attributes)
        return {}

    def admin_delete_user_attributes(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        username: str,
        user_attribute_names: list[str],
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        self._delete_attributes(pool, self._user(pool, username), user_attribute_names)
        return {}

    def admin_disable_user(self, ctx: RequestContext, user_pool_id: str, username: str) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        user = self._user(pool, username)
        self.store.put_user(user._replace(enabled=False, modified=self._now()))
        self._sign_out(pool, user)  # Cognito revokes a disabled user's tokens
        return {}

    def admin_enable_user(self, ctx: RequestContext, user_pool_id: str, username: str) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        user = self._user(pool, username)
        self.store.put_user(user._replace(enabled=True, modified=self._now()))
        return {}

    def admin_user_global_sign_out(
        self, ctx: RequestContext, user_pool_id: str, username: str
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        self._sign_out(pool, self._user(pool, username))
        return {}

    def list_users(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        attributes_to_get: list[str] | None = None,
        limit: int | None = None,
        pagination_token: str | None = None,
        filter: str | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        wanted = parse_filter(filter)
        after = ""
        if pagination_token:
            try:
                after = base64.urlsafe_b64decode(pagination_token.encode()).decode()
            except (ValueError, UnicodeDecodeError):
                raise invalid_parameter("Invalid pagination token.") from None
        size = limit or 60
        found: list[User] = []
        more = False
        for user in self.store.users(pool.id, after):
            if wanted is not None and not wanted.matches(searchable_values(user)):
                continue
            if len(found) == size:
                more = True
                break
            found.append(user)
        result: JsonDict = {"Users": [self._describe_user(u, attributes_to_get) for u in found]}
        if more:
            result["PaginationToken"] = base64.urlsafe_b64encode(found[-1].key.encode()).decode()
        return result
