"""Integrations of a method and their responses: Put/Get/Update/DeleteIntegration and
Put/Get/Update/DeleteIntegrationResponse.

PutIntegration validates as AWS does (an `integrationHttpMethod` for AWS and HTTP types,
AWS_PROXY only to Lambda invocation URIs, timeouts of 50 to 29,000 ms) and replaces any
earlier integration whole. Mixed into the provider.
Must not: touch deployments (changes are served only once deployed).
"""

from __future__ import annotations

import copy
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigateway import models
from tenku.services.apigateway.base import Base
from tenku.services.apigateway.errors import integration_not_found, response_not_found
from tenku.services.apigateway.patch import MAP, SET, apply_patch, rule
from tenku.services.apigateway.store import Doc

INTEGRATION_RULES = (
    rule("/httpMethod"),
    rule("/uri"),
    rule("/credentials"),
    rule("/connectionType"),
    rule("/connectionId"),
    rule("/passthroughBehavior"),
    rule("/contentHandling"),
    rule("/timeoutInMillis", kind="integer"),
    rule("/cacheNamespace"),
    rule("/tlsConfig/insecureSkipVerification", kind="boolean"),
    rule("/requestParameters/*", "add remove replace", container=MAP),
    rule("/requestTemplates/*", "add remove replace", container=MAP),
    rule("/cacheKeyParameters/*", "add remove", container=SET),
)
INTEGRATION_RESPONSE_RULES = (
    rule("/selectionPattern"),
    rule("/contentHandling"),
    rule("/responseParameters/*", "add remove replace", container=MAP),
    rule("/responseTemplates/*", "add remove replace", container=MAP),
)


class Integrations(Base):
    def _integration(self, method: Doc) -> Doc:
        integration = method.get("methodIntegration")
        if integration is None:
            raise integration_not_found()
        found: Doc = integration
        return found

    def put_integration(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        type: str,
        integration_http_method: str | None = None,
        uri: str | None = None,
        connection_type: str | None = None,
        connection_id: str | None = None,
        credentials: str | None = None,
        request_parameters: dict[str, str] | None = None,
        request_templates: dict[str, str] | None = None,
        passthrough_behavior: str | None = None,
        cache_namespace: str | None = None,
        cache_key_parameters: list[str] | None = None,
        content_handling: str | None = None,
        timeout_in_millis: int | None = None,
        tls_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        integration: Doc = {
            "type": type,
            "passthroughBehavior": passthrough_behavior or "WHEN_NO_MATCH",
            "timeoutInMillis": 29_000 if timeout_in_millis is None else timeout_in_millis,
            "cacheNamespace": cache_namespace or resource_id,
            "cacheKeyParameters": list(cache_key_parameters or ()),
        }
        if type != "MOCK":
            integration["connectionType"] = connection_type or "INTERNET"
        optional = {
            "httpMethod": integration_http_method,
            "uri": uri,
            "connectionId": connection_id,
            "credentials": credentials,
            "requestParameters": request_parameters,
            "requestTemplates": request_templates,
            "contentHandling": content_handling,
            "tlsConfig": tls_config,
        }
        integration.update({k: copy.deepcopy(v) for k, v in optional.items() if v is not None})
        models.check_integration(integration)
        method["methodIntegration"] = integration
        self._save(rest_api_id, doc)
        return copy.deepcopy(integration)

    def get_integration(
        self, ctx: RequestContext, rest_api_id: str, resource_id: str, http_method: str
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        return copy.deepcopy(self._integration(method))

    def update_integration(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        integration = apply_patch(self._integration(method), patch_operations, INTEGRATION_RULES)
        models.check_integration(integration)
        method["methodIntegration"] = integration
        self._save(rest_api_id, doc)
        return copy.deepcopy(integration)

    def delete_integration(
        self, ctx: RequestContext, rest_api_id: str, resource_id: str, http_method: str
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        self._integration(method)
        del method["methodIntegration"]
        self._save(rest_api_id, doc)
        return {}

    # -- integration responses -------------------------------------------------------------
    def _integration_response(self, integration: Doc, status_code: str) -> Doc:
        response = integration.get("integrationResponses", {}).get(status_code)
        if response is None:
            raise response_not_found()
        found: Doc = response
        return found

    def put_integration_response(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        status_code: str,
        selection_pattern: str | None = None,
        response_parameters: dict[str, str] | None = None,
        response_templates: dict[str, str] | None = None,
        content_handling: str | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        integration = self._integration(method)
        models.check_enum(content_handling, models.CONTENT_HANDLINGS, "content handling")
        response: Doc = {"statusCode": status_code}
        optional = {
            "selectionPattern": selection_pattern,
            "responseParameters": response_parameters,
            "responseTemplates": response_templates,
            "contentHandling": content_handling,
        }
        response.update({k: copy.deepcopy(v) for k, v in optional.items() if v is not None})
        integration.setdefault("integrationResponses", {})[status_code] = response
        self._save(rest_api_id, doc)
        return copy.deepcopy(response)

    def get_integration_response(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        status_code: str,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        integration = self._integration(method)
        return copy.deepcopy(self._integration_response(integration, status_code))

    def update_integration_response(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        status_code: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        integration = self._integration(method)
        response = apply_patch(
            self._integration_response(integration, status_code),
            patch_operations,
            INTEGRATION_RESPONSE_RULES,
        )
        models.check_enum(
            response.get("contentHandling"), models.CONTENT_HANDLINGS, "content handling"
        )
        integration["integrationResponses"][status_code] = response
        self._save(rest_api_id, doc)
        return copy.deepcopy(response)

    def delete_integration_response(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        status_code: str,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        integration = self._integration(method)
        self._integration_response(integration, status_code)
        del integration["integrationResponses"][status_code]
        if not integration["integrationResponses"]:
            del integration["integrationResponses"]
        self._save(rest_api_id, doc)
        return {}
