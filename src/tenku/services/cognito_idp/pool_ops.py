"""User pool and app client operations: Create/Describe/List/Update/Delete of each, and
AddCustomAttributes.

A pool's RSA signing key is made here, once, when the pool is created. Must not: sign
tokens or check passwords.
"""

from __future__ import annotations

import base64
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.cognito_idp import keys, pools, schema
from tenku.services.cognito_idp.base import CognitoBase
from tenku.services.cognito_idp.errors import invalid_parameter
from tenku.services.cognito_idp.store import Client, Pool

JsonDict = dict[str, Any]


def _page_token(last: str) -> str:
    return base64.urlsafe_b64encode(last.encode()).decode()


def _after(token: str | None) -> str:
    if not token:
        return ""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise invalid_parameter("Invalid pagination token.") from None


class UserPools(CognitoBase):
    # -- pools ------------------------------------------------------------------------------
    def create_user_pool(
        self,
        ctx: RequestContext,
        pool_name: str,
        policies: JsonDict | None = None,
        deletion_protection: str | None = None,
        lambda_config: JsonDict | None = None,
        auto_verified_attributes: list[str] | None = None,
        alias_attributes: list[str] | None = None,
        username_attributes: list[str] | None = None,
        sms_verification_message: str | None = None,
        email_verification_message: str | None = None,
        email_verification_subject: str | None = None,
        verification_message_template: JsonDict | None = None,
        sms_authentication_message: str | None = None,
        mfa_configuration: str | None = None,
        user_attribute_update_settings: JsonDict | None = None,
        device_configuration: JsonDict | None = None,
        email_configuration: JsonDict | None = None,
        sms_configuration: JsonDict | None = None,
        user_pool_tags: dict[str, str] | None = None,
        admin_create_user_config: JsonDict | None = None,
        schema: list[JsonDict] | None = None,
        user_pool_add_ons: JsonDict | None = None,
        username_configuration: JsonDict | None = None,
        account_recovery_setting: JsonDict | None = None,
        user_pool_tier: str | None = None,
    ) -> JsonDict:
        config = pools.pool_config(
            {
                "Policies": policies, "DeletionProtection": deletion_protection,
                "LambdaConfig": lambda_config, "AutoVerifiedAttributes": auto_verified_attributes,
                "AliasAttributes": alias_attributes, "UsernameAttributes": username_attributes,
                "SmsVerificationMessage": sms_verification_message,
                "EmailVerificationMessage": email_verification_message,
                "EmailVerificationSubject": email_verification_subject,
                "VerificationMessageTemplate": verification_message_template,
                "SmsAuthenticationMessage": sms_authentication_message,
                "MfaConfiguration": mfa_configuration,
                "UserAttributeUpdateSettings": user_attribute_update_settings,
                "DeviceConfiguration": device_configuration,
                "EmailConfiguration": email_configuration, "SmsConfiguration": sms_configuration,
                "UserPoolTags": user_pool_tags, "AdminCreateUserConfig": admin_create_user_config,
                "Schema": schema, "UserPoolAddOns": user_pool_add_ons,
                "UsernameConfiguration": username_configuration,
                "AccountRecoverySetting": account_recovery_setting, "UserPoolTier": user_pool_tier,
            }
        )  # fmt: skip
        now = self._now()
        pool_id = pools.new_pool_id(ctx.scope.region)
        while self.store.pool(pool_id) is not None:
            pool_id = pools.new_pool_id(ctx.scope.region)
        pool = Pool(pool_id, *ctx.scope, pool_name, now, now, config, keys.new_private_pem())
        self.store.put_pool(pool)
        return {"UserPool": pools.describe_pool(pool, 0)}

    def describe_user_pool(self, ctx: RequestContext, user_pool_id: str) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        return {"UserPool": pools.describe_pool(pool, self.store.count_users(pool.id))}

    def list_user_pools(
        self, ctx: RequestContext, max_results: int, next_token: str | None = None
    ) -> JsonDict:
        found = self.store.pools(ctx.scope, _after(next_token), max_results + 1)
        result: JsonDict = {"UserPools": [pools.summarize_pool(p) for p in found[:max_results]]}
        if len(found) > max_results:
            result["NextToken"] = _page_token(found[max_results - 1].id)
        return result

    def update_user_pool(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        pool_name: str | None = None,
        policies: JsonDict | None = None,
        deletion_protection: str | None = None,
        lambda_config: JsonDict | None = None,
        auto_verified_attributes: list[str] | None = None,
        sms_verification_message: str | None = None,
        email_verification_message: str | None = None,
        email_verification_subject: str | None = None,
        verification_message_template: JsonDict | None = None,
        sms_authentication_message: str | None = None,
        user_attribute_update_settings: JsonDict | None = None,
        mfa_configuration: str | None = None,
        device_configuration: JsonDict | None = None,
        email_configuration: JsonDict | None = None,
        sms_configuration: JsonDict | None = None,
        user_pool_tags: dict[str, str] | None = None,
        admin_create_user_config: JsonDict | None = None,
        user_pool_add_ons: JsonDict | None = None,
        account_recovery_setting: JsonDict | None = None,
        user_pool_tier: str | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        config = pools.updated_pool_config(
            pool.config,
            {
                "Policies": policies, "DeletionProtection": deletion_protection,
                "LambdaConfig": lambda_config, "AutoVerifiedAttributes": auto_verified_attributes,
                "SmsVerificationMessage": sms_verification_message,
                "EmailVerificationMessage": email_verification_message,
                "EmailVerificationSubject": email_verification_subject,
                "VerificationMessageTemplate": verification_message_template,
                "SmsAuthenticationMessage": sms_authentication_message,
                "UserAttributeUpdateSettings": user_attribute_update_settings,
                "MfaConfiguration": mfa_configuration,
                "DeviceConfiguration": device_configuration,
                "EmailConfiguration": email_configuration, "SmsConfiguration": sms_configuration,
                "UserPoolTags": user_pool_tags if user_pool_tags is not None
                else pool.config.get("UserPoolTags"),
                "AdminCreateUserConfig": admin_create_user_config,
                "UserPoolAddOns": user_pool_add_ons,
                "AccountRecoverySetting": account_recovery_setting,
                "UserPoolTier": user_pool_tier or pool.config.get("UserPoolTier"),
            },
        )  # fmt: skip
        self.store.put_pool(
            pool._replace(name=pool_name or pool.name, config=config, modified=self._now())
        )
        return {}

    def delete_user_pool(self, ctx: RequestContext, user_pool_id: str) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        if pool.config.get("DeletionProtection") == "ACTIVE":
            raise invalid_parameter(
                "The user pool cannot be deleted because deletion protection is activated."
                " Deletion protection must be inactivated first."
            )
        self.store.delete_pool(pool.id)
        self._keys.pop(pool.id, None)
        return {}

    def add_custom_attributes(
        self, ctx: RequestContext, user_pool_id: str, custom_attributes: list[JsonDict]
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        config = dict(pool.config)
        config["SchemaAttributes"] = schema.add_custom(
            config["SchemaAttributes"], custom_attributes
        )
        self.store.put_pool(pool._replace(config=config, modified=self._now()))
        return {}

    # -- app clients --------------------------------------------------------------------------
    def create_user_pool_client(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        client_name: str,
        generate_secret: bool | None = None,
        client_secret: str | None = None,
        refresh_token_validity: int | None = None,
        access_token_validity: int | None = None,
        id_token_validity: int | None = None,
        token_validity_units: dict[str, str] | None = None,
        read_attributes: list[str] | None = None,
        write_attributes: list[str] | None = None,
        explicit_auth_flows: list[str] | None = None,
        supported_identity_providers: list[str] | None = None,
        callback_ur_ls: list[str] | None = None,
        logout_ur_ls: list[str] | None = None,
        default_redirect_uri: str | None = None,
        allowed_o_auth_flows: list[str] | None = None,
        allowed_o_auth_scopes: list[str] | None = None,
        allowed_o_auth_flows_user_pool_client: bool | None = None,
        analytics_configuration: JsonDict | None = None,
        prevent_user_existence_errors: str | None = None,
        enable_token_revocation: bool | None = None,
        enable_propagate_additional_user_context_data: bool | None = None,
        auth_session_validity: int | None = None,
    ) -> JsonDict:
        settings = _client_settings(
            RefreshTokenValidity=refresh_token_validity, AccessTokenValidity=access_token_validity,
            IdTokenValidity=id_token_validity, TokenValidityUnits=token_validity_units,
            ReadAttributes=read_attributes, WriteAttributes=write_attributes,
            ExplicitAuthFlows=explicit_auth_flows,
            SupportedIdentityProviders=supported_identity_providers,
            CallbackURLs=callback_ur_ls, LogoutURLs=logout_ur_ls,
            DefaultRedirectURI=default_redirect_uri, AllowedOAuthFlows=allowed_o_auth_flows,
            AllowedOAuthScopes=allowed_o_auth_scopes,
            AllowedOAuthFlowsUserPoolClient=allowed_o_auth_flows_user_pool_client,
            AnalyticsConfiguration=analytics_configuration,
            PreventUserExistenceErrors=prevent_user_existence_errors,
            EnableTokenRevocation=enable_token_revocation,
            EnablePropagateAdditionalUserContextData=enable_propagate_additional_user_context_data,
            AuthSessionValidity=auth_session_validity,
        )  # fmt: skip
        pool = self._pool(ctx.scope, user_pool_id)
        secret = client_secret or (pools.new_client_secret() if generate_secret else None)
        config = pools.client_config(settings, secret)
        now = self._now()
        client = Client(pools.new_client_id(), pool.id, client_name, now, now, config)
        self.store.put_client(client)
        return {"UserPoolClient": pools.describe_client(client)}

    def describe_user_pool_client(
        self, ctx: RequestContext, user_pool_id: str, client_id: str
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        return {"UserPoolClient": pools.describe_client(self._pool_client(pool, client_id))}

    def list_user_pool_clients(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        size = max_results or 60
        clients = self.store.clients(pool.id)
        start = 0
        if next_token:
            after = _after(next_token)
            start = next((i + 1 for i, c in enumerate(clients) if c.id == after), len(clients))
        page = clients[start : start + size]
        result: JsonDict = {
            "UserPoolClients": [
                {"ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name} for c in page
            ]
        }
        if start + size < len(clients):
            result["NextToken"] = _page_token(page[-1].id)
        return result

    def update_user_pool_client(
        self,
        ctx: RequestContext,
        user_pool_id: str,
        client_id: str,
        client_name: str | None = None,
        refresh_token_validity: int | None = None,
        access_token_validity: int | None = None,
        id_token_validity: int | None = None,
        token_validity_units: dict[str, str] | None = None,
        read_attributes: list[str] | None = None,
        write_attributes: list[str] | None = None,
        explicit_auth_flows: list[str] | None = None,
        supported_identity_providers: list[str] | None = None,
        callback_ur_ls: list[str] | None = None,
        logout_ur_ls: list[str] | None = None,
        default_redirect_uri: str | None = None,
        allowed_o_auth_flows: list[str] | None = None,
        allowed_o_auth_scopes: list[str] | None = None,
        allowed_o_auth_flows_user_pool_client: bool | None = None,
        analytics_configuration: JsonDict | None = None,
        prevent_user_existence_errors: str | None = None,
        enable_token_revocation: bool | None = None,
        enable_propagate_additional_user_context_data: bool | None = None,
        auth_session_validity: int | None = None,
    ) -> JsonDict:
        settings = _client_settings(
            RefreshTokenValidity=refresh_token_validity, AccessTokenValidity=access_token_validity,
            IdTokenValidity=id_token_validity, TokenValidityUnits=token_validity_units,
            ReadAttributes=read_attributes, WriteAttributes=write_attributes,
            ExplicitAuthFlows=explicit_auth_flows,
            SupportedIdentityProviders=supported_identity_providers,
            CallbackURLs=callback_ur_ls, LogoutURLs=logout_ur_ls,
            DefaultRedirectURI=default_redirect_uri, AllowedOAuthFlows=allowed_o_auth_flows,
            AllowedOAuthScopes=allowed_o_auth_scopes,
            AllowedOAuthFlowsUserPoolClient=allowed_o_auth_flows_user_pool_client,
            AnalyticsConfiguration=analytics_configuration,
            PreventUserExistenceErrors=prevent_user_existence_errors,
            EnableTokenRevocation=enable_token_revocation,
            EnablePropagateAdditionalUserContextData=enable_propagate_additional_user_context_data,
            AuthSessionValidity=auth_session_validity,
        )  # fmt: skip
        pool = self._pool(ctx.scope, user_pool_id)
        client = self._pool_client(pool, client_id)
        config = pools.client_config(settings, client.config.get("ClientSecret"))
        updated = client._replace(
            name=client_name or client.name, config=config, modified=self._now()
        )
        self.store.put_client(updated)
        return {"UserPoolClient": pools.describe_client(updated)}

    def delete_user_pool_client(
        self, ctx: RequestContext, user_pool_id: str, client_id: str
    ) -> JsonDict:
        pool = self._pool(ctx.scope, user_pool_id)
        self.store.delete_client(self._pool_client(pool, client_id).id)
        return {}


def _client_settings(**settings: Any) -> dict[str, Any]:
    return {name: value for name, value in settings.items() if value is not None}
