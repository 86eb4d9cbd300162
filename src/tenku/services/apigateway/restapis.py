"""REST APIs themselves: Create/Get/Update/DeleteRestApi, GetRestApis, and tags
(TagResource, UntagResource, GetTags) on APIs, stages, API keys and usage plans.

A new API gets its root resource "/"; `cloneFrom` copies another API's resources and
authorizers under new ids. Mixed into the provider.
Must not: touch deployments' snapshots (changes are served only once deployed).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigateway import models
from tenku.services.apigateway.base import Base
from tenku.services.apigateway.errors import (
    api_key_not_found,
    bad_request,
    stage_not_found,
    usage_plan_not_found,
)
from tenku.services.apigateway.patch import SET, apply_patch, rule
from tenku.services.apigateway.store import Doc

API_RULES = (
    rule("/name"),
    rule("/description"),
    rule("/version"),
    rule("/policy"),
    rule("/apiKeySource"),
    rule("/minimumCompressionSize", kind="integer"),
    rule("/disableExecuteApiEndpoint", kind="boolean"),
    rule("/binaryMediaTypes/*", "add remove replace", container=SET),
    rule("/endpointConfiguration/types/*", "replace", container=SET),
    rule("/endpointConfiguration/ipAddressType"),
    rule("/endpointConfiguration/vpcEndpointIds/*", "add remove replace", container=SET),
)
_TAG_ARN = re.compile(
    r"^arn:aws[a-z-]*:apigateway:[a-z0-9-]+::/(restapis/([^/]+)(?:/stages/([^/]+))?"
    r"|apikeys/([^/]+)|usageplans/([^/]+))$"
)


def check_api(api: Doc) -> None:
    """What AWS validates in an API's own members (after create and after patching)."""
    if not api.get("name"):
        raise bad_request("Invalid REST API name specified")
    if api.get("description") == "":
        raise bad_request("Description cannot be an empty string")
    size = api.get("minimumCompressionSize")
    if size is not None and not 0 <= size <= models.MAX_COMPRESSION_SIZE:
        raise bad_request(
            f"Invalid minimum compression size, must be between 0 and {models.MAX_COMPRESSION_SIZE}"
        )
    models.check_enum(api.get("apiKeySource"), models.API_KEY_SOURCES, "API key source")
    types = api.get("endpointConfiguration", {}).get("types") or []
    if len(types) != 1:
        raise bad_request("Cannot create an api with multiple Endpoint Types.")
    models.check_enum(types[0], models.ENDPOINT_TYPES, "endpoint type")


def _cloned(source: Doc) -> tuple[dict[str, Doc], dict[str, Doc], str]:
    """Resources and authorizers of `source` under new ids, and the new root's id."""
    authorizer_ids = {old: models.new_id(6) for old in source["authorizers"]}
    resource_ids = {
        old: models.new_id(10 if r.get("parentId") is None else 6)
        for old, r in source["resources"].items()
    }
    authorizers = {}
    for old, authorizer in source["authorizers"].items():
        authorizers[authorizer_ids[old]] = {**copy.deepcopy(authorizer), "id": authorizer_ids[old]}
    resources = {}
    root = ""
    for old, resource in source["resources"].items():
        new = {**copy.deepcopy(resource), "id": resource_ids[old]}
        if resource.get("parentId") is None:
            root = resource_ids[old]
        else:
            new["parentId"] = resource_ids[resource["parentId"]]
        for method in new.get("resourceMethods", {}).values():
            if method.get("authorizerId") in authorizer_ids:
                method["authorizerId"] = authorizer_ids[method["authorizerId"]]
        resources[resource_ids[old]] = new
    return resources, authorizers, root


class RestApis(Base):
    def new_api_doc(self, name: str, **members: Any) -> Doc:
        """A working copy holding only the root resource; `members` are RestApi members."""
        api_id = models.new_id(10)
        while self.store.api(api_id) is not None:
            api_id = models.new_id(10)
        root_id = models.new_id(10)
        api: Doc = {
            "id": api_id,
            "name": name,
            "createdDate": self.clock.now(),
            "apiKeySource": "HEADER",
            "endpointConfiguration": {"types": ["EDGE"], "ipAddressType": "ipv4"},
            "disableExecuteApiEndpoint": False,
            "rootResourceId": root_id,
        }
        api.update({k: copy.deepcopy(v) for k, v in members.items() if v is not None})
        config = api["endpointConfiguration"]
        config.setdefault("ipAddressType", "ipv4")
        return {
            "api": api,
            "resources": {root_id: {"id": root_id, "path": "/"}},
            "authorizers": {},
        }

    def create_rest_api(
        self,
        ctx: RequestContext,
        name: str,
        description: str | None = None,
        version: str | None = None,
        clone_from: str | None = None,
        binary_media_types: list[str] | None = None,
        minimum_compression_size: int | None = None,
        api_key_source: str | None = None,
        endpoint_configuration: dict[str, Any] | None = None,
        policy: str | None = None,
        tags: dict[str, str] | None = None,
        disable_execute_api_endpoint: bool | None = None,
    ) -> dict[str, Any]:
        doc = self.new_api_doc(
            name,
            description=description,
            version=version,
            binaryMediaTypes=binary_media_types or None,
            minimumCompressionSize=minimum_compression_size,
            apiKeySource=api_key_source,
            endpointConfiguration=endpoint_configuration,
            policy=policy,
            tags=tags or None,
            disableExecuteApiEndpoint=disable_execute_api_endpoint,
        )
        check_api(doc["api"])
        if clone_from:
            source = self._api(ctx, clone_from)
            doc["resources"], doc["authorizers"], root = _cloned(source)
            doc["api"]["rootResourceId"] = root
        self.store.add_api(ctx.scope, doc["api"]["id"], doc)
        return self._shown(doc["api"])

    def get_rest_api(self, ctx: RequestContext, rest_api_id: str) -> dict[str, Any]:
        return self._shown(self._api(ctx, rest_api_id)["api"])

    def get_rest_apis(
        self, ctx: RequestContext, position: str | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        apis = [self._shown(doc["api"]) for doc in self.store.apis(ctx.scope)]
        return self._page(apis, position, limit)

    def update_rest_api(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        api = apply_patch(doc["api"], patch_operations, API_RULES)
        check_api(api)
        doc["api"] = api
        self._save(rest_api_id, doc)
        return self._shown(api)

    def delete_rest_api(self, ctx: RequestContext, rest_api_id: str) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        self.store.delete_api(rest_api_id)
        self.served.invalidate(rest_api_id)
        return {}

    # -- tags ----------------------------------------------------------------------------
    def _tagged(self, ctx: RequestContext, resource_arn: str) -> tuple[Doc, Any]:
        """(the document holding the tags, a function that saves it)."""
        match = _TAG_ARN.match(resource_arn)
        if match is None:
            raise bad_request("Invalid ARN specified in the request")
        api_id, stage_name, key_id, plan_id = match.group(2, 3, 4, 5)
        if api_id and stage_name:
            self._api(ctx, api_id)
            stage = self.store.stage(api_id, stage_name)
            if stage is None:
                raise stage_not_found()
            return stage, lambda: self.store.put_stage(api_id, stage_name, stage)
        if api_id:
            doc = self._api(ctx, api_id)
            return doc["api"], lambda: self._save(api_id, doc)
        if key_id:
            key = self.store.key(ctx.scope, key_id)
            if key is None:
                raise api_key_not_found()
            return key, lambda: self.store.save_key(key)
        plan = self.store.plan(ctx.scope, plan_id)
        if plan is None:
            raise usage_plan_not_found()
        return plan, lambda: self.store.save_plan(plan)

    def tag_resource(
        self, ctx: RequestContext, resource_arn: str, tags: dict[str, str]
    ) -> dict[str, Any]:
        holder, save = self._tagged(ctx, resource_arn)
        holder["tags"] = {**holder.get("tags", {}), **tags}
        save()
        return {}

    def untag_resource(
        self, ctx: RequestContext, resource_arn: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        holder, save = self._tagged(ctx, resource_arn)
        remaining = {k: v for k, v in holder.get("tags", {}).items() if k not in set(tag_keys)}
        if remaining:
            holder["tags"] = remaining
        else:
            holder.pop("tags", None)
        save()
        return {}

    def get_tags(
        self,
        ctx: RequestContext,
        resource_arn: str,
        position: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        holder, _save = self._tagged(ctx, resource_arn)
        return {"tags": dict(holder.get("tags", {}))}
