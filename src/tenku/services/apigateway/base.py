"""What every part of the API Gateway provider shares: the store, the clock, the cache of
served stages, and looking up an API, a resource or a method by id (with AWS's
not-found errors), paging and tag ARNs.

Must not: implement any operation itself.
"""

from __future__ import annotations

import copy
from typing import Any

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.scope import Scope
from tenku.services.apigateway.errors import (
    api_not_found,
    bad_request,
    method_not_found,
    resource_not_found,
)
from tenku.services.apigateway.served import ServedCache
from tenku.services.apigateway.store import ApiGatewayStore, Doc

DEFAULT_PAGE = 25
MAX_PAGE = 500


class Base:
    def __init__(self, store: ApiGatewayStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.served = ServedCache(store)
        # (api id, stage, key value) -> ApiKeyCheck; cleared by any key or plan change
        self.key_checks: dict[tuple[str, str, str], Any] = {}

    # -- lookups ---------------------------------------------------------------------------
    def _api(self, ctx: RequestContext, api_id: str) -> Doc:
        """The working copy of the caller's REST API `api_id`."""
        owned = self.store.api(api_id)
        if owned is None or owned.scope != ctx.scope:
            raise api_not_found(ctx.scope.account, api_id)
        return owned.doc

    @staticmethod
    def _resource(doc: Doc, resource_id: str) -> Doc:
        resource = doc["resources"].get(resource_id)
        if resource is None:
            raise resource_not_found()
        result: Doc = resource
        return result

    @staticmethod
    def _method(resource: Doc, http_method: str) -> Doc:
        method = resource.get("resourceMethods", {}).get(http_method)
        if method is None:
            raise method_not_found()
        result: Doc = method
        return result

    def _save(self, api_id: str, doc: Doc) -> None:
        self.store.save_api(api_id, doc)

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _page(
        items: list[Doc], position: str | None, limit: int | None, key: str = "id"
    ) -> dict[str, Any]:
        """`{"items": [...], "position": next}`; a position is the key of the page's first item."""
        if limit is not None and not 1 <= limit <= MAX_PAGE:
            raise bad_request(f"Invalid limit specified: {limit}. Must be between 1 and {MAX_PAGE}")
        size = limit or DEFAULT_PAGE
        start = 0
        if position:
            start = next((i for i, item in enumerate(items) if item.get(key) == position), -1)
            if start < 0:
                raise bad_request("Invalid position parameter")
        page = items[start : start + size]
        out: dict[str, Any] = {"items": page}
        if start + size < len(items):
            out["position"] = items[start + size][key]
        return out

    @staticmethod
    def _shown(doc: Doc) -> Doc:
        """A copy of a stored document without its private (`_`-prefixed) members."""
        return {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}

    @staticmethod
    def api_arn(scope: Scope, api_id: str) -> str:
        return f"arn:aws:apigateway:{scope.region}::/restapis/{api_id}"
