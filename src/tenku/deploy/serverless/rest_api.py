"""`http` events: the REST API (`ApiGatewayRestApi`), a resource per path segment
(`ApiGatewayResource<Path>`), a method per event (`ApiGatewayMethod<Path><Verb>`) with an
`AWS_PROXY` integration, `cors: true` (a MOCK `OPTIONS` method per path), authorizers
(a function of the service or a Lambda ARN as TOKEN/REQUEST, a Cognito user pool ARN,
`aws_iam`), one deployment with the stage (`ApiGatewayDeployment<hash>`, a new one
whenever the API changes), the invoke permissions and the `ServiceEndpoint` output.
Must not: compile other event types.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tenku.deploy.serverless import naming
from tenku.deploy.serverless.context import Build, as_list, execute_api_arn, invocation_uri
from tenku.deploy.serverless.errors import ServerlessError

_API = {"Ref": "ApiGatewayRestApi"}
_CORS_HEADERS = ("Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,"
                 "X-Amz-User-Agent,X-Amzn-Trace-Id")  # fmt: skip


def _events(build: Build) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(function, METHOD, path without slashes, event config) for every `http` event."""
    out = []
    for key, spec in build.functions.items():
        for event in spec.get("events") or []:
            if not isinstance(event, dict) or "http" not in event:
                continue
            config = event["http"]
            if isinstance(config, str):
                method, _, path = config.partition(" ")
                config = {"method": method, "path": path}
            if not isinstance(config, dict) or not config.get("method"):
                raise ServerlessError(
                    f'Missing or invalid "method" property in function "{key}" '
                    "for http event in serverless.yml"
                )
            path = str(config.get("path") or "").strip("/")
            out.append((key, str(config["method"]).upper(), path, config))
    return out


def compile_rest_api(build: Build) -> None:
    events = _events(build)
    if not events:
        return
    settings = build.provider.get("apiGateway") or {}
    root: Any = {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]}
    api: Any = _API
    if settings.get("restApiId"):
        api, root = settings["restApiId"], settings.get("restApiRootResourceId")
    else:
        _rest_api(build, settings)
    methods: list[str] = []
    cors_paths: dict[str, set[str]] = {}
    cors_config: dict[str, Any] = {}
    permitted: set[str] = set()
    for function, method, path, config in events:
        resource_id = _resources(build, path, api, root)
        suffix = naming.path_id(path) if path else ""
        method_id = f"ApiGatewayMethod{suffix}{naming.upper_first(method.lower())}"
        props: dict[str, Any] = {
            "HttpMethod": "ANY" if method == "*" else method, "RequestParameters": {},
            "ResourceId": resource_id, "RestApiId": api,
            "ApiKeyRequired": bool(config.get("private")), "AuthorizationType": "NONE",
            "Integration": {"IntegrationHttpMethod": "POST", "Type": "AWS_PROXY",
                            "Uri": invocation_uri(build.target(function))},
            "MethodResponses": [],
        }  # fmt: skip
        resource: dict[str, Any] = {"Type": "AWS::ApiGateway::Method", "Properties": props}
        if config.get("authorizer"):
            _authorize(build, props, resource, config["authorizer"], api)
        if config.get("integration") not in (None, "lambda-proxy", "aws_proxy", "AWS_PROXY"):
            build.warn(
                f'Function "{function}": http integration "{config["integration"]}" is '
                "deployed as lambda-proxy"
            )
        build.add(method_id, build.depends_on_alias(function, resource))
        methods.append(method_id)
        if config.get("cors"):
            cors_paths.setdefault(path, set()).add(props["HttpMethod"])
            if isinstance(config["cors"], dict):
                cors_config[path] = config["cors"]
        if function not in permitted:
            permitted.add(function)
            build.add(f"{naming.resource_name(function)}LambdaPermissionApiGateway",
                      build.permission(function, "apigateway.amazonaws.com",
                                       execute_api_arn(api, "/*/*")))  # fmt: skip
    for path, verbs in cors_paths.items():
        methods.append(_cors(build, path, verbs, cors_config.get(path) or {}, api, root))
    _deployment(build, api, methods)


def _rest_api(build: Build, settings: dict[str, Any]) -> None:
    name = build.provider.get("apiName") or (
        f"{build.service}-{build.stage}" if settings.get("shouldStartNameWithService")
        else f"{build.stage}-{build.service}")  # fmt: skip
    props: dict[str, Any] = {
        "Name": str(name),
        "EndpointConfiguration": {
            "Types": [str(build.provider.get("endpointType") or "EDGE").upper()]
        },
    }
    for member, source in (
        ("BinaryMediaTypes", "binaryMediaTypes"),
        ("MinimumCompressionSize", "minimumCompressionSize"),
        ("Description", "description"),
        ("Policy", "resourcePolicy"),
    ):
        if settings.get(source) is not None:
            value = settings[source]
            if member == "Policy":
                value = {"Version": "2012-10-17", "Statement": value}
            props[member] = value
    build.add("ApiGatewayRestApi", {"Type": "AWS::ApiGateway::RestApi", "Properties": props})
    build.outputs["ServiceEndpoint"] = {"Description": "URL of the service endpoint",
                                        "Value": {"Fn::Join": ["", [
        "https://", _API, ".execute-api.", {"Ref": "AWS::Region"}, ".",
        {"Ref": "AWS::URLSuffix"}, f"/{build.stage}"]]}}  # fmt: skip


def _resources(build: Build, path: str, api: Any, root: Any) -> Any:
    """The resource id of `path`, making `ApiGatewayResource*` for every segment."""
    if not path:
        return root
    parent, parts = root, path.split("/")
    for index in range(len(parts)):
        prefix = "/".join(parts[: index + 1])
        logical_id = f"ApiGatewayResource{naming.path_id(prefix)}"
        if logical_id not in build.resources:
            build.add(
                logical_id,
                {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {"ParentId": parent, "PathPart": parts[index], "RestApiId": api},
                },
            )
        parent = {"Ref": logical_id}
    return parent


def _authorize(build: Build, props: dict[str, Any], resource: dict[str, Any], spec: Any,
               api: Any) -> None:  # fmt: skip
    config = spec if isinstance(spec, dict) else {"name": spec}
    kind = str(config.get("type") or "").upper()
    if kind == "AWS_IAM" or config.get("name") == "aws_iam":
        props["AuthorizationType"] = "AWS_IAM"
        return
    if config.get("authorizerId"):
        props["AuthorizationType"] = kind or "CUSTOM"
        props["AuthorizerId"] = config["authorizerId"]
        return
    arn = config.get("arn")
    function = config.get("name") if not arn else None
    if function and function not in build.functions:
        raise ServerlessError(f'Authorizer function "{function}" is not defined in the service')
    cognito = isinstance(arn, str) and ":cognito-idp:" in arn
    name = str(config.get("name") or naming.name_of(arn or function))
    logical_id = f"{naming.resource_name(name)}ApiGatewayAuthorizer"
    auth: dict[str, Any] = {"Name": name, "RestApiId": api, "IdentitySource": str(
        config.get("identitySource") or "method.request.header.Authorization"),
        "AuthorizerResultTtlInSeconds": int(config.get("resultTtlInSeconds", 300))}  # fmt: skip
    if cognito:
        auth.update({"Type": "COGNITO_USER_POOLS", "ProviderARNs": [arn]})
        props["AuthorizationType"] = "COGNITO_USER_POOLS"
    else:
        target = arn or build.target(str(function))
        auth.update({"Type": "REQUEST" if kind == "REQUEST" else "TOKEN",
                     "AuthorizerUri": invocation_uri(target)})  # fmt: skip
        props["AuthorizationType"] = "CUSTOM"
        permission_id = f"{naming.resource_name(str(function or name))}LambdaPermissionApiGateway"
        if permission_id not in build.resources:
            build.add(permission_id, {"Type": "AWS::Lambda::Permission", "Properties": {
                "FunctionName": target, "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": execute_api_arn(api, "/*/*")}})  # fmt: skip
    if config.get("identityValidationExpression"):
        auth["IdentityValidationExpression"] = config["identityValidationExpression"]
    build.add(logical_id, {"Type": "AWS::ApiGateway::Authorizer", "Properties": auth})
    props["AuthorizerId"] = {"Ref": logical_id}
    if config.get("scopes"):
        props["AuthorizationScopes"] = as_list(config["scopes"])
    resource["DependsOn"] = logical_id


def _cors(build: Build, path: str, verbs: set[str], config: dict[str, Any], api: Any,
          root: Any) -> str:  # fmt: skip
    origins = as_list(config.get("origins") or config.get("origin")) or ["*"]
    headers = ",".join(as_list(config.get("headers"))) or _CORS_HEADERS
    allowed = ",".join(sorted({"OPTIONS", *verbs}))
    response = {
        "method.response.header.Access-Control-Allow-Origin": f"'{','.join(origins)}'",
        "method.response.header.Access-Control-Allow-Headers": f"'{headers}'",
        "method.response.header.Access-Control-Allow-Methods": f"'{allowed}'",
    }
    if config.get("allowCredentials"):
        response["method.response.header.Access-Control-Allow-Credentials"] = "'true'"
    if config.get("maxAge") is not None:
        response["method.response.header.Access-Control-Max-Age"] = f"'{config['maxAge']}'"
    logical_id = f"ApiGatewayMethod{naming.path_id(path) if path else ''}Options"
    build.add(logical_id, {"Type": "AWS::ApiGateway::Method", "Properties": {
        "AuthorizationType": "NONE", "HttpMethod": "OPTIONS", "RestApiId": api,
        "ResourceId": _resources(build, path, api, root),
        "MethodResponses": [{"StatusCode": "200", "ResponseModels": {},
                             "ResponseParameters": {k: True for k in response}}],
        "Integration": {"Type": "MOCK", "ContentHandling": "CONVERT_TO_TEXT",
                        "RequestTemplates": {"application/json": "{statusCode:200}"},
                        "IntegrationResponses": [{"StatusCode": "200",
                                                  "ResponseParameters": response,
                                                  "ResponseTemplates": {"application/json": ""}}]},
    }})  # fmt: skip
    return logical_id


def _deployment(build: Build, api: Any, methods: list[str]) -> None:
    shape = {m: build.resources[m] for m in sorted(methods)}
    digest = hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()
    props: dict[str, Any] = {"RestApiId": api, "StageName": build.stage}
    if (build.provider.get("tracing") or {}).get("apiGateway"):
        props["StageDescription"] = {"TracingEnabled": True}
    build.add(
        f"ApiGatewayDeployment{digest[:12]}",
        {"Type": "AWS::ApiGateway::Deployment", "Properties": props, "DependsOn": sorted(methods)},
    )
