"""`httpApi` events: one HTTP API (`HttpApi`) with its auto-deployed `$default` stage
(`HttpApiStage`), an `AWS_PROXY` payload-2.0 integration per function
(`HttpApiIntegration<Fn>`), a route per event (`HttpApiRoute<Method><Path>`, `*` ->
`HttpApiRouteDefault`), JWT and Lambda `request` authorizers (`HttpApiAuthorizer<Name>`),
the invoke permissions, CORS (`cors: true` or an object) and the `HttpApiId`/`HttpApiUrl`
outputs, as the Framework compiles them. `provider.httpApi.id` (an API made elsewhere)
gets routes and integrations only.
Must not: compile other event types.
"""

from __future__ import annotations

import re
from typing import Any

from tenku.deploy.serverless import naming
from tenku.deploy.serverless.context import Build, as_list, execute_api_arn, invocation_uri
from tenku.deploy.serverless.errors import ServerlessError

_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE")
_METHOD_PATH = re.compile(r"^(?:\*|(\w+) (/\S*))$")
_DEFAULT_CORS_HEADERS = [
    "Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token",
    "X-Amz-User-Agent", "X-Amzn-Trace-Id",
]  # fmt: skip


def _routes(build: Build) -> list[tuple[str, str, Any, list[str] | None]]:
    """(route key, function, authorizer spec, scopes) for every httpApi event."""
    routes: list[tuple[str, str, Any, list[str] | None]] = []
    seen: set[str] = set()
    for key, spec in build.functions.items():
        for event in spec.get("events") or []:
            if not isinstance(event, dict) or "httpApi" not in event:
                continue
            config = event["httpApi"]
            authorizer, method, path = None, None, None
            if isinstance(config, dict):
                method, path, authorizer = config.get("method"), config.get("path"), config.get(
                    "authorizer")  # fmt: skip
            else:
                match = _METHOD_PATH.match(str(config))
                if match is None:
                    raise ServerlessError(
                        f'Invalid "httpApi" event in function {key}: expected "*" or "METHOD /path"'
                    )
                method, path = (match.group(1), match.group(2)) if match.group(1) else (
                    None, "*")  # fmt: skip
            path = str(path)
            if path == "*":
                if method and method != "*":
                    raise ServerlessError(
                        f'Invalid "path" property in function {key} for httpApi event in '
                        "serverless.yml"
                    )
                route_key = "*"
            else:
                if not method:
                    raise ServerlessError(
                        f'Missing "method" property in function {key} for httpApi event in '
                        "serverless.yml"
                    )
                verb = "ANY" if str(method) == "*" else str(method).upper()
                if verb not in _METHODS:
                    raise ServerlessError(
                        f'Invalid "method" property in function {key} for httpApi event in '
                        "serverless.yml"
                    )
                route_key = f"{verb} {path}"
                if route_key in seen:
                    raise ServerlessError(
                        f"Duplicate route '{route_key}' configuration in function {key} for "
                        "httpApi event in serverless.yml"
                    )
            seen.add(route_key)
            scopes = None
            if isinstance(authorizer, dict) and authorizer.get("scopes"):
                scopes = [str(s) for s in as_list(authorizer["scopes"])]
            routes.append((route_key, key, authorizer, scopes))
    return routes


def _cors(user: Any, routes: list[tuple[str, str, Any, list[str] | None]]) -> dict[str, Any]:
    config = user if isinstance(user, dict) else {}
    origins = as_list(config.get("allowedOrigins")) or ["*"]
    headers = as_list(config.get("allowedHeaders")) or list(_DEFAULT_CORS_HEADERS)
    methods = as_list(config.get("allowedMethods"))
    if not methods:
        methods = ["OPTIONS"]
        for route_key, *_ in routes:
            verb = "ANY" if route_key == "*" else route_key.split(" ", 1)[0]
            for m in [m for m in _METHODS if m != "ANY"] if verb == "ANY" else [verb]:
                if m not in methods:
                    methods.append(m)
    cors: dict[str, Any] = {"AllowHeaders": headers, "AllowMethods": methods,
                            "AllowOrigins": origins}  # fmt: skip
    if config.get("allowCredentials"):
        cors["AllowCredentials"] = True
    if config.get("exposedResponseHeaders"):
        cors["ExposeHeaders"] = as_list(config["exposedResponseHeaders"])
    if config.get("maxAge") is not None:
        cors["MaxAge"] = int(config["maxAge"])
    return cors


def compile_http_api(build: Build) -> None:
    routes = _routes(build)
    if not routes:
        return
    user = build.provider.get("httpApi") or {}
    external = user.get("id")
    api: Any = external or {"Ref": "HttpApi"}
    if not external:
        _api_and_stage(build, user, routes)
    authorizers = _authorizers(build, user, api)
    integrated: set[str] = set()
    for function in dict.fromkeys(route[1] for route in routes):
        _warn_timeout(build, function)
    for route_key, function, authorizer, scopes in routes:
        normalized = naming.resource_name(function)
        integration_id = f"HttpApiIntegration{normalized}"
        if function not in integrated:
            integrated.add(function)
            build.add(f"{normalized}LambdaPermissionHttpApi", build.permission(
                function, "apigateway.amazonaws.com", execute_api_arn(api, "/*")))  # fmt: skip
            payload = ((build.functions[function].get("httpApi") or {}).get("payload")
                       or user.get("payload") or "2.0")  # fmt: skip
            build.add(integration_id, build.depends_on_alias(function, {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {"ApiId": api, "IntegrationType": "AWS_PROXY",
                               "IntegrationUri": build.target(function),
                               "PayloadFormatVersion": str(payload), "TimeoutInMillis": 30000},
            }))  # fmt: skip
        props: dict[str, Any] = {
            "ApiId": api,
            "RouteKey": "$default" if route_key == "*" else route_key,
            "Target": {"Fn::Join": ["/", ["integrations", {"Ref": integration_id}]]},
        }
        if authorizer:
            props.update(_route_auth(build, function, authorizer, authorizers, external, scopes))
        build.add(
            naming.route_id(route_key),
            {"Type": "AWS::ApiGatewayV2::Route", "Properties": props, "DependsOn": integration_id},
        )


def _warn_timeout(build: Build, function: str) -> None:
    """The Framework's warning: an HTTP API gives up on an integration after 30 s."""
    timeout = int(build.functions[function].get("timeout") or build.provider.get("timeout") or 6)
    if timeout >= 30:
        build.warn(
            f"Function ({function}) timeout setting ({timeout}) "
            + (
                "is greater than maximum allowed timeout for"
                if timeout > 30
                else "may not provide enough room to process"
            )
            + " an HTTP API request (30s)"
        )


def _api_and_stage(build: Build, user: dict[str, Any], routes: list[Any]) -> None:
    default_name = f"{build.stage}-{build.service}"
    if user.get("shouldStartNameWithService"):
        default_name = f"{build.service}-{build.stage}"
    props: dict[str, Any] = {"Name": str(user.get("name") or default_name), "ProtocolType": "HTTP"}
    if user.get("description"):
        props["Description"] = str(user["description"])
    if user.get("disableDefaultEndpoint") is not None:
        props["DisableExecuteApiEndpoint"] = bool(user["disableDefaultEndpoint"])
    tags = build.provider.get("tags")
    if tags:
        props["Tags"] = {str(k): str(v) for k, v in tags.items()}
    if user.get("cors"):
        props["CorsConfiguration"] = _cors(user["cors"], routes)
    build.add("HttpApi", {"Type": "AWS::ApiGatewayV2::Api", "Properties": props})
    stage: dict[str, Any] = {"ApiId": {"Ref": "HttpApi"}, "StageName": "$default",
                             "AutoDeploy": True, "DefaultRouteSettings": {
                                 "DetailedMetricsEnabled": bool(user.get("metrics"))}}  # fmt: skip
    if tags:
        stage["Tags"] = {str(k): str(v) for k, v in tags.items()}
    build.add("HttpApiStage", {"Type": "AWS::ApiGatewayV2::Stage", "Properties": stage})
    build.outputs["HttpApiId"] = {"Description": "Id of the HTTP API",
                                  "Value": {"Ref": "HttpApi"}}  # fmt: skip
    build.outputs["HttpApiUrl"] = {"Description": "URL of the HTTP API", "Value": {"Fn::Join": [
        "", ["https://", {"Ref": "HttpApi"}, ".execute-api.", {"Ref": "AWS::Region"}, ".",
             {"Ref": "AWS::URLSuffix"}]]}}  # fmt: skip


def _authorizers(build: Build, user: dict[str, Any], api: Any) -> dict[str, dict[str, Any]]:
    configured = user.get("authorizers") or {}
    if configured and user.get("id"):
        raise ServerlessError("Cannot setup authorizers for externally configured HTTP API")
    out: dict[str, dict[str, Any]] = {}
    for key, spec in configured.items():
        name = str(spec.get("name") or key)
        props: dict[str, Any] = {
            "ApiId": api,
            "Name": name,
            "IdentitySource": as_list(spec.get("identitySource")),
        }
        if spec.get("type") == "request":
            function, arn = spec.get("functionName"), spec.get("functionArn")
            if bool(function) == bool(arn):
                which = "(not both) " if function else ""
                raise ServerlessError(
                    f'Either "functionArn" or "functionName" {which}property '
                    f'needs to be set on authorizer "{key}"'
                )
            if function and function not in build.functions:
                raise ServerlessError(
                    f'Function "{function}" for HTTP API authorizer "{key}" not found in service.'
                )
            target = arn or build.target(str(function))
            props.update({"AuthorizerType": "REQUEST", "AuthorizerUri": invocation_uri(target),
                          "AuthorizerPayloadFormatVersion": str(spec.get("payloadVersion")
                                                                or "2.0")})  # fmt: skip
            if spec.get("enableSimpleResponses") is not None:
                props["EnableSimpleResponses"] = bool(spec["enableSimpleResponses"])
            if spec.get("resultTtlInSeconds") is not None:
                props["AuthorizerResultTtlInSeconds"] = int(spec["resultTtlInSeconds"])
            if not spec.get("managedExternally"):
                build.add(f"{naming.resource_name(name)}LambdaAuthorizerPermissionHttpApi", {
                    "Type": "AWS::Lambda::Permission", "Properties": {
                        "FunctionName": target, "Action": "lambda:InvokeFunction",
                        "Principal": "apigateway.amazonaws.com",
                        "SourceArn": execute_api_arn(api, "/*")}})  # fmt: skip
        else:
            props.update(
                {
                    "AuthorizerType": "JWT",
                    "JwtConfiguration": {
                        "Audience": as_list(spec.get("audience")),
                        "Issuer": spec.get("issuerUrl"),
                    },
                }
            )
        build.add(
            f"HttpApiAuthorizer{naming.resource_name(name)}",
            {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": props},
        )
        out[key] = {"name": name, "type": spec.get("type") or "jwt"}
    return out


def _route_auth(
    build: Build,
    function: str,
    authorizer: Any,
    authorizers: dict[str, dict[str, Any]],
    external: Any,
    scopes: list[str] | None,
) -> dict[str, Any]:
    spec = authorizer if isinstance(authorizer, dict) else {"name": authorizer}
    kind = spec.get("type")
    if kind == "aws_iam":
        if spec.get("name") or spec.get("id") or spec.get("scopes"):
            raise ServerlessError(
                'When configuring authorizer with type: "aws_iam", all other '
                "properties are not supported."
            )
        return {"AuthorizationType": "AWS_IAM"}
    if spec.get("id"):
        if not external:
            raise ServerlessError(
                f"Event references external authorizer '{spec['id']}', but "
                "httpApi is part of the current stack."
            )
        auth: dict[str, Any] = {
            "AuthorizationType": "CUSTOM" if kind == "request" else "JWT",
            "AuthorizerId": spec["id"],
        }
    else:
        name = spec.get("name")
        if not name:
            raise ServerlessError(
                f'When configuring an authorizer with type: "{kind or "jwt"}", '
                'property "id" or "name" has to be specified.'
            )
        if name not in authorizers:
            raise ServerlessError(f"Event references not configured authorizer '{name}'")
        found = authorizers[name]
        auth = {
            "AuthorizationType": "CUSTOM" if found["type"] == "request" else "JWT",
            "AuthorizerId": {"Ref": f"HttpApiAuthorizer{naming.resource_name(found['name'])}"},
        }
    if scopes:
        auth["AuthorizationScopes"] = scopes
    return auth
