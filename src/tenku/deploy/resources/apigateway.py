"""AWS::ApiGateway::RestApi, Resource and Method through the API Gateway (REST) API.

A REST API with `Body` (or `BodyS3Location`) is imported from its OpenAPI/Swagger
definition (ImportRestApi; PutRestApi in `Mode`, default `overwrite`, when the body
changes), as SAM's `AWS::Serverless::Api` emits it; without one it is created plainly.
Its other properties become CreateRestApi members or UpdateRestApi patch operations.
`Ref` is the API id; `Fn::GetAtt` gives `RestApiId` and `RootResourceId`.
A resource's `Ref` is its id (`ResourceId`). A method is put with its `Integration`,
integration responses and method responses; an update puts the method again from
scratch. Its `Ref` is `<api id>|<resource id>|<HTTP method>`, the identifiers
CloudFormation keys it by.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from tenku.deploy.resources.base import Handler, Made, ResourceContext, require, tag_list
from tenku.deploy.resources.packages import missing_note, package_bytes, stand_in_openapi


def escape(segment: str) -> str:
    """A value inside a patch path (`/` is written `~1`, `~` is `~0`)."""
    return segment.replace("~", "~0").replace("/", "~1")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


async def definition(ctx: ResourceContext, props: dict[str, Any]) -> bytes | None:
    """The OpenAPI document a `Body` or `BodyS3Location` gives, as bytes."""
    if props.get("Body") is not None:
        return titled(_text(props["Body"]).encode(), props.get("Name"))
    location = props.get("BodyS3Location")
    if location:
        body = await package_bytes(
            ctx, location["Bucket"], location["Key"], location.get("Version"), _stand_in
        )
        return titled(body, props.get("Name"))
    return None


def _stand_in(bucket: str, key: str) -> bytes:
    """A REST API whose definition is not in Tenku's S3 (see `package_bytes`): one MOCK
    method on `/` that answers every call 501, naming where the definition is."""
    answer = json.dumps({"message": missing_note(bucket, key)})
    mock = {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 501}'},
        "responses": {
            "default": {"statusCode": "501", "responseTemplates": {"application/json": answer}}
        },
    }
    any_method = {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": mock}}
    return stand_in_openapi(bucket, key, {"/": any_method})


def titled(body: bytes, name: Any) -> bytes:
    """The document with `info.title` set from the resource's `Name` when it has none:
    CloudFormation names the API from `Name`, so a body without a title imports. Without
    either, the body goes as it is and ImportRestApi refuses it."""
    if not isinstance(name, str) or not name:
        return body
    try:
        document = yaml.safe_load(body)  # JSON is YAML too
    except yaml.YAMLError:
        return body
    if not isinstance(document, dict):
        return body
    info = document.get("info")
    if isinstance(info, dict) and info.get("title"):
        return body
    document["info"] = {**(info if isinstance(info, dict) else {}), "title": name}
    return json.dumps(document, default=str).encode()


# CloudFormation property -> (patch path, how the value is written)
_API_FIELDS = (
    ("Name", "/name"),
    ("Description", "/description"),
    ("ApiKeySourceType", "/apiKeySource"),
    ("MinimumCompressionSize", "/minimumCompressionSize"),
    ("DisableExecuteApiEndpoint", "/disableExecuteApiEndpoint"),
    ("Policy", "/policy"),
)


def _patch_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def rest_api_patch(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    """UpdateRestApi operations bringing the API's members from `old` to `new`."""
    ops: list[dict[str, str]] = []
    for prop, path in _API_FIELDS:
        if new.get(prop) is not None and new.get(prop) != old.get(prop):
            ops.append({"op": "replace", "path": path, "value": _patch_value(new[prop])})
        elif new.get(prop) is None and old.get(prop) is not None and prop != "Name":
            ops.append({"op": "replace", "path": path, "value": ""})
    before = set(old.get("BinaryMediaTypes") or [])
    after = set(new.get("BinaryMediaTypes") or [])
    ops += [
        {"op": "remove", "path": f"/binaryMediaTypes/{escape(t)}"} for t in sorted(before - after)
    ]
    ops += [{"op": "add", "path": f"/binaryMediaTypes/{escape(t)}"} for t in sorted(after - before)]
    old_types = (old.get("EndpointConfiguration") or {}).get("Types") or []
    new_types = (new.get("EndpointConfiguration") or {}).get("Types") or []
    if new_types and old_types != new_types:
        ops.append(
            {
                "op": "replace",
                "path": f"/endpointConfiguration/types/{old_types[0] if old_types else 'EDGE'}",
                "value": new_types[0],
            }
        )
    return ops


def create_rest_api_params(name: str, props: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"name": name}
    optional = {
        "description": props.get("Description"),
        "binaryMediaTypes": props.get("BinaryMediaTypes"),
        "minimumCompressionSize": props.get("MinimumCompressionSize"),
        "apiKeySource": props.get("ApiKeySourceType"),
        "cloneFrom": props.get("CloneFrom"),
        "disableExecuteApiEndpoint": props.get("DisableExecuteApiEndpoint"),
        "policy": _text(props["Policy"]) if props.get("Policy") is not None else None,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    endpoint = props.get("EndpointConfiguration")
    if endpoint:
        config: dict[str, Any] = {}
        if endpoint.get("Types"):
            config["types"] = endpoint["Types"]
        if endpoint.get("VpcEndpointIds"):
            config["vpcEndpointIds"] = endpoint["VpcEndpointIds"]
        params["endpointConfiguration"] = config
    tags = tag_list(props)
    if tags:
        params["tags"] = tags
    return params


def import_parameters(props: dict[str, Any]) -> dict[str, str]:
    parameters = {str(k): str(v) for k, v in (props.get("Parameters") or {}).items()}
    types = (props.get("EndpointConfiguration") or {}).get("Types") or []
    if types and "endpointConfigurationTypes" not in parameters:
        parameters["endpointConfigurationTypes"] = types[0]
    return parameters


class RestApi(Handler):
    type_name = "AWS::ApiGateway::RestApi"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        body = await definition(ctx, props)
        if body is None:
            name = require(props, "Name", self.type_name)
            made = await ctx.call(
                "apigateway", "CreateRestApi", create_rest_api_params(name, props)
            )
            api_id = made["id"]
        else:
            params: dict[str, Any] = {"body": body, "parameters": import_parameters(props)}
            if props.get("FailOnWarnings") is not None:
                params["failOnWarnings"] = props["FailOnWarnings"]
            api_id = (await ctx.call("apigateway", "ImportRestApi", params))["id"]
            await self._after_definition(ctx, api_id, {}, props)
        return Made(api_id, await self._attributes(ctx, api_id))

    async def _after_definition(
        self, ctx: ResourceContext, api_id: str, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        """Members set beside the body win over the body's (`Name` over `info.title`)."""
        ops = rest_api_patch({}, {k: v for k, v in new.items() if k != "EndpointConfiguration"})
        if ops:
            await ctx.call(
                "apigateway", "UpdateRestApi", {"restApiId": api_id, "patchOperations": ops}
            )
        await self._tags(ctx, api_id, tag_list(old), tag_list(new))

    async def _tags(
        self, ctx: ResourceContext, api_id: str, before: dict[str, str], after: dict[str, str]
    ) -> None:
        arn = f"arn:aws:apigateway:{ctx.scope.region}::/restapis/{api_id}"
        gone = [k for k in before if k not in after]
        if gone:
            await ctx.call("apigateway", "UntagResource", {"resourceArn": arn, "tagKeys": gone})
        if after and after != before:
            await ctx.call("apigateway", "TagResource", {"resourceArn": arn, "tags": after})

    async def _attributes(self, ctx: ResourceContext, api_id: str) -> dict[str, Any]:
        listed = await ctx.call("apigateway", "GetResources", {"restApiId": api_id, "limit": 500})
        root = next((r["id"] for r in listed.get("items") or [] if r.get("path") == "/"), "")
        return {"RestApiId": api_id, "RootResourceId": root}

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        api_id = current.physical_id
        body = await definition(ctx, new)
        if body is not None and (
            old.get("Body") != new.get("Body")
            or old.get("BodyS3Location") != new.get("BodyS3Location")
        ):
            params: dict[str, Any] = {
                "restApiId": api_id,
                "body": body,
                "mode": new.get("Mode") or "overwrite",
                "parameters": import_parameters(new),
            }
            if new.get("FailOnWarnings") is not None:
                params["failOnWarnings"] = new["FailOnWarnings"]
            await ctx.call("apigateway", "PutRestApi", params)
            await self._after_definition(ctx, api_id, old, new)
        else:
            ops = rest_api_patch(old, new)
            if ops:
                await ctx.call(
                    "apigateway", "UpdateRestApi", {"restApiId": api_id, "patchOperations": ops}
                )
            await self._tags(ctx, api_id, tag_list(old), tag_list(new))
        return Made(api_id, await self._attributes(ctx, api_id))

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call("apigateway", "DeleteRestApi", {"restApiId": current.physical_id})


class Resource(Handler):
    type_name = "AWS::ApiGateway::Resource"
    replace_on = ("RestApiId",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        made = await ctx.call(
            "apigateway",
            "CreateResource",
            {
                "restApiId": require(props, "RestApiId", self.type_name),
                "parentId": require(props, "ParentId", self.type_name),
                "pathPart": require(props, "PathPart", self.type_name),
            },
        )
        return Made(made["id"], {"ResourceId": made["id"]})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        ops = [
            {"op": "replace", "path": path, "value": str(new[prop])}
            for prop, path in (("PathPart", "/pathPart"), ("ParentId", "/parentId"))
            if old.get(prop) != new.get(prop)
        ]
        if ops:
            await ctx.call(
                "apigateway",
                "UpdateResource",
                {"restApiId": new["RestApiId"], "resourceId": current.physical_id,
                 "patchOperations": ops},
            )  # fmt: skip
        return current

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "apigateway",
            "DeleteResource",
            {"restApiId": props["RestApiId"], "resourceId": current.physical_id},
        )


_METHOD_MEMBERS = (
    ("AuthorizationType", "authorizationType"),
    ("AuthorizerId", "authorizerId"),
    ("AuthorizationScopes", "authorizationScopes"),
    ("ApiKeyRequired", "apiKeyRequired"),
    ("OperationName", "operationName"),
    ("RequestModels", "requestModels"),
    ("RequestParameters", "requestParameters"),
    ("RequestValidatorId", "requestValidatorId"),
)
_INTEGRATION_MEMBERS = (
    ("Type", "type"),
    ("Uri", "uri"),
    ("IntegrationHttpMethod", "integrationHttpMethod"),
    ("Credentials", "credentials"),
    ("RequestParameters", "requestParameters"),
    ("RequestTemplates", "requestTemplates"),
    ("PassthroughBehavior", "passthroughBehavior"),
    ("ContentHandling", "contentHandling"),
    ("TimeoutInMillis", "timeoutInMillis"),
    ("CacheKeyParameters", "cacheKeyParameters"),
    ("CacheNamespace", "cacheNamespace"),
    ("ConnectionType", "connectionType"),
    ("ConnectionId", "connectionId"),
)


def _members(props: dict[str, Any], table: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {api: props[cfn] for cfn, api in table if props.get(cfn) is not None}


def method_params(props: dict[str, Any]) -> dict[str, Any]:
    params = _members(props, _METHOD_MEMBERS)
    params.setdefault("authorizationType", "NONE")
    return params


def integration_params(integration: dict[str, Any]) -> dict[str, Any]:
    params = _members(integration, _INTEGRATION_MEMBERS)
    tls = integration.get("TlsConfig") or {}
    if tls.get("InsecureSkipVerification") is not None:
        params["tlsConfig"] = {"insecureSkipVerification": tls["InsecureSkipVerification"]}
    return params


class Method(Handler):
    type_name = "AWS::ApiGateway::Method"
    replace_on = ("RestApiId", "ResourceId", "HttpMethod")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Made:
        where = {
            "restApiId": require(props, "RestApiId", self.type_name),
            "resourceId": require(props, "ResourceId", self.type_name),
            "httpMethod": require(props, "HttpMethod", self.type_name),
        }
        await ctx.call("apigateway", "PutMethod", {**where, **method_params(props)})
        for response in props.get("MethodResponses") or []:
            await ctx.call(
                "apigateway",
                "PutMethodResponse",
                {
                    **where,
                    "statusCode": str(response["StatusCode"]),
                    **_members(
                        response,
                        (("ResponseParameters", "responseParameters"),
                         ("ResponseModels", "responseModels")),
                    ),
                },
            )  # fmt: skip
        integration = props.get("Integration")
        if integration:
            await ctx.call(
                "apigateway", "PutIntegration", {**where, **integration_params(integration)}
            )
            for response in integration.get("IntegrationResponses") or []:
                await ctx.call(
                    "apigateway",
                    "PutIntegrationResponse",
                    {
                        **where,
                        "statusCode": str(response["StatusCode"]),
                        **_members(
                            response,
                            (("SelectionPattern", "selectionPattern"),
                             ("ResponseParameters", "responseParameters"),
                             ("ResponseTemplates", "responseTemplates"),
                             ("ContentHandling", "contentHandling")),
                        ),
                    },
                )  # fmt: skip
        physical = "|".join((where["restApiId"], where["resourceId"], where["httpMethod"]))
        return Made(physical, {})

    async def update(
        self, ctx: ResourceContext, current: Made, old: dict[str, Any], new: dict[str, Any]
    ) -> Made:
        await self.delete(ctx, current, old)
        return await self.create(ctx, new)

    async def delete(self, ctx: ResourceContext, current: Made, props: dict[str, Any]) -> None:
        await ctx.call(
            "apigateway",
            "DeleteMethod",
            {"restApiId": props["RestApiId"], "resourceId": props["ResourceId"],
             "httpMethod": props["HttpMethod"]},
        )  # fmt: skip
