"""Authorizers: CreateAuthorizer, GetAuthorizer, GetAuthorizers, UpdateAuthorizer,
DeleteAuthorizer, for JWT and REQUEST (Lambda) authorizers, and ResetAuthorizersCache.
Mixed into the provider. Must not: see HTTP objects.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigatewayv2 import models
from tenku.services.apigatewayv2.base import AUTHORIZER, ROUTE, STAGE, Base
from tenku.services.apigatewayv2.errors import bad_request, conflict, too_many

MAX_AUTHORIZERS = 10  # AWS's quota of authorizers per API


class Authorizers(Base):
    def create_authorizer(
        self,
        ctx: RequestContext,
        api_id: str,
        authorizer_type: str,
        identity_source: list[str],
        name: str,
        authorizer_credentials_arn: str | None = None,
        authorizer_payload_format_version: str | None = None,
        authorizer_result_ttl_in_seconds: int | None = None,
        authorizer_uri: str | None = None,
        enable_simple_responses: bool | None = None,
        identity_validation_expression: str | None = None,
        jwt_configuration: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        if len(self.store.children(api_id, AUTHORIZER)) >= MAX_AUTHORIZERS:
            raise too_many(
                f"The maximum number of authorizers ({MAX_AUTHORIZERS}) for this API is reached.",
                "AuthorizersPerApi",
            )
        doc: dict[str, Any] = {
            "AuthorizerId": models.new_id(6),
            "AuthorizerType": authorizer_type,
            "IdentitySource": identity_source,
            "Name": name,
            "AuthorizerCredentialsArn": authorizer_credentials_arn,
            "AuthorizerPayloadFormatVersion": authorizer_payload_format_version,
            "AuthorizerResultTtlInSeconds": authorizer_result_ttl_in_seconds,
            "AuthorizerUri": authorizer_uri,
            "EnableSimpleResponses": enable_simple_responses,
            "IdentityValidationExpression": identity_validation_expression,
            "JwtConfiguration": jwt_configuration,
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        self._unique_name(api_id, doc)
        doc = models.check_authorizer(row.doc["ProtocolType"], doc)
        with self.store.transaction():
            self.store.put_child(api_id, AUTHORIZER, doc["AuthorizerId"], doc)
            self._changed(api_id)
        return models.public(doc)

    def _unique_name(self, api_id: str, doc: dict[str, Any]) -> None:
        for other in self.store.children(api_id, AUTHORIZER):
            if other["AuthorizerId"] != doc["AuthorizerId"] and other["Name"] == doc["Name"]:
                raise conflict(f"Authorizer with name {doc['Name']} already exists for this API")

    def get_authorizer(
        self, ctx: RequestContext, api_id: str, authorizer_id: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        return models.public(self._child(api_id, AUTHORIZER, authorizer_id))

    def get_authorizers(
        self,
        ctx: RequestContext,
        api_id: str,
        max_results: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        return self._page(api_id, AUTHORIZER, max_results, next_token)

    def update_authorizer(
        self,
        ctx: RequestContext,
        api_id: str,
        authorizer_id: str,
        authorizer_credentials_arn: str | None = None,
        authorizer_payload_format_version: str | None = None,
        authorizer_result_ttl_in_seconds: int | None = None,
        authorizer_type: str | None = None,
        authorizer_uri: str | None = None,
        enable_simple_responses: bool | None = None,
        identity_source: list[str] | None = None,
        identity_validation_expression: str | None = None,
        jwt_configuration: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        doc = self._child(api_id, AUTHORIZER, authorizer_id)
        if authorizer_type is not None and authorizer_type != doc["AuthorizerType"]:
            routes = self._routes_using(api_id, authorizer_id)
            if routes:
                raise bad_request(
                    "Unable to change the type of an authorizer used by routes: "
                    + ", ".join(routes)
                )
        changes = {
            "AuthorizerCredentialsArn": authorizer_credentials_arn,
            "AuthorizerPayloadFormatVersion": authorizer_payload_format_version,
            "AuthorizerResultTtlInSeconds": authorizer_result_ttl_in_seconds,
            "AuthorizerType": authorizer_type,
            "AuthorizerUri": authorizer_uri,
            "EnableSimpleResponses": enable_simple_responses,
            "IdentitySource": identity_source,
            "IdentityValidationExpression": identity_validation_expression,
            "JwtConfiguration": jwt_configuration,
            "Name": name,
        }
        doc.update({k: v for k, v in changes.items() if v is not None})
        self._unique_name(api_id, doc)
        doc = models.check_authorizer(row.doc["ProtocolType"], doc)
        with self.store.transaction():
            self.store.put_child(api_id, AUTHORIZER, authorizer_id, doc)
            self._changed(api_id)
        return models.public(doc)

    def _routes_using(self, api_id: str, authorizer_id: str) -> list[str]:
        return [
            r["RouteId"]
            for r in self.store.children(api_id, ROUTE)
            if r.get("AuthorizerId") == authorizer_id
        ]

    def delete_authorizer(
        self, ctx: RequestContext, api_id: str, authorizer_id: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        self._child(api_id, AUTHORIZER, authorizer_id)
        routes = self._routes_using(api_id, authorizer_id)
        if routes:
            raise conflict(
                f"Unable to delete authorizer {authorizer_id} because routes use it: "
                + ", ".join(routes)
            )
        with self.store.transaction():
            self.store.delete_child(api_id, AUTHORIZER, authorizer_id)
            self._changed(api_id)
        return {}

    def reset_authorizers_cache(
        self, ctx: RequestContext, api_id: str, stage_name: str
    ) -> dict[str, Any]:
        """The data plane's authorizer caches hang off the served snapshot's generation;
        bumping the API's generation (any store write does) empties them."""
        self._api(ctx, api_id)
        stage = self._child(api_id, STAGE, stage_name)
        self.store.put_child(api_id, STAGE, stage_name, stage)
        return {}
