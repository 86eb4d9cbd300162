"""User pool and app client settings: ids, defaults, validation, and the described shapes
(`UserPoolType`, `UserPoolClientType`), plus which auth flows a client allows and how
long its tokens live.

Pure: the operations (`pool_ops.py`) load and store; this module decides.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from tenku.services.cognito_idp import schema
from tenku.services.cognito_idp.errors import invalid_parameter
from tenku.services.cognito_idp.passwords import DEFAULT_POLICY
from tenku.services.cognito_idp.store import Client, Pool

_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits

# Members CreateUserPool stores as given (then described back).
_POOL_SETTINGS = (
    "Policies", "DeletionProtection", "LambdaConfig", "AutoVerifiedAttributes",
    "SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject",
    "VerificationMessageTemplate", "SmsAuthenticationMessage", "MfaConfiguration",
    "UserAttributeUpdateSettings", "DeviceConfiguration", "EmailConfiguration",
    "SmsConfiguration", "UserPoolTags", "AdminCreateUserConfig", "UserPoolAddOns",
    "AccountRecoverySetting", "UserPoolTier",
)  # fmt: skip
# Fixed at creation: UpdateUserPool cannot change them.
_POOL_FIXED = ("SchemaAttributes", "AliasAttributes", "UsernameAttributes", "UsernameConfiguration")

_CLIENT_SETTINGS = (
    "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
    "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders",
    "CallbackURLs", "LogoutURLs", "DefaultRedirectURI", "AllowedOAuthFlows",
    "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient", "AnalyticsConfiguration",
    "PreventUserExistenceErrors", "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData", "AuthSessionValidity",
)  # fmt: skip
# Flows a client allows when it names none (Cognito's default for API-created clients).
DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
_LEGACY_FLOWS = frozenset({"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"})
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}


# -- ids --------------------------------------------------------------------------------
def new_pool_id(region: str) -> str:
    return f"{region}_" + "".join(secrets.choice(_ALNUM) for _ in range(9))


def new_client_id() -> str:
    return "".join(secrets.choice(_LOWER_ALNUM) for _ in range(26))


def new_client_secret() -> str:
    return "".join(secrets.choice(_LOWER_ALNUM) for _ in range(51))


def new_code() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(6))


def pool_arn(pool: Pool) -> str:
    return f"arn:aws:cognito-idp:{pool.region}:{pool.account}:userpool/{pool.id}"


# -- pools ------------------------------------------------------------------------------
def pool_config(params: dict[str, Any]) -> dict[str, Any]:
    """The stored settings of a new pool from CreateUserPool's members."""
    if params.get("AliasAttributes") and params.get("UsernameAttributes"):
        raise invalid_parameter(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
        )
    config = _settings(params)
    config["SchemaAttributes"] = schema.build_schema(params.get("Schema"))
    for name in ("AliasAttributes", "UsernameAttributes", "UsernameConfiguration"):
        if params.get(name) is not None:
            config[name] = params[name]
    return config


def updated_pool_config(current: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """UpdateUserPool: settings left out return to their defaults, as in Cognito."""
    config = _settings(params)
    for name in _POOL_FIXED:
        if name in current:
            config[name] = current[name]
    return config


def _settings(params: dict[str, Any]) -> dict[str, Any]:
    config = {name: params[name] for name in _POOL_SETTINGS if params.get(name) is not None}
    policy = dict(DEFAULT_POLICY)
    policy.update((config.get("Policies") or {}).get("PasswordPolicy") or {})
    config["Policies"] = {**(config.get("Policies") or {}), "PasswordPolicy": policy}
    config.setdefault("DeletionProtection", "INACTIVE")
    config.setdefault("LambdaConfig", {})
    config.setdefault("MfaConfiguration", "OFF")
    config.setdefault("EmailConfiguration", {"EmailSendingAccount": "COGNITO_DEFAULT"})
    config.setdefault("UserPoolTier", "ESSENTIALS")
    template = dict(config.get("VerificationMessageTemplate") or {})
    template.setdefault("DefaultEmailOption", "CONFIRM_WITH_CODE")
    config["VerificationMessageTemplate"] = template
    admin = dict(config.get("AdminCreateUserConfig") or {})
    admin.setdefault("AllowAdminCreateUserOnly", False)
    admin.setdefault("UnusedAccountValidityDays", policy["TemporaryPasswordValidityDays"])
    config["AdminCreateUserConfig"] = admin
    for attribute in config.get("AutoVerifiedAttributes") or []:
        if attribute not in ("email", "phone_number"):
            raise invalid_parameter(f"Invalid auto verified attribute: {attribute}")
    return config


def describe_pool(pool: Pool, user_count: int) -> dict[str, Any]:
    return {
        "Id": pool.id,
        "Name": pool.name,
        "Arn": pool_arn(pool),
        "CreationDate": pool.created,
        "LastModifiedDate": pool.modified,
        "EstimatedNumberOfUsers": user_count,
        **pool.config,
    }


def summarize_pool(pool: Pool) -> dict[str, Any]:
    return {
        "Id": pool.id,
        "Name": pool.name,
        "LambdaConfig": pool.config.get("LambdaConfig", {}),
        "CreationDate": pool.created,
        "LastModifiedDate": pool.modified,
    }


def password_policy(pool: Pool) -> dict[str, Any]:
    policy: dict[str, Any] = pool.config.get("Policies", {}).get("PasswordPolicy", DEFAULT_POLICY)
    return policy


def case_sensitive(pool: Pool) -> bool:
    """Pools made through the API without UsernameConfiguration compare usernames exactly."""
    return bool((pool.config.get("UsernameConfiguration") or {}).get("CaseSensitive", True))


def username_attributes(pool: Pool) -> list[str]:
    return list(pool.config.get("UsernameAttributes") or [])


def alias_attributes(pool: Pool) -> list[str]:
    return list(pool.config.get("AliasAttributes") or [])


def auto_verified(pool: Pool) -> list[str]:
    return list(pool.config.get("AutoVerifiedAttributes") or [])


# -- app clients --------------------------------------------------------------------------
def client_config(params: dict[str, Any], secret: str | None) -> dict[str, Any]:
    """The stored settings of a client from CreateUserPoolClient/UpdateUserPoolClient."""
    config = {name: params[name] for name in _CLIENT_SETTINGS if params.get(name) is not None}
    flows = config.get("ExplicitAuthFlows")
    if flows:
        modern = [f for f in flows if f.startswith("ALLOW_")]
        if modern and any(f in _LEGACY_FLOWS for f in flows):
            raise invalid_parameter(
                "ExplicitAuthFlows can't have both ALLOW_ prefixed and legacy values."
            )
        if modern and "ALLOW_REFRESH_TOKEN_AUTH" not in flows:
            raise invalid_parameter("REFRESH_TOKEN_AUTH should always be allowed.")
    units = {**_DEFAULT_UNITS, **(config.get("TokenValidityUnits") or {})}
    for member, unit_key, low, high in (
        ("AccessTokenValidity", "AccessToken", 300, 86400),
        ("IdTokenValidity", "IdToken", 300, 86400),
        ("RefreshTokenValidity", "RefreshToken", 3600, 315360000),
    ):
        if member in config:
            seconds = config[member] * _UNIT_SECONDS[units[unit_key]]
            if not low <= seconds <= high:
                raise invalid_parameter(f"Invalid range for token validity: {member}.")
    config.setdefault("RefreshTokenValidity", 30)
    config.setdefault("AllowedOAuthFlowsUserPoolClient", False)
    config.setdefault("PreventUserExistenceErrors", "LEGACY")
    config.setdefault("EnableTokenRevocation", True)
    config.setdefault("EnablePropagateAdditionalUserContextData", False)
    config.setdefault("AuthSessionValidity", 3)
    if secret is not None:
        config["ClientSecret"] = secret
    return config


def describe_client(client: Client) -> dict[str, Any]:
    return {
        "UserPoolId": client.pool_id,
        "ClientName": client.name,
        "ClientId": client.id,
        "CreationDate": client.created,
        "LastModifiedDate": client.modified,
        **client.config,
    }


def validity_seconds(client: Client, token: str) -> int:
    """How long an `AccessToken`, `IdToken` or `RefreshToken` from `client` lives."""
    config = client.config
    unit = (config.get("TokenValidityUnits") or {}).get(token, _DEFAULT_UNITS[token])
    default = 30 if token == "RefreshToken" else 1  # 30 days; 1 hour
    value = config.get(f"{token}Validity", default)
    if token == "RefreshToken" and value == 0:
        value, unit = 30, "days"
    return int(value) * _UNIT_SECONDS[unit]


def flow_enabled(client: Client, flow: str) -> bool:
    flows = set(client.config.get("ExplicitAuthFlows") or DEFAULT_FLOWS)
    legacy_only = not any(f.startswith("ALLOW_") for f in flows)
    if flow == "USER_PASSWORD_AUTH":
        return bool(flows & {"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"})
    if flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        return bool(flows & {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"})
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return legacy_only or "ALLOW_REFRESH_TOKEN_AUTH" in flows
    if flow == "USER_SRP_AUTH":
        return legacy_only or "ALLOW_USER_SRP_AUTH" in flows
    if flow == "CUSTOM_AUTH":
        return bool(flows & {"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"})
    return False
