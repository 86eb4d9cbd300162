"""Making and changing user records, shared by the admin, self-service and sign-in
operations: new users (with usernames that are emails or phone numbers where the pool
says so), password changes, attribute changes with re-verification, and sign-out.

Must not: implement an operation on its own.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from tenku.services.cognito_idp import passwords, pools, schema, srp
from tenku.services.cognito_idp.base import CognitoBase, delivery_details
from tenku.services.cognito_idp.errors import invalid_parameter, username_exists
from tenku.services.cognito_idp.store import Pool, User

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[0-9]{4,15}")
_WHAT = {"email": "an email", "phone_number": "a phone number"}


class Accounts(CognitoBase):
    def _new_user(
        self,
        pool: Pool,
        name: str,
        written: list[dict[str, Any]] | None,
        *,
        status: str,
        password: str | None,
        exists_message: str,
    ) -> User:
        """A new user record (not stored yet), its attributes checked against the schema."""
        attributes = schema.check_attributes(pool.config["SchemaAttributes"], written or [])
        sign_in = pools.username_attributes(pool)
        username = name
        if sign_in:
            kind = (
                "email"
                if _EMAIL.fullmatch(name)
                else "phone_number"
                if _PHONE.fullmatch(name)
                else None
            )
            if kind is None or kind not in sign_in:
                wanted = " or ".join(_WHAT[k] for k in sign_in)
                raise invalid_parameter(f"Username should be {wanted}.")
            if self.store.users_by_alias(pool.id, kind, name):
                raise username_exists(f"An account with the given {kind} already exists.")
            attributes[kind] = name
            username = str(uuid.uuid4())
        elif "email" in pools.alias_attributes(pool) and _EMAIL.fullmatch(name):
            raise invalid_parameter(
                "Username cannot be of email format, since user pool is configured for email alias."
            )
        if self.store.user(pool.id, self._key(pool, username)) is not None:
            raise username_exists(exists_message)
        schema.check_required(pool.config["SchemaAttributes"], attributes)
        sub = username if sign_in else str(uuid.uuid4())
        now = self._now()
        hashed, verifier = self._credentials(pool, username, password)
        return User(
            pool.id, self._key(pool, username), username, sub, status, True, hashed,
            {"sub": sub, **attributes}, now, now, None, verifier,
        )  # fmt: skip

    @staticmethod
    def _credentials(
        pool: Pool, username: str, password: str | None
    ) -> tuple[str | None, str | None]:
        """What is stored of a password: its hash, and its SRP verifier."""
        if password is None:
            return None, None
        return passwords.hash_password(password), srp.make_verifier(pool.id, username, password)

    def _temporary_expiry(self, pool: Pool) -> float:
        days = int(pools.password_policy(pool).get("TemporaryPasswordValidityDays", 7))
        return self._now() + days * 86400.0

    def _set_password(self, pool: Pool, user: User, password: str, *, permanent: bool) -> User:
        hashed, verifier = self._credentials(pool, user.username, password)
        updated = user._replace(
            password=hashed,
            srp=verifier,
            status="CONFIRMED" if permanent else "FORCE_CHANGE_PASSWORD",
            temp_expires=None if permanent else self._temporary_expiry(pool),
            modified=self._now(),
        )
        self.store.put_user(updated)
        return updated

    def _change_attributes(
        self, pool: Pool, user: User, written: list[dict[str, Any]]
    ) -> tuple[User, list[dict[str, str]]]:
        """Store `written` over the user's attributes. A changed email or phone number is
        no longer verified (unless the caller also set its *_verified); where the pool
        verifies it automatically, a code goes out. Returns the user and the deliveries."""
        changes = schema.check_attributes(pool.config["SchemaAttributes"], written, updating=True)
        attributes = dict(user.attributes)
        reverify = [
            name
            for name in ("email", "phone_number")
            if name in changes
            and changes[name] != attributes.get(name)
            and f"{name}_verified" not in changes
        ]
        attributes.update(changes)
        for name in reverify:
            attributes[f"{name}_verified"] = "false"
        updated = user._replace(attributes=attributes, modified=self._now())
        self.store.put_user(updated)
        deliveries = []
        for name in reverify:
            if name in pools.auto_verified(pool) and attributes.get(name):
                delivery = delivery_details(pool, attributes, name)
                self._send_code(pool, updated, f"VERIFY_{name}", delivery)
                if delivery:
                    deliveries.append(delivery)
        return updated, deliveries

    def _delete_attributes(self, pool: Pool, user: User, names: list[str]) -> None:
        required = schema.required_names(pool.config["SchemaAttributes"])
        for name in names:
            if name == "sub" or name in required:
                raise invalid_parameter(f"Cannot delete the required attribute {name}")
        attributes = {k: v for k, v in user.attributes.items() if k not in names}
        self.store.put_user(user._replace(attributes=attributes, modified=self._now()))

    def _sign_out(self, pool: Pool, user: User) -> None:
        """Revoke every refresh token of the user, and with them their access tokens."""
        self.store.revoke_user(pool.id, user.key)
