"""APIs: CreateApi (with quick create), GetApi, GetApis, UpdateApi, DeleteApi,
DeleteCorsConfiguration, and tags (TagResource, UntagResource, GetTags) of APIs and
stages. Mixed into the provider. Must not: see HTTP objects.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigatewayv2 import models
from tenku.services.apigatewayv2.base import INTEGRATION, ROUTE, STAGE, Base
from tenku.services.apigatewayv2.errors import api_not_found, bad_request
from tenku.services.apigatewayv2.routekeys import DEFAULT, parse_http_route_key
from tenku.services.apigatewayv2.store import ApiRow

HTTP_ROUTE_SELECTION = "$request.method $request.path"
API_KEY_SELECTION = "$request.header.x-api-key"


class Apis(Base):
    def create_api(
        self,
        ctx: RequestContext,
        name: str,
        protocol_type: str,
        api_key_selection_expression: str | None = None,
        cors_configuration: dict[str, Any] | None = None,
        credentials_arn: str | None = None,
        description: str | None = None,
        disable_schema_validation: bool | None = None,
        disable_execute_api_endpoint: bool | None = None,
        ip_address_type: str | None = None,
        route_key: str | None = None,
        route_selection_expression: str | None = None,
        tags: dict[str, str] | None = None,
        target: str | None = None,
        version: str | None = None,
    ) -> dict[str, Any]:
        models.check_enum(protocol_type, (models.HTTP, models.WEBSOCKET), "protocol")
        models.check_enum(ip_address_type, ("ipv4", "dualstack"), "IP address type")
        if not 1 <= len(name) <= 128:
            raise bad_request("Name must be between 1 and 128 characters.")
        if protocol_type == models.WEBSOCKET:
            if not route_selection_expression:
                raise bad_request("RouteSelectionExpression must be specified for WEBSOCKET APIs.")
            if target or route_key:
                raise bad_request("Quick create is supported only for HTTP APIs.")
            if cors_configuration:
                raise bad_request("CORS configuration is supported only for HTTP APIs.")
        elif route_selection_expression not in (None, HTTP_ROUTE_SELECTION):
            raise bad_request(
                f"Only {HTTP_ROUTE_SELECTION} is supported as RouteSelectionExpression"
                " for HTTP APIs."
            )
        if route_key is not None and not target:
            raise bad_request("RouteKey can only be specified with Target (quick create).")
        doc: dict[str, Any] = {
            "ApiId": models.new_id(10),
            "Name": name,
            "ProtocolType": protocol_type,
            "ApiKeySelectionExpression": api_key_selection_expression or API_KEY_SELECTION,
            "RouteSelectionExpression": route_selection_expression or HTTP_ROUTE_SELECTION,
            "CreatedDate": self.clock.now(),
            "Description": description,
            "DisableSchemaValidation": disable_schema_validation,
            "DisableExecuteApiEndpoint": bool(disable_execute_api_endpoint),
            "IpAddressType": ip_address_type or "ipv4",
            "Tags": dict(tags or {}),
            "Version": version,
        }
        if cors_configuration is not None:
            doc["CorsConfiguration"] = models.check_cors(cors_configuration)
        doc = {k: v for k, v in doc.items() if v is not None}
        with self.store.transaction():
            self.store.create_api(ctx.scope, doc["ApiId"], doc)
            if target:
                self._quick_create(doc["ApiId"], target, route_key or DEFAULT, credentials_arn)
        return self._api_answer(ApiRow(doc["ApiId"], ctx.scope, doc))

    def _quick_integration(self, target: str, credentials_arn: str | None) -> dict[str, Any]:
        if models.lambda_function_arn(target) is not None:
            doc: dict[str, Any] = {
                "IntegrationType": "AWS_PROXY",
                "IntegrationMethod": "POST",
                "PayloadFormatVersion": "2.0",
            }
        elif target.startswith(("http://", "https://")):
            doc = {"IntegrationType": "HTTP_PROXY", "IntegrationMethod": "ANY"}
        else:
            raise bad_request(
                f"Invalid target specified: {target}. Quick create needs a Lambda function ARN"
                " or an HTTP URL."
            )
        doc.update(IntegrationUri=target, ApiGatewayManaged=True)
        if credentials_arn:
            doc["CredentialsArn"] = credentials_arn
        return models.check_integration(models.HTTP, doc)

    def _quick_create(
        self, api_id: str, target: str, route_key: str, credentials_arn: str | None
    ) -> None:
        """What API Gateway makes for CreateApi with a Target: an integration, a route to
        it and a `$default` stage that deploys automatically (all API Gateway managed)."""
        parse_http_route_key(route_key)
        integration = self._quick_integration(target, credentials_arn)
        integration["IntegrationId"] = models.new_id(7)
        self.store.put_child(api_id, INTEGRATION, integration["IntegrationId"], integration)
        route: dict[str, Any] = {
            "RouteId": models.new_id(7),
            "RouteKey": route_key,
            "Target": f"integrations/{integration['IntegrationId']}",
            "AuthorizationType": "NONE",
            "ApiKeyRequired": False,
            "ApiGatewayManaged": True,
        }
        self.store.put_child(api_id, ROUTE, route["RouteId"], route)
        now = self.clock.now()
        stage = {
            "StageName": DEFAULT,
            "AutoDeploy": True,
            "ApiGatewayManaged": True,
            "CreatedDate": now,
            "LastUpdatedDate": now,
            "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
            "RouteSettings": {},
            "StageVariables": {},
            "Tags": {},
        }
        self.store.put_child(api_id, STAGE, DEFAULT, stage)
        self._auto_deploy(api_id)

    def get_api(self, ctx: RequestContext, api_id: str) -> dict[str, Any]:
        return self._api_answer(self._api(ctx, api_id))

    def get_apis(
        self, ctx: RequestContext, max_results: str | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        after, size = models.page_request(max_results, next_token)
        rows = self.store.apis_page(ctx.scope, after, size + 1)
        items, token = models.page_answer(rows, size)
        answers = [self._api_answer(ApiRow(d["ApiId"], ctx.scope, d)) for d in items]
        return {"Items": answers, "NextToken": token}

    def update_api(
        self,
        ctx: RequestContext,
        api_id: str,
        api_key_selection_expression: str | None = None,
        cors_configuration: dict[str, Any] | None = None,
        credentials_arn: str | None = None,
        description: str | None = None,
        disable_schema_validation: bool | None = None,
        disable_execute_api_endpoint: bool | None = None,
        ip_address_type: str | None = None,
        name: str | None = None,
        route_key: str | None = None,
        route_selection_expression: str | None = None,
        target: str | None = None,
        version: str | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        doc = row.doc
        models.check_enum(ip_address_type, ("ipv4", "dualstack"), "IP address type")
        if name is not None and not 1 <= len(name) <= 128:
            raise bad_request("Name must be between 1 and 128 characters.")
        http = doc["ProtocolType"] == models.HTTP
        if http and route_selection_expression not in (None, HTTP_ROUTE_SELECTION):
            raise bad_request(
                f"Only {HTTP_ROUTE_SELECTION} is supported as RouteSelectionExpression"
                " for HTTP APIs."
            )
        if cors_configuration is not None:
            if not http:
                raise bad_request("CORS configuration is supported only for HTTP APIs.")
            doc["CorsConfiguration"] = models.check_cors(cors_configuration)
        changes = {
            "ApiKeySelectionExpression": api_key_selection_expression,
            "Description": description,
            "DisableSchemaValidation": disable_schema_validation,
            "DisableExecuteApiEndpoint": disable_execute_api_endpoint,
            "IpAddressType": ip_address_type,
            "Name": name,
            "RouteSelectionExpression": route_selection_expression,
            "Version": version,
        }
        doc.update({k: v for k, v in changes.items() if v is not None})
        with self.store.transaction():
            if target or route_key or credentials_arn:
                self._update_quick_create(api_id, target, route_key, credentials_arn)
            self.store.save_api(api_id, doc)
            self._changed(api_id)
        return self._api_answer(row)

    def _update_quick_create(
        self, api_id: str, target: str | None, route_key: str | None, credentials_arn: str | None
    ) -> None:
        managed = [r for r in self.store.children(api_id, ROUTE) if r.get("ApiGatewayManaged")]
        if not managed:
            raise bad_request(
                "Target, RouteKey and CredentialsArn can be updated only for APIs made by"
                " quick create."
            )
        route = managed[0]
        if route_key:
            parse_http_route_key(route_key)
            route["RouteKey"] = route_key
            self.store.put_child(api_id, ROUTE, route["RouteId"], route)
        integration_id = str(route.get("Target", "")).removeprefix("integrations/")
        integration = self.store.child(api_id, INTEGRATION, integration_id)
        if integration is not None and (target or credentials_arn):
            fresh = self._quick_integration(
                target or integration["IntegrationUri"],
                credentials_arn or integration.get("CredentialsArn"),
            )
            fresh["IntegrationId"] = integration_id
            self.store.put_child(api_id, INTEGRATION, integration_id, fresh)

    def delete_api(self, ctx: RequestContext, api_id: str) -> dict[str, Any]:
        self._api(ctx, api_id)
        self.store.delete_api(api_id)
        return {}

    def delete_cors_configuration(self, ctx: RequestContext, api_id: str) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        row.doc.pop("CorsConfiguration", None)
        with self.store.transaction():
            self.store.save_api(api_id, row.doc)
            self._changed(api_id)
        return {}

    # -- tags ----------------------------------------------------------------------------
    def _tagged(
        self, ctx: RequestContext, resource_arn: str
    ) -> tuple[str, str | None, dict[str, Any]]:
        """(api id, stage name or None, the document holding the tags)."""
        parsed = models.parse_resource_arn(resource_arn)
        if parsed is None:
            raise bad_request(f"Invalid resource ARN specified: {resource_arn}")
        region, api_id, stage = parsed
        row = self.store.api(api_id)
        if row is None or row.scope != ctx.scope or region != ctx.scope.region:
            raise api_not_found(ctx.scope.account, api_id)
        if stage is None:
            return api_id, None, row.doc
        return api_id, stage, self._child(api_id, STAGE, stage)

    def _save_tagged(self, api_id: str, stage: str | None, doc: dict[str, Any]) -> None:
        if stage is None:
            self.store.save_api(api_id, doc)
        else:
            self.store.put_child(api_id, STAGE, stage, doc)

    def tag_resource(
        self, ctx: RequestContext, resource_arn: str, tags: dict[str, str] | None = None
    ) -> dict[str, Any]:
        api_id, stage, doc = self._tagged(ctx, resource_arn)
        merged = {**doc.get("Tags", {}), **(tags or {})}
        if len(merged) > 50:
            raise bad_request("A resource can have at most 50 tags.")
        doc["Tags"] = merged
        self._save_tagged(api_id, stage, doc)
        return {}

    def untag_resource(
        self, ctx: RequestContext, resource_arn: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        api_id, stage, doc = self._tagged(ctx, resource_arn)
        doc["Tags"] = {k: v for k, v in doc.get("Tags", {}).items() if k not in set(tag_keys)}
        self._save_tagged(api_id, stage, doc)
        return {}

    def get_tags(self, ctx: RequestContext, resource_arn: str) -> dict[str, Any]:
        _, _, doc = self._tagged(ctx, resource_arn)
        return {"Tags": dict(doc.get("Tags", {}))}
