"""API keys and usage plans: Create/Get/Update/DeleteApiKey, GetApiKeys,
Create/Get/Update/DeleteUsagePlan, GetUsagePlans, Create/Get/DeleteUsagePlanKey,
GetUsagePlanKeys, and `check_api_key`, the data plane's question "may this key call this
stage, and under which throttle and quota?".

Mixed into the provider. Must not: count requests (throttling and quotas are enforced by
the data plane with the limits this returns).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from tenku.core.context import RequestContext
from tenku.services.apigateway import models
from tenku.services.apigateway.base import Base
from tenku.services.apigateway.errors import (
    api_key_not_found,
    bad_request,
    conflict,
    usage_plan_key_not_found,
    usage_plan_not_found,
)
from tenku.services.apigateway.patch import apply_patch, rule
from tenku.services.apigateway.store import Doc

MIN_KEY_LENGTH = 20
KEY_RULES = (
    rule("/name"),
    rule("/description"),
    rule("/enabled", kind="boolean"),
    rule("/customerId"),
)
PLAN_RULES = (
    rule("/name"),
    rule("/description"),
    rule("/productCode"),
    rule("/throttle", "remove"),
    rule("/throttle/burstLimit", kind="integer"),
    rule("/throttle/rateLimit", kind="number"),
    rule("/quota", "remove"),
    rule("/quota/limit", kind="integer"),
    rule("/quota/period"),
    rule("/quota/offset", kind="integer"),
)


class Throttle(NamedTuple):
    burst_limit: int | None
    rate_limit: float | None  # requests per second


class Quota(NamedTuple):
    limit: int
    period: str  # DAY, WEEK or MONTH
    offset: int


class ApiKeyCheck(NamedTuple):
    """The verdict on one API key for one stage. `reason` is "ok", "missing",
    "unknown", "disabled" or "not-in-usage-plan"; anything but "ok" is AWS's 403."""

    allowed: bool
    reason: str
    key_id: str | None = None
    usage_plan_id: str | None = None
    throttle: Throttle | None = None  # the usage plan's, for the whole stage
    quota: Quota | None = None
    method_throttles: Mapping[str, Throttle] = MappingProxyType({})  # "/path/GET" -> throttle


def _throttle(settings: Mapping[str, Any] | None) -> Throttle | None:
    if not settings:
        return None
    rate = settings.get("rateLimit")
    return Throttle(settings.get("burstLimit"), None if rate is None else float(rate))


def _shown_key(key: Doc, include_value: bool | None) -> Doc:
    out = copy.deepcopy(key)
    if not include_value:
        out.pop("value", None)
    return out


class ApiKeys(Base):
    # -- API keys ------------------------------------------------------------------------
    def _key(self, ctx: RequestContext, key_id: str) -> Doc:
        key = self.store.key(ctx.scope, key_id)
        if key is None:
            raise api_key_not_found()
        return key

    def create_api_key(
        self,
        ctx: RequestContext,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        generate_distinct_id: bool | None = None,
        value: str | None = None,
        stage_keys: list[dict[str, str]] | None = None,
        customer_id: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        if value is not None:
            if len(value) < MIN_KEY_LENGTH:
                raise bad_request(f"API Key value should be at least {MIN_KEY_LENGTH} characters")
            if any(o.scope == ctx.scope for o in self.store.keys_with_value(value)):
                raise conflict("API Key already exists")
        key_id = models.new_id(10)
        now = self.clock.now()
        key: Doc = {
            "id": key_id,
            "value": value or models.new_id(40),
            "name": name or key_id,
            "enabled": bool(enabled),
            "createdDate": now,
            "lastUpdatedDate": now,
            "stageKeys": [f"{s.get('restApiId')}/{s.get('stageName')}" for s in stage_keys or ()],
        }
        optional = {"description": description, "customerId": customer_id, "tags": tags or None}
        key.update({k: v for k, v in optional.items() if v is not None})
        self.store.add_key(ctx.scope, key)
        self.key_checks.clear()
        return copy.deepcopy(key)

    def get_api_key(
        self, ctx: RequestContext, api_key: str, include_value: bool | None = None
    ) -> dict[str, Any]:
        return _shown_key(self._key(ctx, api_key), include_value)

    def get_api_keys(
        self,
        ctx: RequestContext,
        position: str | None = None,
        limit: int | None = None,
        name_query: str | None = None,
        customer_id: str | None = None,
        include_values: bool | None = None,
    ) -> dict[str, Any]:
        keys = [
            _shown_key(k, include_values)
            for k in self.store.keys(ctx.scope)
            if (not name_query or str(k.get("name", "")).startswith(name_query))
            and (customer_id is None or k.get("customerId") == customer_id)
        ]
        return self._page(keys, position, limit)

    def update_api_key(
        self,
        ctx: RequestContext,
        api_key: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        key = apply_patch(self._key(ctx, api_key), patch_operations, KEY_RULES)
        key["lastUpdatedDate"] = self.clock.now()
        self.store.save_key(key)
        self.key_checks.clear()
        return _shown_key(key, False)

    def delete_api_key(self, ctx: RequestContext, api_key: str) -> dict[str, Any]:
        self._key(ctx, api_key)
        self.store.delete_key(api_key)
        self.key_checks.clear()
        return {}

    # -- usage plans ---------------------------------------------------------------------
    def _plan(self, ctx: RequestContext, plan_id: str) -> Doc:
        plan = self.store.plan(ctx.scope, plan_id)
        if plan is None:
            raise usage_plan_not_found()
        return plan

    def _check_plan(self, ctx: RequestContext, plan: Doc) -> None:
        if not plan.get("name"):
            raise bad_request("Usage plan name must be non-empty")
        for stage in plan.get("apiStages") or ():
            owned = self.store.api(str(stage.get("apiId")))
            if (
                owned is None
                or owned.scope != ctx.scope
                or self.store.stage(stage["apiId"], str(stage.get("stage"))) is None
            ):
                raise bad_request(f"API Stage not found: {stage.get('apiId')}:{stage.get('stage')}")
        quota = plan.get("quota")
        if quota is not None:
            if int(quota.get("limit", 0)) <= 0:
                raise bad_request("Quota limit must be greater than 0")
            if quota.get("period") not in ("DAY", "WEEK", "MONTH"):
                raise bad_request("Quota period must be DAY, WEEK or MONTH")
            quota.setdefault("offset", 0)
        throttle = plan.get("throttle")
        if throttle is not None and (
            throttle.get("burstLimit", 0) < 0 or throttle.get("rateLimit", 0) < 0
        ):
            raise bad_request("Throttle limits must not be negative")

    def create_usage_plan(
        self,
        ctx: RequestContext,
        name: str,
        description: str | None = None,
        api_stages: list[dict[str, Any]] | None = None,
        throttle: dict[str, Any] | None = None,
        quota: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        plan: Doc = {"id": models.new_id(6), "name": name, "apiStages": list(api_stages or ())}
        optional = {"description": description, "throttle": throttle, "quota": quota, "tags": tags}
        plan.update({k: copy.deepcopy(v) for k, v in optional.items() if v})
        self._check_plan(ctx, plan)
        self.store.add_plan(ctx.scope, plan)
        self.key_checks.clear()
        return copy.deepcopy(plan)

    def get_usage_plan(self, ctx: RequestContext, usage_plan_id: str) -> dict[str, Any]:
        return self._plan(ctx, usage_plan_id)

    def get_usage_plans(
        self,
        ctx: RequestContext,
        position: str | None = None,
        key_id: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        plans = self.store.plans(ctx.scope)
        if key_id is not None:
            wanted = set(self.store.plans_of_key(key_id))
            plans = [p for p in plans if p["id"] in wanted]
        return self._page(plans, position, limit)

    def update_usage_plan(
        self,
        ctx: RequestContext,
        usage_plan_id: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        plan = self._plan(ctx, usage_plan_id)
        rest: list[dict[str, Any]] = []
        for operation in patch_operations or ():
            if operation.get("path") != "/apiStages":
                rest.append(operation)
                continue
            # `/apiStages` takes its item in the value: "apiId:stageName"
            api_id, _, stage = str(operation.get("value") or "").partition(":")
            stages = [
                s for s in plan["apiStages"] if (s.get("apiId"), s.get("stage")) != (api_id, stage)
            ]
            if operation.get("op") == "add":
                stages.append({"apiId": api_id, "stage": stage})
            elif operation.get("op") != "remove":
                raise bad_request(
                    f"Invalid patch path  '/apiStages' specified for op '{operation.get('op')}'. "
                    "Please choose supported operations"
                )
            plan["apiStages"] = stages
        plan = apply_patch(plan, rest, PLAN_RULES)
        self._check_plan(ctx, plan)
        self.store.save_plan(plan)
        self.key_checks.clear()
        return copy.deepcopy(plan)

    def delete_usage_plan(self, ctx: RequestContext, usage_plan_id: str) -> dict[str, Any]:
        self._plan(ctx, usage_plan_id)
        self.store.delete_plan(usage_plan_id)
        self.key_checks.clear()
        return {}

    # -- usage plan keys -----------------------------------------------------------------
    @staticmethod
    def _plan_key(key: Doc) -> Doc:
        return {"id": key["id"], "type": "API_KEY", "value": key["value"], "name": key["name"]}

    def create_usage_plan_key(
        self, ctx: RequestContext, usage_plan_id: str, key_id: str, key_type: str
    ) -> dict[str, Any]:
        self._plan(ctx, usage_plan_id)
        if key_type != "API_KEY":
            raise bad_request(f"Invalid key type specified: {key_type}")
        key = self._key(ctx, key_id)
        if key_id in self.store.plan_key_ids(usage_plan_id):
            raise conflict("Usage Plan Key already exists")
        self.store.add_plan_key(usage_plan_id, key_id)
        self.key_checks.clear()
        return self._plan_key(key)

    def get_usage_plan_key(
        self, ctx: RequestContext, usage_plan_id: str, key_id: str
    ) -> dict[str, Any]:
        self._plan(ctx, usage_plan_id)
        key = self.store.key(ctx.scope, key_id)
        if key is None or key_id not in self.store.plan_key_ids(usage_plan_id):
            raise usage_plan_key_not_found()
        return self._plan_key(key)

    def get_usage_plan_keys(
        self,
        ctx: RequestContext,
        usage_plan_id: str,
        position: str | None = None,
        limit: int | None = None,
        name_query: str | None = None,
    ) -> dict[str, Any]:
        self._plan(ctx, usage_plan_id)
        keys = [self.store.key(ctx.scope, k) for k in self.store.plan_key_ids(usage_plan_id)]
        items = [
            self._plan_key(k)
            for k in keys
            if k is not None and (not name_query or str(k["name"]).startswith(name_query))
        ]
        return self._page(items, position, limit)

    def delete_usage_plan_key(
        self, ctx: RequestContext, usage_plan_id: str, key_id: str
    ) -> dict[str, Any]:
        self._plan(ctx, usage_plan_id)
        if key_id not in self.store.plan_key_ids(usage_plan_id):
            raise usage_plan_key_not_found()
        self.store.delete_plan_key(usage_plan_id, key_id)
        self.key_checks.clear()
        return {}

    # -- the data plane's question -------------------------------------------------------
    def check_api_key(self, api_id: str, stage_name: str, key_value: str | None) -> ApiKeyCheck:
        """Whether `key_value` may call `stage_name` of REST API `api_id`: the key must
        exist in the API's account and region, be enabled, and belong to a usage plan
        that lists this API stage. Answers are cached until a key or plan changes."""
        if not key_value:
            return ApiKeyCheck(False, "missing")
        cache_key = (api_id, stage_name, key_value)
        found = self.key_checks.get(cache_key)
        if found is None:
            found = self.key_checks[cache_key] = self._check_api_key(api_id, stage_name, key_value)
            if len(self.key_checks) > 4096:
                self.key_checks.clear()
        result: ApiKeyCheck = found
        return result

    def _check_api_key(self, api_id: str, stage_name: str, key_value: str) -> ApiKeyCheck:
        owned = self.store.api(api_id)
        if owned is None:
            return ApiKeyCheck(False, "unknown")
        keys = [o.doc for o in self.store.keys_with_value(key_value) if o.scope == owned.scope]
        if not keys:
            return ApiKeyCheck(False, "unknown")
        key = keys[0]
        if not key.get("enabled"):
            return ApiKeyCheck(False, "disabled", key["id"])
        for plan_id in self.store.plans_of_key(key["id"]):
            plan = self.store.plan(owned.scope, plan_id)
            for stage in (plan or {}).get("apiStages") or ():
                if plan and stage.get("apiId") == api_id and stage.get("stage") == stage_name:
                    quota = plan.get("quota")
                    per_method = {
                        path: t
                        for path, settings in (stage.get("throttle") or {}).items()
                        if (t := _throttle(settings)) is not None
                    }
                    return ApiKeyCheck(
                        True,
                        "ok",
                        key["id"],
                        plan_id,
                        _throttle(plan.get("throttle")),
                        Quota(int(quota["limit"]), quota["period"], int(quota.get("offset", 0)))
                        if quota
                        else None,
                        MappingProxyType(per_method),
                    )
        return ApiKeyCheck(False, "not-in-usage-plan", key["id"])
