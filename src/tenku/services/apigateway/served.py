"""The read side for the data plane: what one stage of a REST API serves, immutable.

`ServedRestApi` is built from the stage's deployment snapshot (never from the working
copy: a change is served only once deployed) plus the stage's own settings. The cache
holds one per (api id, stage name), built on first use and dropped whenever a
deployment or stage of that API changes; every rebuilt value has a new `generation`,
so callers may key their own caches (compiled routes, templates) on it.
Must not: serve requests, or be changed in place (mappings are read-only views).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from tenku.core.scope import Scope
from tenku.services.apigateway.models import lambda_function_arn

if TYPE_CHECKING:
    from tenku.services.apigateway.store import ApiGatewayStore

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_CACHE_LIMIT = 4096


def _frozen(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value)) if value else _EMPTY


class ServedIntegrationResponse(NamedTuple):
    status_code: str
    selection_pattern: str | None  # None or "" = the default response
    response_parameters: Mapping[str, str]
    response_templates: Mapping[str, str]
    content_handling: str | None


class ServedIntegration(NamedTuple):
    type: str  # AWS_PROXY, AWS, HTTP, HTTP_PROXY or MOCK
    http_method: str | None  # the method used to call the backend
    uri: str | None
    function_arn: str | None  # for Lambda invocation URIs: the function (or alias) ARN
    credentials: str | None
    request_parameters: Mapping[str, str]
    request_templates: Mapping[str, str]
    passthrough_behavior: str | None
    content_handling: str | None
    timeout_ms: int
    cache_key_parameters: tuple[str, ...]
    responses: Mapping[str, ServedIntegrationResponse]  # by status code

    @property
    def default_response(self) -> ServedIntegrationResponse | None:
        """The response whose selection pattern is empty (used when no other matches)."""
        for response in self.responses.values():
            if not response.selection_pattern:
                return response
        return None


class ServedAuthorizer(NamedTuple):
    id: str
    name: str
    type: str  # TOKEN, REQUEST or COGNITO_USER_POOLS
    uri: str | None
    function_arn: str | None
    credentials: str | None
    identity_source: str | None  # e.g. "method.request.header.Authorization"
    identity_validation_expression: str | None
    result_ttl_seconds: int
    provider_arns: tuple[str, ...]


class ServedMethodResponse(NamedTuple):
    status_code: str
    response_parameters: Mapping[str, bool]
    response_models: Mapping[str, str]


class ServedMethod(NamedTuple):
    http_method: str  # as put, "ANY" included
    authorization_type: str  # NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS
    authorizer: ServedAuthorizer | None
    api_key_required: bool
    authorization_scopes: tuple[str, ...]
    request_parameters: Mapping[str, bool]
    request_models: Mapping[str, str]
    operation_name: str | None
    integration: ServedIntegration | None
    method_responses: Mapping[str, ServedMethodResponse]


class ServedResource(NamedTuple):
    id: str
    parent_id: str | None
    path: str  # full path template, e.g. "/pets/{petId}" or "/{proxy+}"
    path_part: str | None  # None for the root "/"
    methods: Mapping[str, ServedMethod]

    def method_for(self, http_method: str) -> ServedMethod | None:
        """The method serving `http_method`: its own, else ANY."""
        return self.methods.get(http_method.upper()) or self.methods.get("ANY")


class ServedAccessLog(NamedTuple):
    format: str | None
    destination_arn: str | None


class ServedRestApi(NamedTuple):
    api_id: str
    scope: Scope
    name: str
    stage_name: str
    deployment_id: str
    generation: int  # new for every rebuilt value (any change of this API's stages/deployments)
    resources: tuple[ServedResource, ...]  # sorted by path
    resources_by_path: Mapping[str, ServedResource]
    authorizers: Mapping[str, ServedAuthorizer]
    binary_media_types: tuple[str, ...]
    minimum_compression_size: int | None
    api_key_source: str  # HEADER or AUTHORIZER
    disable_execute_api_endpoint: bool
    variables: Mapping[str, str]  # stage variables
    access_log: ServedAccessLog | None
    method_settings: Mapping[str, Mapping[str, Any]]  # "*/*" or "pets/GET" -> MethodSetting
    tracing_enabled: bool

    def settings_for(self, resource_path: str, http_method: str) -> Mapping[str, Any]:
        """The stage's method settings for one method: `*/*` overridden by its own entry."""
        merged = dict(self.method_settings.get("*/*", {}))
        merged.update(self.method_settings.get(f"{resource_path.lstrip('/')}/{http_method}", {}))
        return MappingProxyType(merged)


def _integration(doc: Mapping[str, Any]) -> ServedIntegration:
    responses = {
        code: ServedIntegrationResponse(
            code,
            r.get("selectionPattern"),
            _frozen(r.get("responseParameters")),
            _frozen(r.get("responseTemplates")),
            r.get("contentHandling"),
        )
        for code, r in (doc.get("integrationResponses") or {}).items()
    }
    return ServedIntegration(
        doc["type"],
        doc.get("httpMethod"),
        doc.get("uri"),
        lambda_function_arn(doc.get("uri")),
        doc.get("credentials"),
        _frozen(doc.get("requestParameters")),
        _frozen(doc.get("requestTemplates")),
        doc.get("passthroughBehavior"),
        doc.get("contentHandling"),
        int(doc.get("timeoutInMillis", 29_000)),
        tuple(doc.get("cacheKeyParameters") or ()),
        MappingProxyType(responses),
    )


def _authorizer(doc: Mapping[str, Any]) -> ServedAuthorizer:
    return ServedAuthorizer(
        doc["id"],
        doc.get("name", ""),
        doc["type"],
        doc.get("authorizerUri"),
        lambda_function_arn(doc.get("authorizerUri")),
        doc.get("authorizerCredentials"),
        doc.get("identitySource"),
        doc.get("identityValidationExpression"),
        int(doc.get("authorizerResultTtlInSeconds", 300)),
        tuple(doc.get("providerARNs") or ()),
    )


def _method(doc: Mapping[str, Any], authorizers: Mapping[str, ServedAuthorizer]) -> ServedMethod:
    integration = doc.get("methodIntegration")
    return ServedMethod(
        doc["httpMethod"],
        doc.get("authorizationType", "NONE"),
        authorizers.get(doc.get("authorizerId") or ""),
        bool(doc.get("apiKeyRequired")),
        tuple(doc.get("authorizationScopes") or ()),
        _frozen(doc.get("requestParameters")),
        _frozen(doc.get("requestModels")),
        doc.get("operationName"),
        _integration(integration) if integration else None,
        MappingProxyType(
            {
                code: ServedMethodResponse(
                    code, _frozen(r.get("responseParameters")), _frozen(r.get("responseModels"))
                )
                for code, r in (doc.get("methodResponses") or {}).items()
            }
        ),
    )


def build_served(
    api_id: str,
    scope: Scope,
    stage: Mapping[str, Any],
    snapshot: Mapping[str, Any],
    generation: int,
) -> ServedRestApi:
    """The served view of `stage` over its deployment's `snapshot`."""
    api = snapshot.get("api", {})
    authorizers = MappingProxyType(
        {aid: _authorizer(a) for aid, a in (snapshot.get("authorizers") or {}).items()}
    )
    resources = tuple(
        sorted(
            (
                ServedResource(
                    r["id"],
                    r.get("parentId"),
                    r["path"],
                    r.get("pathPart"),
                    MappingProxyType(
                        {
                            m: _method(method, authorizers)
                            for m, method in (r.get("resourceMethods") or {}).items()
                        }
                    ),
                )
                for r in (snapshot.get("resources") or {}).values()
            ),
            key=lambda r: r.path,
        )
    )
    log = stage.get("accessLogSettings")
    return ServedRestApi(
        api_id,
        scope,
        api.get("name", ""),
        stage["stageName"],
        stage["deploymentId"],
        generation,
        resources,
        MappingProxyType({r.path: r for r in resources}),
        authorizers,
        tuple(api.get("binaryMediaTypes") or ()),
        api.get("minimumCompressionSize"),
        api.get("apiKeySource", "HEADER"),
        bool(api.get("disableExecuteApiEndpoint")),
        _frozen(stage.get("variables")),
        ServedAccessLog(log.get("format"), log.get("destinationArn")) if log else None,
        MappingProxyType({k: _frozen(v) for k, v in (stage.get("methodSettings") or {}).items()}),
        bool(stage.get("tracingEnabled")),
    )


class ServedCache:
    """(api id, stage name) -> ServedRestApi or None, rebuilt after invalidation."""

    def __init__(self, store: ApiGatewayStore) -> None:
        self._store = store
        self._entries: dict[tuple[str, str], ServedRestApi | None] = {}
        self._generations = itertools.count(1)

    def get(self, api_id: str, stage_name: str) -> ServedRestApi | None:
        key = (api_id, stage_name)
        try:
            return self._entries[key]
        except KeyError:
            pass
        served = self._build(api_id, stage_name)
        if len(self._entries) >= _CACHE_LIMIT:
            self._entries.clear()  # unknown ids probed in bulk must not grow it forever
        self._entries[key] = served
        return served

    def invalidate(self, api_id: str) -> None:
        for key in [k for k in self._entries if k[0] == api_id]:
            del self._entries[key]

    def _build(self, api_id: str, stage_name: str) -> ServedRestApi | None:
        owned = self._store.api(api_id)
        if owned is None:
            return None
        stage = self._store.stage(api_id, stage_name)
        if stage is None:
            return None
        deployment = self._store.deployment(api_id, stage["deploymentId"])
        if deployment is None:
            return None
        snapshot = deployment.get("_snapshot", {})
        return build_served(api_id, owned.scope, stage, snapshot, next(self._generations))
