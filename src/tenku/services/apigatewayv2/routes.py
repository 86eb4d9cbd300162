"""Routes: CreateRoute, GetRoute, GetRoutes, UpdateRoute, DeleteRoute and
DeleteRouteRequestParameter, with route-key validation, duplicate and conflicting keys,
targets and authorization checks. Mixed into the provider. Must not: see HTTP objects.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigatewayv2 import models
from tenku.services.apigatewayv2.base import AUTHORIZER, INTEGRATION, ROUTE, Base
from tenku.services.apigatewayv2.errors import bad_request, conflict
from tenku.services.apigatewayv2.routekeys import conflicting_variable, parse_http_route_key

AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "JWT")
_WANTS = {
    "JWT": ("JWT", "JWT requires a valid JWT authorizer"),
    "CUSTOM": ("REQUEST", "CUSTOM or COGNITO_USER_POOLS requires a valid authorizer"),
}


class Routes(Base):
    def _check_route(self, api_id: str, protocol: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Validate a complete route document against the API's other routes, its
        integrations and its authorizers; fill AWS's defaults."""
        doc = {k: v for k, v in doc.items() if v is not None}
        key_text = doc["RouteKey"]
        others = [r for r in self.store.children(api_id, ROUTE) if r["RouteId"] != doc["RouteId"]]
        if any(r["RouteKey"] == key_text for r in others):
            raise conflict(f"Route with key {key_text} already exists for this API")
        if protocol == models.HTTP:
            key = parse_http_route_key(key_text)
            clash = conflicting_variable(key, [parse_http_route_key(r["RouteKey"]) for r in others])
            if clash is not None:
                raise conflict(
                    f'The provided route key "{key_text}" has a conflicting variable on the same'
                    f' hierarchical level as "{clash.text}"'
                )
            if doc.get("ApiKeyRequired"):
                raise bad_request("API keys are supported only for WebSocket APIs.")
        elif not key_text:
            raise bad_request("Route key is required")
        doc.setdefault("ApiKeyRequired", False)
        kind = doc.setdefault("AuthorizationType", "NONE")
        models.check_enum(kind, AUTHORIZATION_TYPES, "authorization type")
        authorizer_id = doc.get("AuthorizerId")
        if kind in _WANTS:
            wanted, why = _WANTS[kind]
            found = self.store.child(api_id, AUTHORIZER, authorizer_id) if authorizer_id else None
            if found is None or found["AuthorizerType"] != wanted:
                raise bad_request(
                    f"Invalid authorizer ID specified. Setting the authorization type to {why}."
                )
        elif authorizer_id:
            raise bad_request(
                f"An authorizer can't be attached to a route with authorization type {kind}."
            )
        target = doc.get("Target")
        if target:
            integration_id = target.removeprefix("integrations/")
            if (
                integration_id == target
                or self.store.child(api_id, INTEGRATION, integration_id) is None
            ):
                raise bad_request(
                    f"Invalid target specified: {target}. Targets must be"
                    " integrations/<integration id> of an integration of this API."
                )
        return doc

    def create_route(
        self,
        ctx: RequestContext,
        api_id: str,
        route_key: str,
        api_key_required: bool | None = None,
        authorization_scopes: list[str] | None = None,
        authorization_type: str | None = None,
        authorizer_id: str | None = None,
        model_selection_expression: str | None = None,
        operation_name: str | None = None,
        request_models: dict[str, str] | None = None,
        request_parameters: dict[str, Any] | None = None,
        route_response_selection_expression: str | None = None,
        target: str | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        doc: dict[str, Any] = {
            "RouteId": models.new_id(7),
            "RouteKey": route_key,
            "ApiKeyRequired": api_key_required,
            "AuthorizationScopes": authorization_scopes,
            "AuthorizationType": authorization_type,
            "AuthorizerId": authorizer_id,
            "ModelSelectionExpression": model_selection_expression,
            "OperationName": operation_name,
            "RequestModels": request_models,
            "RequestParameters": request_parameters,
            "RouteResponseSelectionExpression": route_response_selection_expression,
            "Target": target,
        }
        doc = self._check_route(api_id, row.doc["ProtocolType"], doc)
        with self.store.transaction():
            self.store.put_child(api_id, ROUTE, doc["RouteId"], doc)
            self._changed(api_id)
        return models.public(doc)

    def get_route(self, ctx: RequestContext, api_id: str, route_id: str) -> dict[str, Any]:
        self._api(ctx, api_id)
        return models.public(self._child(api_id, ROUTE, route_id))

    def get_routes(
        self,
        ctx: RequestContext,
        api_id: str,
        max_results: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        return self._page(api_id, ROUTE, max_results, next_token)

    def update_route(
        self,
        ctx: RequestContext,
        api_id: str,
        route_id: str,
        api_key_required: bool | None = None,
        authorization_scopes: list[str] | None = None,
        authorization_type: str | None = None,
        authorizer_id: str | None = None,
        model_selection_expression: str | None = None,
        operation_name: str | None = None,
        request_models: dict[str, str] | None = None,
        request_parameters: dict[str, Any] | None = None,
        route_key: str | None = None,
        route_response_selection_expression: str | None = None,
        target: str | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        doc = self._child(api_id, ROUTE, route_id)
        if (
            authorizer_id
            and authorization_type is None
            and doc.get("AuthorizationType")
            in (
                None,
                "NONE",
                "AWS_IAM",
            )
        ):
            raise bad_request("Unable to update route. Authorizer type is invalid or null.")
        if authorization_type in ("NONE", "AWS_IAM"):
            doc.pop("AuthorizerId", None)  # switching away from an authorizer detaches it
            doc.pop("AuthorizationScopes", None)
        changes = {
            "ApiKeyRequired": api_key_required,
            "AuthorizationScopes": authorization_scopes,
            "AuthorizationType": authorization_type,
            "AuthorizerId": authorizer_id,
            "ModelSelectionExpression": model_selection_expression,
            "OperationName": operation_name,
            "RequestModels": request_models,
            "RequestParameters": request_parameters,
            "RouteKey": route_key,
            "RouteResponseSelectionExpression": route_response_selection_expression,
            "Target": target,
        }
        doc.update({k: v for k, v in changes.items() if v is not None})
        if target == "":
            doc.pop("Target", None)  # an empty target detaches the integration
        doc = self._check_route(api_id, row.doc["ProtocolType"], doc)
        with self.store.transaction():
            self.store.put_child(api_id, ROUTE, route_id, doc)
            self._changed(api_id)
        return models.public(doc)

    def delete_route(self, ctx: RequestContext, api_id: str, route_id: str) -> dict[str, Any]:
        self._api(ctx, api_id)
        self._child(api_id, ROUTE, route_id)
        with self.store.transaction():
            self.store.delete_child(api_id, ROUTE, route_id)
            self._changed(api_id)
        return {}

    def delete_route_request_parameter(
        self, ctx: RequestContext, api_id: str, route_id: str, request_parameter_key: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        doc = self._child(api_id, ROUTE, route_id)
        parameters = doc.get("RequestParameters") or {}
        if request_parameter_key not in parameters:
            raise bad_request(f"Invalid request parameter key specified: {request_parameter_key}")
        del parameters[request_parameter_key]
        with self.store.transaction():
            self.store.put_child(api_id, ROUTE, route_id, doc)
            self._changed(api_id)
        return {}
