"""Integrations (CreateIntegration, GetIntegration, GetIntegrations, UpdateIntegration,
DeleteIntegration) and, minimally, their integration responses. Mixed into the
provider. Must not: see HTTP objects.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigatewayv2 import models
from tenku.services.apigatewayv2.base import INTEGRATION, INTRESP, ROUTE, Base
from tenku.services.apigatewayv2.errors import bad_request, child_not_found, conflict


class Integrations(Base):
    def create_integration(
        self,
        ctx: RequestContext,
        api_id: str,
        integration_type: str,
        connection_id: str | None = None,
        connection_type: str | None = None,
        content_handling_strategy: str | None = None,
        credentials_arn: str | None = None,
        description: str | None = None,
        integration_method: str | None = None,
        integration_subtype: str | None = None,
        integration_uri: str | None = None,
        passthrough_behavior: str | None = None,
        payload_format_version: str | None = None,
        request_parameters: dict[str, str] | None = None,
        request_templates: dict[str, str] | None = None,
        response_parameters: dict[str, dict[str, str]] | None = None,
        template_selection_expression: str | None = None,
        timeout_in_millis: int | None = None,
        tls_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        doc: dict[str, Any] = {
            "IntegrationId": models.new_id(7),
            "IntegrationType": integration_type,
            "ConnectionId": connection_id,
            "ConnectionType": connection_type,
            "ContentHandlingStrategy": content_handling_strategy,
            "CredentialsArn": credentials_arn,
            "Description": description,
            "IntegrationMethod": integration_method,
            "IntegrationSubtype": integration_subtype,
            "IntegrationUri": integration_uri,
            "PassthroughBehavior": passthrough_behavior,
            "PayloadFormatVersion": payload_format_version,
            "RequestParameters": request_parameters,
            "RequestTemplates": request_templates,
            "ResponseParameters": response_parameters,
            "TemplateSelectionExpression": template_selection_expression,
            "TimeoutInMillis": timeout_in_millis,
            "TlsConfig": tls_config,
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        protocol = row.doc["ProtocolType"]
        doc = models.check_integration(protocol, doc)
        if protocol == models.WEBSOCKET:
            doc.setdefault(
                "IntegrationResponseSelectionExpression", "${integration.response.statuscode}"
            )
        with self.store.transaction():
            self.store.put_child(api_id, INTEGRATION, doc["IntegrationId"], doc)
            self._changed(api_id)
        return models.public(doc)

    def get_integration(
        self, ctx: RequestContext, api_id: str, integration_id: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        return models.public(self._child(api_id, INTEGRATION, integration_id))

    def get_integrations(
        self,
        ctx: RequestContext,
        api_id: str,
        max_results: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        return self._page(api_id, INTEGRATION, max_results, next_token)

    def update_integration(
        self,
        ctx: RequestContext,
        api_id: str,
        integration_id: str,
        connection_id: str | None = None,
        connection_type: str | None = None,
        content_handling_strategy: str | None = None,
        credentials_arn: str | None = None,
        description: str | None = None,
        integration_method: str | None = None,
        integration_subtype: str | None = None,
        integration_type: str | None = None,
        integration_uri: str | None = None,
        passthrough_behavior: str | None = None,
        payload_format_version: str | None = None,
        request_parameters: dict[str, str] | None = None,
        request_templates: dict[str, str] | None = None,
        response_parameters: dict[str, dict[str, str]] | None = None,
        template_selection_expression: str | None = None,
        timeout_in_millis: int | None = None,
        tls_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        doc = self._child(api_id, INTEGRATION, integration_id)
        changes = {
            "ConnectionId": connection_id,
            "ConnectionType": connection_type,
            "ContentHandlingStrategy": content_handling_strategy,
            "CredentialsArn": credentials_arn,
            "Description": description,
            "IntegrationMethod": integration_method,
            "IntegrationSubtype": integration_subtype,
            "IntegrationType": integration_type,
            "IntegrationUri": integration_uri,
            "PassthroughBehavior": passthrough_behavior,
            "PayloadFormatVersion": payload_format_version,
            "RequestParameters": request_parameters,
            "RequestTemplates": request_templates,
            "ResponseParameters": response_parameters,
            "TemplateSelectionExpression": template_selection_expression,
            "TimeoutInMillis": timeout_in_millis,
            "TlsConfig": tls_config,
        }
        doc.update({k: v for k, v in changes.items() if v is not None})
        doc = models.check_integration(row.doc["ProtocolType"], doc)
        with self.store.transaction():
            self.store.put_child(api_id, INTEGRATION, integration_id, doc)
            self._changed(api_id)
        return models.public(doc)

    def delete_integration(
        self, ctx: RequestContext, api_id: str, integration_id: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        self._child(api_id, INTEGRATION, integration_id)
        target = f"integrations/{integration_id}"
        users = [
            r["RouteId"] for r in self.store.children(api_id, ROUTE) if r.get("Target") == target
        ]
        if users:
            raise conflict(
                f"Unable to delete integration {integration_id} because routes target it:"
                f" {', '.join(users)}"
            )
        with self.store.transaction():
            self.store.delete_child(api_id, INTEGRATION, integration_id)
            for response in self.store.children(api_id, INTRESP):
                if response["_IntegrationId"] == integration_id:
                    self.store.delete_child(api_id, INTRESP, response["IntegrationResponseId"])
            self._changed(api_id)
        return {}

    # -- integration responses (stored; used by WebSocket APIs, which are not served) ----
    def _response(self, api_id: str, integration_id: str, response_id: str) -> dict[str, Any]:
        self._child(api_id, INTEGRATION, integration_id)
        doc = self._child(api_id, INTRESP, response_id)
        if doc["_IntegrationId"] != integration_id:
            raise child_not_found("IntegrationResponse", response_id)
        return doc

    def create_integration_response(
        self,
        ctx: RequestContext,
        api_id: str,
        integration_id: str,
        integration_response_key: str,
        content_handling_strategy: str | None = None,
        response_parameters: dict[str, str] | None = None,
        response_templates: dict[str, str] | None = None,
        template_selection_expression: str | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        self._child(api_id, INTEGRATION, integration_id)
        if not integration_response_key:
            raise bad_request("IntegrationResponseKey must be specified.")
        doc: dict[str, Any] = {
            "IntegrationResponseId": models.new_id(6),
            "IntegrationResponseKey": integration_response_key,
            "ContentHandlingStrategy": content_handling_strategy,
            "ResponseParameters": response_parameters,
            "ResponseTemplates": response_templates,
            "TemplateSelectionExpression": template_selection_expression,
            "_IntegrationId": integration_id,
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        self.store.put_child(api_id, INTRESP, doc["IntegrationResponseId"], doc)
        return models.public(doc)

    def get_integration_response(
        self, ctx: RequestContext, api_id: str, integration_id: str, integration_response_id: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        return models.public(self._response(api_id, integration_id, integration_response_id))

    def get_integration_responses(
        self,
        ctx: RequestContext,
        api_id: str,
        integration_id: str,
        max_results: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        self._child(api_id, INTEGRATION, integration_id)
        items = [
            models.public(d)
            for d in self.store.children(api_id, INTRESP)
            if d["_IntegrationId"] == integration_id
        ]
        return {"Items": items}

    def update_integration_response(
        self,
        ctx: RequestContext,
        api_id: str,
        integration_id: str,
        integration_response_id: str,
        content_handling_strategy: str | None = None,
        integration_response_key: str | None = None,
        response_parameters: dict[str, str] | None = None,
        response_templates: dict[str, str] | None = None,
        template_selection_expression: str | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        doc = self._response(api_id, integration_id, integration_response_id)
        changes = {
            "ContentHandlingStrategy": content_handling_strategy,
            "IntegrationResponseKey": integration_response_key,
            "ResponseParameters": response_parameters,
            "ResponseTemplates": response_templates,
            "TemplateSelectionExpression": template_selection_expression,
        }
        doc.update({k: v for k, v in changes.items() if v is not None})
        self.store.put_child(api_id, INTRESP, integration_response_id, doc)
        return models.public(doc)

    def delete_integration_response(
        self, ctx: RequestContext, api_id: str, integration_id: str, integration_response_id: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        self._response(api_id, integration_id, integration_response_id)
        self.store.delete_child(api_id, INTRESP, integration_response_id)
        return {}
