"""Authorizers of a REST API: Create/Get/Update/DeleteAuthorizer and GetAuthorizers
(TOKEN and REQUEST Lambda authorizers, COGNITO_USER_POOLS).

An authorizer that a method still uses cannot be deleted. Mixed into the provider.
Must not: run authorizers (the data plane does, from the served snapshot).
"""

from __future__ import annotations

import copy
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigateway import models
from tenku.services.apigateway.base import Base
from tenku.services.apigateway.errors import authorizer_not_found, bad_request
from tenku.services.apigateway.patch import SET, apply_patch, rule
from tenku.services.apigateway.store import Doc

AUTHORIZER_RULES = (
    rule("/name"),
    rule("/type"),
    rule("/authType"),
    rule("/authorizerUri"),
    rule("/authorizerCredentials"),
    rule("/identitySource"),
    rule("/identityValidationExpression"),
    rule("/authorizerResultTtlInSeconds", kind="integer"),
    rule("/providerARNs/*", "add remove", container=SET),
)


class Authorizers(Base):
    @staticmethod
    def _authorizer(doc: Doc, authorizer_id: str) -> Doc:
        authorizer = doc["authorizers"].get(authorizer_id)
        if authorizer is None:
            raise authorizer_not_found()
        found: Doc = authorizer
        return found

    def create_authorizer(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        name: str,
        type: str,
        provider_ar_ns: list[str] | None = None,  # providerARNs, as the dispatcher names it
        auth_type: str | None = None,
        authorizer_uri: str | None = None,
        authorizer_credentials: str | None = None,
        identity_source: str | None = None,
        identity_validation_expression: str | None = None,
        authorizer_result_ttl_in_seconds: int | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        authorizer_id = models.new_id(6)
        while authorizer_id in doc["authorizers"]:
            authorizer_id = models.new_id(6)
        ttl = authorizer_result_ttl_in_seconds
        authorizer: Doc = {
            "id": authorizer_id,
            "name": name,
            "type": type,
            "authorizerResultTtlInSeconds": models.DEFAULT_AUTHORIZER_TTL if ttl is None else ttl,
        }
        optional = {
            "providerARNs": provider_ar_ns,
            "authType": auth_type,
            "authorizerUri": authorizer_uri,
            "authorizerCredentials": authorizer_credentials,
            "identitySource": identity_source,
            "identityValidationExpression": identity_validation_expression,
        }
        authorizer.update({k: copy.deepcopy(v) for k, v in optional.items() if v is not None})
        models.check_authorizer(authorizer)
        doc["authorizers"][authorizer_id] = authorizer
        self._save(rest_api_id, doc)
        return copy.deepcopy(authorizer)

    def get_authorizer(
        self, ctx: RequestContext, rest_api_id: str, authorizer_id: str
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        return copy.deepcopy(self._authorizer(doc, authorizer_id))

    def get_authorizers(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        position: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        items = sorted(doc["authorizers"].values(), key=lambda a: a["name"])
        return self._page(copy.deepcopy(items), position, limit)

    def update_authorizer(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        authorizer_id: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        authorizer = apply_patch(
            self._authorizer(doc, authorizer_id), patch_operations, AUTHORIZER_RULES
        )
        models.check_authorizer(authorizer)
        doc["authorizers"][authorizer_id] = authorizer
        self._save(rest_api_id, doc)
        return copy.deepcopy(authorizer)

    def delete_authorizer(
        self, ctx: RequestContext, rest_api_id: str, authorizer_id: str
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        authorizer = self._authorizer(doc, authorizer_id)
        for resource in doc["resources"].values():
            for name, method in (resource.get("resourceMethods") or {}).items():
                if method.get("authorizerId") == authorizer_id:
                    raise bad_request(
                        f"Cannot delete authorizer '{authorizer['name']}', is referenced in "
                        f"method: {name}:{resource['path']}"
                    )
        del doc["authorizers"][authorizer_id]
        self._save(rest_api_id, doc)
        return {}
