"""Resources, methods and method responses of a REST API's working copy:
Create/Get/Update/DeleteResource, GetResources, Put/Get/Update/DeleteMethod and
Put/Get/Update/DeleteMethodResponse.

Resource paths are kept on every resource and recomputed for a whole subtree when a
resource is renamed or moved; deleting a resource deletes its subtree. Mixed into the
provider. Must not: touch deployments (changes are served only once deployed).
"""

from __future__ import annotations

import copy
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigateway import models
from tenku.services.apigateway.base import Base
from tenku.services.apigateway.errors import (
    bad_request,
    conflict,
    greedy_parent,
    invalid_authorizer_for_method,
    resource_not_found,
    response_not_found,
    sibling_exists,
    variable_sibling,
)
from tenku.services.apigateway.patch import MAP, SET, apply_patch, rule
from tenku.services.apigateway.store import Doc

RESOURCE_RULES = (rule("/pathPart"), rule("/parentId"))
METHOD_RULES = (
    rule("/authorizationType"),
    rule("/authorizerId"),
    rule("/apiKeyRequired", kind="boolean"),
    rule("/operationName"),
    rule("/requestValidatorId"),
    rule("/requestParameters/*", "add remove replace", kind="boolean", container=MAP),
    rule("/requestModels/*", "add remove replace", container=MAP),
    rule("/authorizationScopes/*", "add remove", container=SET),
)
METHOD_RESPONSE_RULES = (
    rule("/responseParameters/*", "add remove replace", kind="boolean", container=MAP),
    rule("/responseModels/*", "add remove replace", container=MAP),
)


def children(doc: Doc, parent_id: str) -> list[Doc]:
    return [r for r in doc["resources"].values() if r.get("parentId") == parent_id]


def _check_placement(doc: Doc, resource_id: str | None, parent: Doc, path_part: str) -> None:
    """Refuse `path_part` under `parent` as AWS does (greedy parent, taken name, two
    variables side by side); `resource_id` is the resource being moved, if any."""
    models.validate_path_part(path_part)
    if models.is_greedy(parent.get("pathPart") or ""):
        raise greedy_parent(parent["pathPart"])
    for sibling in children(doc, parent["id"]):
        if sibling["id"] == resource_id:
            continue
        if sibling.get("pathPart") == path_part:
            raise sibling_exists(path_part)
        if models.is_variable(path_part) and models.is_variable(sibling.get("pathPart") or ""):
            raise variable_sibling(sibling["pathPart"])


def _repath(doc: Doc, resource: Doc) -> None:
    """Recompute the paths of `resource`'s subtree from its parent's path."""
    parent = doc["resources"][resource["parentId"]]
    resource["path"] = models.child_path(parent["path"], resource["pathPart"])
    for child in children(doc, resource["id"]):
        _repath(doc, child)


def shown_resource(resource: Doc, embed_methods: bool) -> Doc:
    """A Resource as AWS shows it: methods as `{}` unless `embed=methods` was asked."""
    out = {k: v for k, v in resource.items() if k != "resourceMethods"}
    methods = resource.get("resourceMethods") or {}
    if methods:
        out["resourceMethods"] = (
            copy.deepcopy(methods) if embed_methods else {name: {} for name in methods}
        )
    return out


class Resources(Base):
    # -- resources -------------------------------------------------------------------------
    def create_resource(
        self, ctx: RequestContext, rest_api_id: str, parent_id: str, path_part: str
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        parent = self._resource(doc, parent_id)
        _check_placement(doc, None, parent, path_part)
        resource_id = models.new_id(6)
        while resource_id in doc["resources"]:
            resource_id = models.new_id(6)
        resource = {
            "id": resource_id,
            "parentId": parent_id,
            "pathPart": path_part,
            "path": models.child_path(parent["path"], path_part),
        }
        doc["resources"][resource_id] = resource
        self._save(rest_api_id, doc)
        return dict(resource)

    def get_resource(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        embed: list[str] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        return shown_resource(self._resource(doc, resource_id), "methods" in (embed or ()))

    def get_resources(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        position: str | None = None,
        limit: int | None = None,
        embed: list[str] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        embed_methods = "methods" in (embed or ())
        ordered = sorted(doc["resources"].values(), key=lambda r: r["path"])
        return self._page([shown_resource(r, embed_methods) for r in ordered], position, limit)

    def update_resource(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        resource = self._resource(doc, resource_id)
        if resource.get("parentId") is None:
            raise bad_request("Root resource cannot be updated")
        patched = apply_patch(resource, patch_operations, RESOURCE_RULES)
        parent = doc["resources"].get(patched.get("parentId") or "")
        if parent is None:
            raise resource_not_found()
        ancestor: Doc | None = parent
        while ancestor is not None:  # a resource cannot move below itself
            if ancestor["id"] == resource_id:
                raise bad_request("Resources cannot be cyclical.")
            ancestor = doc["resources"].get(ancestor.get("parentId") or "")
        _check_placement(doc, resource_id, parent, str(patched.get("pathPart") or ""))
        doc["resources"][resource_id] = patched
        _repath(doc, patched)
        self._save(rest_api_id, doc)
        return shown_resource(patched, False)

    def delete_resource(
        self, ctx: RequestContext, rest_api_id: str, resource_id: str
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        resource = self._resource(doc, resource_id)
        if resource.get("parentId") is None:
            raise bad_request("Cannot delete root resource")
        doomed = [resource_id]
        for current in doomed:  # grows while it is walked: the whole subtree
            doomed.extend(child["id"] for child in children(doc, current))
        for gone in doomed:
            del doc["resources"][gone]
        self._save(rest_api_id, doc)
        return {}

    # -- methods ---------------------------------------------------------------------------
    @staticmethod
    def _check_method(doc: Doc, method: Doc) -> None:
        auth = method.get("authorizationType")
        if auth not in models.AUTHORIZATION_TYPES:
            raise bad_request(
                f"Invalid authorization type specified: {auth}. Valid options are "
                "NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS"
            )
        if auth in ("CUSTOM", "COGNITO_USER_POOLS"):
            authorizer = doc["authorizers"].get(method.get("authorizerId") or "")
            if authorizer is None:
                raise invalid_authorizer_for_method()
            if (authorizer["type"] == "COGNITO_USER_POOLS") != (auth == "COGNITO_USER_POOLS"):
                raise bad_request(
                    f"Authorizer type {authorizer['type']} does not match the method's "
                    f"authorization type {auth}"
                )
        else:
            method.pop("authorizerId", None)
        models.check_request_parameters(method.get("requestParameters"))

    def put_method(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        authorization_type: str,
        authorizer_id: str | None = None,
        api_key_required: bool | None = None,
        operation_name: str | None = None,
        request_parameters: dict[str, bool] | None = None,
        request_models: dict[str, str] | None = None,
        request_validator_id: str | None = None,
        authorization_scopes: list[str] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        resource = self._resource(doc, resource_id)
        models.check_http_method(http_method)
        if http_method in resource.get("resourceMethods", {}):
            raise conflict("Method already exists for this resource")
        method: Doc = {
            "httpMethod": http_method,
            "authorizationType": authorization_type.upper(),
            "apiKeyRequired": bool(api_key_required),
        }
        optional = {
            "authorizerId": authorizer_id,
            "operationName": operation_name,
            "requestParameters": request_parameters,
            "requestModels": request_models,
            "requestValidatorId": request_validator_id,
            "authorizationScopes": authorization_scopes,
        }
        method.update({k: copy.deepcopy(v) for k, v in optional.items() if v is not None})
        self._check_method(doc, method)
        resource.setdefault("resourceMethods", {})[http_method] = method
        self._save(rest_api_id, doc)
        return copy.deepcopy(method)

    def get_method(
        self, ctx: RequestContext, rest_api_id: str, resource_id: str, http_method: str
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        return copy.deepcopy(self._method(self._resource(doc, resource_id), http_method))

    def update_method(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        resource = self._resource(doc, resource_id)
        method = apply_patch(self._method(resource, http_method), patch_operations, METHOD_RULES)
        method["authorizationType"] = str(method.get("authorizationType") or "").upper()
        self._check_method(doc, method)
        resource["resourceMethods"][http_method] = method
        self._save(rest_api_id, doc)
        return copy.deepcopy(method)

    def delete_method(
        self, ctx: RequestContext, rest_api_id: str, resource_id: str, http_method: str
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        resource = self._resource(doc, resource_id)
        self._method(resource, http_method)
        del resource["resourceMethods"][http_method]
        if not resource["resourceMethods"]:
            del resource["resourceMethods"]
        self._save(rest_api_id, doc)
        return {}

    # -- method responses ----------------------------------------------------------------
    def put_method_response(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        status_code: str,
        response_parameters: dict[str, bool] | None = None,
        response_models: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        response: Doc = {"statusCode": status_code}
        if response_parameters is not None:
            response["responseParameters"] = dict(response_parameters)
        if response_models is not None:
            response["responseModels"] = dict(response_models)
        method.setdefault("methodResponses", {})[status_code] = response
        self._save(rest_api_id, doc)
        return copy.deepcopy(response)

    def _method_response(self, method: Doc, status_code: str) -> Doc:
        response = method.get("methodResponses", {}).get(status_code)
        if response is None:
            raise response_not_found()
        found: Doc = response
        return found

    def get_method_response(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        status_code: str,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        return copy.deepcopy(self._method_response(method, status_code))

    def update_method_response(
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
        response = apply_patch(
            self._method_response(method, status_code), patch_operations, METHOD_RESPONSE_RULES
        )
        method["methodResponses"][status_code] = response
        self._save(rest_api_id, doc)
        return copy.deepcopy(response)

    def delete_method_response(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        resource_id: str,
        http_method: str,
        status_code: str,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        method = self._method(self._resource(doc, resource_id), http_method)
        self._method_response(method, status_code)
        del method["methodResponses"][status_code]
        if not method["methodResponses"]:
            del method["methodResponses"]
        self._save(rest_api_id, doc)
        return {}
