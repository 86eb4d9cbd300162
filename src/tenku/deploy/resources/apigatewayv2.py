"""AWS::ApiGatewayV2::Api, Route, Integration, Authorizer, Stage and Deployment through
the API Gateway v2 API.

An API with `Body` (or `BodyS3Location`) is imported (ImportApi; ReimportApi when the
body changes), as SAM's `AWS::Serverless::HttpApi` emits it; without one it is created
from `Name`/`ProtocolType` and the quick-create members (`Target`, `RouteKey`,
`CredentialsArn`). Members given beside a body (`Name`, `Description`,
`CorsConfiguration`, ...) are applied after the import. `Ref` is the API id;
`Fn::GetAtt` gives `ApiId` and `ApiEndpoint` (Tenku's local endpoint, the one that
answers: `http://<api id>.execute-api.localhost:<port>`). An integration's
`ResponseParameters` (CloudFormation: `{status: {ResponseParameters: [{Destination,
Source}]}}`) become the API's `{status: {destination: source}}`. `Ref` of a route,
integration, authorizer and deployment is its id (`RouteId`, `IntegrationId`,
`AuthorizerId`, `DeploymentId`); of a stage, its name.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.deploy.errors import ResourceFailure
from tenku.deploy.resources.base import Handler, Made, ResourceContext, require
from tenku.deploy.resources.packages import package_bytes, stand_in_openapi

_API_UPDATABLE = (
    "Name", "Description", "CorsConfiguration", "DisableExecuteApiEndpoint",
    "DisableSchemaValidation", "ApiKeySelectionExpression", "RouteSelectionExpression",
    "Version", "IpAddressType", "Target", "RouteKey", "CredentialsArn",
)  # fmt: skip
_API_CREATE = (*_API_UPDATABLE, "ProtocolType")


async def definition(ctx: ResourceContext, props: dict[str, Any]) -> str | None:
    body = props.get("Body")
    if body is not None:
        return body if isinstance(body, str) else json.dumps(body)
    location = props.get("BodyS3Location")
    if location:
        data = await package_bytes(
            ctx, location["Bucket"], location["Key"], location.get("Version"), _stand_in
        )
        return data.decode()
    return None


def _stand_in(bucket: str, key: str) -> bytes:
    """An HTTP API whose definition is not in Tenku's S3 (see `package_bytes`): no
    routes, so every call is answered 404; the description says why."""
    return stand_in_openapi(bucket, key, {})


def _pick(props: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: props[k] for k in names if props.get(k) is not None}


def _tags(props: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (props.get("Tags") or {}).items()}


class Api(Handler):
    type_name = "AWS::ApiGatewayV2::Api"
    replace_on = ("ProtocolType",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        body = await definition(ctx, props)
        if body is None:
            params = _pick(props, _API_CREATE)
            params.setdefault("Name", ctx.physical_name(128))
            require(params, "ProtocolType", self.type_name)
            if _tags(props):
                params["Tags"] = _tags(props)
            made = await ctx.call("apigatewayv2", "CreateApi", params)
        else:
            made = await ctx.call("apigatewayv2", "ImportApi", self._import(body, props))
            made = await self._overrides(ctx, made["ApiId"], {}, props) or made
            await self._retag(ctx, made["ApiId"], {}, props)
        return Made(
            made["ApiId"], {"ApiId": made["ApiId"], "ApiEndpoint": made.get("ApiEndpoint", "")}
        )

    def _import(self, body: str, props: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"Body": body}
        if props.get("BasePath"):
            params["Basepath"] = props["BasePath"]
        if props.get("FailOnWarnings") is not None:
            params["FailOnWarnings"] = props["FailOnWarnings"]
        return params

    async def _overrides(
        self, ctx: ResourceContext, api_id: str, old: dict[str, Any], new: dict[str, Any]
    ) -> dict[str, Any] | None:
        changed = {
            k: new[k] for k in _API_UPDATABLE if new.get(k) is not None and new[k] != old.get(k)
        }
        if old.get("CorsConfiguration") and not new.get("CorsConfiguration"):
            await ctx.call("apigatewayv2", "DeleteCorsConfiguration", {"ApiId": api_id})
        if not changed:
            return None
        return await ctx.call("apigatewayv2", "UpdateApi", {"ApiId": api_id, **changed})

    async def _retag(
        self, ctx: ResourceContext, api_id: str, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        before, after = _tags(old), _tags(new)
        if before == after:
            return
        arn = f"arn:aws:apigateway:{ctx.scope.region}::/apis/{api_id}"
        gone = [k for k in before if k not in after]
        if gone:
            await ctx.call("apigatewayv2", "UntagResource", {"ResourceArn": arn, "TagKeys": gone})
        if after:
            await ctx.call("apigatewayv2", "TagResource", {"ResourceArn": arn, "Tags": after})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        api_id = current.physical_id
        body = await definition(ctx, new)
        if body is not None and (
            old.get("Body") != new.get("Body")
            or old.get("BodyS3Location") != new.get("BodyS3Location")
        ):
            await ctx.call(
                "apigatewayv2", "ReimportApi", {"ApiId": api_id, **self._import(body, new)}
            )
            await self._overrides(ctx, api_id, {}, new)
        else:
            await self._overrides(ctx, api_id, old, new)
        await self._retag(ctx, api_id, old, new)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("apigatewayv2", "DeleteApi", {"ApiId": current.physical_id})


_ROUTE_MEMBERS = (
    "ApiKeyRequired", "AuthorizationScopes", "AuthorizationType", "AuthorizerId",
    "ModelSelectionExpression", "OperationName", "RequestModels", "RequestParameters",
    "RouteResponseSelectionExpression", "Target",
)  # fmt: skip


class Route(Handler):
    type_name = "AWS::ApiGatewayV2::Route"
    replace_on = ("ApiId",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params = {
            "ApiId": require(props, "ApiId", self.type_name),
            "RouteKey": require(props, "RouteKey", self.type_name),
            **_pick(props, _ROUTE_MEMBERS),
        }
        made = await ctx.call("apigatewayv2", "CreateRoute", params)
        return Made(made["RouteId"], {"RouteId": made["RouteId"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        params = {
            "ApiId": new["ApiId"],
            "RouteId": current.physical_id,
            "RouteKey": new["RouteKey"],
        }
        params.update(_pick(new, _ROUTE_MEMBERS))
        if old.get("AuthorizationType") and not new.get("AuthorizationType"):
            params["AuthorizationType"] = "NONE"
        await ctx.call("apigatewayv2", "UpdateRoute", params)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "apigatewayv2", "DeleteRoute", {"ApiId": props["ApiId"], "RouteId": current.physical_id}
        )


_INTEGRATION_MEMBERS = (
    "ConnectionId", "ConnectionType", "ContentHandlingStrategy", "CredentialsArn",
    "Description", "IntegrationMethod", "IntegrationSubtype", "IntegrationUri",
    "PassthroughBehavior", "PayloadFormatVersion", "RequestParameters", "RequestTemplates",
    "TemplateSelectionExpression", "TimeoutInMillis", "TlsConfig",
)  # fmt: skip


def integration_params(props: dict[str, Any]) -> dict[str, Any]:
    params = _pick(props, _INTEGRATION_MEMBERS)
    responses = props.get("ResponseParameters")
    if responses:
        params["ResponseParameters"] = {
            str(status): {
                entry["Destination"]: entry["Source"]
                for entry in (spec.get("ResponseParameters") or [])
            }
            if isinstance(spec, dict) and "ResponseParameters" in spec
            else spec
            for status, spec in responses.items()
        }
    return params


class Integration(Handler):
    type_name = "AWS::ApiGatewayV2::Integration"
    replace_on = ("ApiId",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params = {
            "ApiId": require(props, "ApiId", self.type_name),
            "IntegrationType": require(props, "IntegrationType", self.type_name),
            **integration_params(props),
        }
        made = await ctx.call("apigatewayv2", "CreateIntegration", params)
        return Made(made["IntegrationId"], {"IntegrationId": made["IntegrationId"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        await ctx.call(
            "apigatewayv2",
            "UpdateIntegration",
            {"ApiId": new["ApiId"], "IntegrationId": current.physical_id,
             "IntegrationType": new["IntegrationType"], **integration_params(new)},
        )  # fmt: skip
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "apigatewayv2",
            "DeleteIntegration",
            {"ApiId": props["ApiId"], "IntegrationId": current.physical_id},
        )


_AUTHORIZER_MEMBERS = (
    "AuthorizerCredentialsArn", "AuthorizerPayloadFormatVersion",
    "AuthorizerResultTtlInSeconds", "AuthorizerUri", "EnableSimpleResponses",
    "IdentitySource", "IdentityValidationExpression", "JwtConfiguration",
)  # fmt: skip


class Authorizer(Handler):
    type_name = "AWS::ApiGatewayV2::Authorizer"
    replace_on = ("ApiId",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params = {
            "ApiId": require(props, "ApiId", self.type_name),
            "AuthorizerType": require(props, "AuthorizerType", self.type_name),
            "Name": require(props, "Name", self.type_name),
            **_pick(props, _AUTHORIZER_MEMBERS),
        }
        params.setdefault("IdentitySource", [])
        made = await ctx.call("apigatewayv2", "CreateAuthorizer", params)
        return Made(made["AuthorizerId"], {"AuthorizerId": made["AuthorizerId"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        await ctx.call(
            "apigatewayv2",
            "UpdateAuthorizer",
            {"ApiId": new["ApiId"], "AuthorizerId": current.physical_id,
             "AuthorizerType": new["AuthorizerType"], "Name": new["Name"],
             **_pick(new, _AUTHORIZER_MEMBERS)},
        )  # fmt: skip
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "apigatewayv2",
            "DeleteAuthorizer",
            {"ApiId": props["ApiId"], "AuthorizerId": current.physical_id},
        )


_STAGE_MEMBERS = (
    "AccessLogSettings", "AutoDeploy", "ClientCertificateId", "DefaultRouteSettings",
    "DeploymentId", "Description", "RouteSettings", "StageVariables",
)  # fmt: skip


class Stage(Handler):
    type_name = "AWS::ApiGatewayV2::Stage"
    replace_on = ("ApiId", "StageName")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        name = require(props, "StageName", self.type_name)
        params = {
            "ApiId": require(props, "ApiId", self.type_name),
            "StageName": name,
            **_pick(props, _STAGE_MEMBERS),
        }
        if _tags(props):
            params["Tags"] = _tags(props)
        await ctx.call("apigatewayv2", "CreateStage", params)
        return Made(name, {})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        params = {"ApiId": new["ApiId"], "StageName": current.physical_id}
        params.update(_pick(new, _STAGE_MEMBERS))
        if old.get("AutoDeploy") and new.get("AutoDeploy") is None:
            params["AutoDeploy"] = False
        if old.get("AccessLogSettings") and not new.get("AccessLogSettings"):
            await ctx.call(
                "apigatewayv2",
                "DeleteAccessLogSettings",
                {"ApiId": new["ApiId"], "StageName": current.physical_id},
            )
        await ctx.call("apigatewayv2", "UpdateStage", params)
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "apigatewayv2",
            "DeleteStage",
            {"ApiId": props["ApiId"], "StageName": current.physical_id},
        )


class Deployment(Handler):
    type_name = "AWS::ApiGatewayV2::Deployment"
    replace_on = ("ApiId",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        params = {"ApiId": require(props, "ApiId", self.type_name)}
        params.update(_pick(props, ("Description", "StageName")))
        made = await ctx.call("apigatewayv2", "CreateDeployment", params)
        return Made(made["DeploymentId"], {"DeploymentId": made["DeploymentId"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        if old.get("Description") != new.get("Description"):
            await ctx.call(
                "apigatewayv2",
                "UpdateDeployment",
                {"ApiId": new["ApiId"], "DeploymentId": current.physical_id,
                 "Description": new.get("Description") or ""},
            )  # fmt: skip
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        try:
            await ctx.call(
                "apigatewayv2",
                "DeleteDeployment",
                {"ApiId": props["ApiId"], "DeploymentId": current.physical_id},
            )
        except ResourceFailure as failure:
            # A deployment made `StageName`'s deployment depends on that stage, so it is
            # deleted first while the stage still points at it: the stage's (or the
            # API's) own deletion, which follows, takes the deployment with it.
            if "Active stages pointing to this deployment" not in failure.message:
                raise
