"""AWS::Cognito::UserPool, UserPoolClient, UserPoolGroup, UserPoolUser,
UserPoolUserToGroupAttachment and UserPoolDomain through the Cognito user pools API.

A pool's properties are CreateUserPool's members (`UserPoolName` is `PoolName`); an
update is UpdateUserPool with the new properties (what it cannot change, CloudFormation
replaces: alias/username attributes and username configuration), and new custom schema
attributes are added with AddCustomAttributes. `Ref` of a pool is its id; `Fn::GetAtt`
gives `Arn`, `ProviderName`, `ProviderURL` and `UserPoolId`. A client's `Ref` is its
client id (`ClientId`, `Name`, and `ClientSecret` when one was generated); a group's and
a user's, their names. `AWS::Cognito::UserPoolDomain` is accepted and recorded (Tenku has
no hosted UI to put on a domain); its `Ref` is the domain.
"""

from __future__ import annotations

from typing import Any

from tenku.deploy.resources.base import Handler, Made, ResourceContext, require

_POOL_MEMBERS = (
    "Policies", "DeletionProtection", "LambdaConfig", "AutoVerifiedAttributes",
    "SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject",
    "VerificationMessageTemplate", "SmsAuthenticationMessage", "MfaConfiguration",
    "UserAttributeUpdateSettings", "DeviceConfiguration", "EmailConfiguration",
    "SmsConfiguration", "UserPoolTags", "AdminCreateUserConfig", "UserPoolAddOns",
    "AccountRecoverySetting", "UserPoolTier",
)  # fmt: skip
_CREATE_ONLY = ("AliasAttributes", "UsernameAttributes", "UsernameConfiguration", "Schema")
_CLIENT_MEMBERS = (
    "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
    "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders",
    "CallbackURLs", "LogoutURLs", "DefaultRedirectURI", "AllowedOAuthFlows",
    "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient", "AnalyticsConfiguration",
    "PreventUserExistenceErrors", "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData", "AuthSessionValidity", "RefreshTokenRotation",
)  # fmt: skip


def _pick(props: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: props[k] for k in names if props.get(k) is not None}


def pool_attributes(pool_id: str, region: str, account: str) -> dict[str, str]:
    provider = f"cognito-idp.{region}.amazonaws.com/{pool_id}"
    return {
        "Arn": f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool_id}",
        "ProviderName": provider,
        "ProviderURL": f"https://{provider}",
        "UserPoolId": pool_id,
    }


def _custom_attribute(name: str) -> str:
    return name if name.startswith("custom:") else f"custom:{name}"


class UserPool(Handler):
    type_name = "AWS::Cognito::UserPool"
    replace_on = ("AliasAttributes", "UsernameAttributes", "UsernameConfiguration")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params = _pick(props, (*_POOL_MEMBERS, *_CREATE_ONLY))
        params["PoolName"] = props.get("UserPoolName") or ctx.physical_name(128)
        pool = (await ctx.call("cognito-idp", "CreateUserPool", params))["UserPool"]
        return Made(pool["Id"], pool_attributes(pool["Id"], ctx.scope.region, ctx.scope.account))

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        pool_id = current.physical_id
        params = {"UserPoolId": pool_id, **_pick(new, _POOL_MEMBERS)}
        if new.get("UserPoolName") and new.get("UserPoolName") != old.get("UserPoolName"):
            params["PoolName"] = new["UserPoolName"]
        await ctx.call("cognito-idp", "UpdateUserPool", params)
        known = {a.get("Name") for a in old.get("Schema") or []}
        added = [a for a in new.get("Schema") or [] if a.get("Name") not in known]
        if added:
            await ctx.call(
                "cognito-idp",
                "AddCustomAttributes",
                {
                    "UserPoolId": pool_id,
                    "CustomAttributes": [
                        {**a, "Name": _custom_attribute(str(a["Name"]))[len("custom:") :]}
                        for a in added
                    ],
                },
            )
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("cognito-idp", "DeleteUserPool", {"UserPoolId": current.physical_id})


class UserPoolClient(Handler):
    type_name = "AWS::Cognito::UserPoolClient"
    replace_on = ("UserPoolId", "GenerateSecret")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params = {
            "UserPoolId": require(props, "UserPoolId", self.type_name),
            "ClientName": props.get("ClientName") or ctx.physical_name(128),
            **_pick(props, (*_CLIENT_MEMBERS, "GenerateSecret")),
        }
        client = (await ctx.call("cognito-idp", "CreateUserPoolClient", params))["UserPoolClient"]
        return Made(client["ClientId"], self._attributes(client))

    def _attributes(self, client: dict[str, Any]) -> dict[str, Any]:
        attributes = {"ClientId": client["ClientId"], "Name": client.get("ClientName", "")}
        if client.get("ClientSecret"):
            attributes["ClientSecret"] = client["ClientSecret"]
        return attributes

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        params = {
            "UserPoolId": new["UserPoolId"],
            "ClientId": current.physical_id,
            "ClientName": new.get("ClientName") or current.attributes.get("Name", ""),
            **_pick(new, _CLIENT_MEMBERS),
        }
        client = (await ctx.call("cognito-idp", "UpdateUserPoolClient", params))["UserPoolClient"]
        attributes = self._attributes(client)
        if "ClientSecret" in current.attributes and "ClientSecret" not in attributes:
            attributes["ClientSecret"] = current.attributes["ClientSecret"]
        return Made(current.physical_id, attributes)

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "cognito-idp",
            "DeleteUserPoolClient",
            {"UserPoolId": props["UserPoolId"], "ClientId": current.physical_id},
        )


class UserPoolGroup(Handler):
    type_name = "AWS::Cognito::UserPoolGroup"
    replace_on = ("GroupName", "UserPoolId")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = props.get("GroupName") or ctx.physical_name(128)
        params = {
            "UserPoolId": require(props, "UserPoolId", self.type_name),
            "GroupName": name,
            **_pick(props, ("Description", "Precedence", "RoleArn")),
        }
        await ctx.call("cognito-idp", "CreateGroup", params)
        return Made(name, {})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        params = {
            "UserPoolId": new["UserPoolId"],
            "GroupName": current.physical_id,
            **_pick(new, ("Description", "Precedence", "RoleArn")),
        }
        await ctx.call("cognito-idp", "UpdateGroup", params)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "cognito-idp",
            "DeleteGroup",
            {"UserPoolId": props["UserPoolId"], "GroupName": current.physical_id},
        )


class UserPoolUser(Handler):
    type_name = "AWS::Cognito::UserPoolUser"
    replace_on = (
        "Username", "UserPoolId", "UserAttributes", "ValidationData", "ClientMetadata",
        "DesiredDeliveryMediums", "ForceAliasCreation", "MessageAction",
    )  # fmt: skip

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params = {
            "UserPoolId": require(props, "UserPoolId", self.type_name),
            **_pick(
                props,
                ("Username", "UserAttributes", "ValidationData", "ClientMetadata",
                 "DesiredDeliveryMediums", "ForceAliasCreation", "MessageAction"),
            ),
        }  # fmt: skip
        user = (await ctx.call("cognito-idp", "AdminCreateUser", params))["User"]
        return Made(user["Username"], {})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "cognito-idp",
            "AdminDeleteUser",
            {"UserPoolId": props["UserPoolId"], "Username": current.physical_id},
        )


class UserPoolUserToGroupAttachment(Handler):
    type_name = "AWS::Cognito::UserPoolUserToGroupAttachment"
    replace_on = ("GroupName", "Username", "UserPoolId")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params = {
            "UserPoolId": require(props, "UserPoolId", self.type_name),
            "Username": require(props, "Username", self.type_name),
            "GroupName": require(props, "GroupName", self.type_name),
        }
        await ctx.call("cognito-idp", "AdminAddUserToGroup", params)
        return Made(ctx.physical_name(), {})

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "cognito-idp",
            "AdminRemoveUserFromGroup",
            {k: props[k] for k in ("UserPoolId", "Username", "GroupName")},
        )


class UserPoolDomain(Handler):
    """Recorded only: Tenku serves no hosted UI, so a domain has nothing to point at."""

    type_name = "AWS::Cognito::UserPoolDomain"
    replace_on = ("Domain", "UserPoolId")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        domain = require(props, "Domain", self.type_name)
        require(props, "UserPoolId", self.type_name)
        return Made(domain, {"CloudFrontDistribution": f"{domain}.auth.localhost"})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        return None
