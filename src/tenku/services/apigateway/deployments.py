"""Deployments and stages: Create/Get/Update/DeleteDeployment, GetDeployments and
Create/Get/Update/DeleteStage, GetStages.

A deployment snapshots the working copy (API settings, resources with their methods and
integrations, authorizers); a stage serves one deployment with its own variables,
method settings, access-log settings and tracing flag. Every change here drops the
served cache of the API. Mixed into the provider.
Must not: serve requests.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigateway import models
from tenku.services.apigateway.base import Base
from tenku.services.apigateway.errors import (
    bad_request,
    conflict,
    deployment_in_use,
    deployment_not_found,
    no_methods,
    stage_not_found,
)
from tenku.services.apigateway.patch import FIELD, MAP, Keys, Rule, apply_patch, rule
from tenku.services.apigateway.store import Doc

_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_VARIABLE_VALUE = re.compile(r"^[A-Za-z0-9\-._~:/?#&=,]{0,512}$")

# (patch path tail, MethodSetting member, type, default shown once an entry exists)
_METHOD_SETTINGS = (
    ("metrics/enabled", "metricsEnabled", "boolean", False),
    ("logging/loglevel", "loggingLevel", "string", "OFF"),
    ("logging/dataTrace", "dataTraceEnabled", "boolean", False),
    ("throttling/burstLimit", "throttlingBurstLimit", "integer", 5000),
    ("throttling/rateLimit", "throttlingRateLimit", "number", 10000.0),
    ("caching/enabled", "cachingEnabled", "boolean", False),
    ("caching/ttlInSeconds", "cacheTtlInSeconds", "integer", 300),
    ("caching/dataEncrypted", "cacheDataEncrypted", "boolean", False),
    ("caching/requireAuthorizationForCacheControl", "requireAuthorizationForCacheControl",
     "boolean", True),
    ("caching/unauthorizedCacheControlHeaderStrategy", "unauthorizedCacheControlHeaderStrategy",
     "string", "SUCCEED_WITH_RESPONSE_HEADER"),
)  # fmt: skip


def _setting_target(member: str) -> Any:
    def target(segments: Keys) -> Keys:
        resource = "/".join(segments[:-3]).lstrip("/") or "/"
        return ("methodSettings", f"{resource}/{segments[-3]}", member)

    return target


STAGE_RULES: tuple[Rule, ...] = (
    rule("/description"),
    rule("/deploymentId"),
    rule("/tracingEnabled", kind="boolean"),
    rule("/cacheClusterEnabled", kind="boolean"),
    rule("/cacheClusterSize"),
    rule("/clientCertificateId"),
    rule("/documentationVersion"),
    rule("/accessLogSettings", "remove"),
    rule("/accessLogSettings/format"),
    rule("/accessLogSettings/destinationArn"),
    rule("/variables/*", "add remove replace", container=MAP),
    rule(
        "/*/*", "remove", target=lambda s: ("methodSettings", f"{s[0].lstrip('/') or '/'}/{s[1]}")
    ),
    *(
        rule(f"/**/*/{tail}", "replace", kind=kind, container=FIELD, target=_setting_target(member))
        for tail, member, kind, _default in _METHOD_SETTINGS
    ),
)
DEPLOYMENT_RULES = (rule("/description"),)


def _check_stage(stage: Doc) -> None:
    for name, value in (stage.get("variables") or {}).items():
        if not _VARIABLE_NAME.match(name):
            raise bad_request(
                f"Stage variable name {name} is invalid. Stage variable names must be "
                "alphanumeric or underscores and have a max length of 64 characters."
            )
        if not _VARIABLE_VALUE.match(str(value)):
            raise bad_request(
                f"Stage variable value {value} is invalid. Stage variable values must only "
                "contain alphanumeric characters and the special characters -._~:/?#&=, and "
                "have a max length of 512 characters."
            )
    for key, settings in (stage.get("methodSettings") or {}).items():
        for _tail, member, _kind, default in _METHOD_SETTINGS:
            settings.setdefault(member, default)
        if settings["throttlingBurstLimit"] < 0 or settings["throttlingRateLimit"] < 0:
            raise bad_request(f"Throttling limits of {key} must not be negative")
    if stage.get("accessLogSettings") == {}:
        del stage["accessLogSettings"]


def snapshot_of(doc: Doc) -> Doc:
    """What a deployment keeps of the working copy."""
    return {
        "api": {k: copy.deepcopy(v) for k, v in doc["api"].items() if k != "tags"},
        "resources": copy.deepcopy(doc["resources"]),
        "authorizers": copy.deepcopy(doc["authorizers"]),
    }


def api_summary(snapshot: Doc) -> Doc:
    """GetDeployment's `apiSummary`: path -> method -> its authorization."""
    summary: Doc = {}
    for resource in snapshot.get("resources", {}).values():
        for name, method in (resource.get("resourceMethods") or {}).items():
            summary.setdefault(resource["path"], {})[name] = {
                "authorizationType": method.get("authorizationType", "NONE"),
                "apiKeyRequired": bool(method.get("apiKeyRequired")),
            }
    return summary


class Deployments(Base):
    def _deployment(self, api_id: str, deployment_id: str) -> Doc:
        deployment = self.store.deployment(api_id, deployment_id)
        if deployment is None:
            raise deployment_not_found()
        return deployment

    def _stage(self, api_id: str, stage_name: str) -> Doc:
        stage = self.store.stage(api_id, stage_name)
        if stage is None:
            raise stage_not_found()
        return stage

    def _new_stage(self, stage_name: str, deployment_id: str, **members: Any) -> Doc:
        if not _STAGE_NAME.match(stage_name):
            raise bad_request("Stage name only allows a-zA-Z0-9_")
        now = self.clock.now()
        stage: Doc = {
            "stageName": stage_name,
            "deploymentId": deployment_id,
            "cacheClusterEnabled": False,
            "cacheClusterStatus": "NOT_AVAILABLE",
            "methodSettings": {},
            "tracingEnabled": False,
            "createdDate": now,
            "lastUpdatedDate": now,
        }
        stage.update({k: copy.deepcopy(v) for k, v in members.items() if v is not None})
        _check_stage(stage)
        return stage

    # -- deployments ---------------------------------------------------------------------
    def create_deployment(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        stage_name: str | None = None,
        stage_description: str | None = None,
        description: str | None = None,
        cache_cluster_enabled: bool | None = None,
        cache_cluster_size: str | None = None,
        variables: dict[str, str] | None = None,
        tracing_enabled: bool | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        methods = [
            method
            for resource in doc["resources"].values()
            for method in (resource.get("resourceMethods") or {}).values()
        ]
        if not methods:
            raise no_methods()
        if any("methodIntegration" not in method for method in methods):
            raise bad_request("No integration defined for method")
        deployment_id = models.new_id(6)
        while self.store.deployment(rest_api_id, deployment_id) is not None:
            deployment_id = models.new_id(6)
        deployment: Doc = {"id": deployment_id, "createdDate": self.clock.now()}
        if description is not None:
            deployment["description"] = description
        stage: Doc | None = None
        if stage_name:
            stage = self.store.stage(rest_api_id, stage_name)
            if stage is None:
                stage = self._new_stage(
                    stage_name,
                    deployment_id,
                    description=stage_description,
                    variables=variables,
                    tracingEnabled=tracing_enabled,
                    cacheClusterEnabled=cache_cluster_enabled,
                    cacheClusterSize=cache_cluster_size,
                )
            else:
                stage["deploymentId"] = deployment_id
                stage["lastUpdatedDate"] = self.clock.now()
                if variables is not None:
                    stage["variables"] = {**stage.get("variables", {}), **variables}
                if tracing_enabled is not None:
                    stage["tracingEnabled"] = tracing_enabled
                _check_stage(stage)
        with self.store.transaction():
            self.store.add_deployment(
                rest_api_id, deployment_id, {**deployment, "_snapshot": snapshot_of(doc)}
            )
            if stage is not None and stage_name:
                self.store.put_stage(rest_api_id, stage_name, stage)
        self.served.invalidate(rest_api_id)
        return deployment

    def get_deployment(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        deployment_id: str,
        embed: list[str] | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        deployment = self._deployment(rest_api_id, deployment_id)
        out = self._shown(deployment)
        if "apisummary" in [e.lower() for e in embed or ()]:
            out["apiSummary"] = api_summary(deployment.get("_snapshot", {}))
        return out

    def get_deployments(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        position: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        items = [self._shown(d) for d in self.store.deployments(rest_api_id)]
        return self._page(items, position, limit)

    def update_deployment(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        deployment_id: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        deployment = apply_patch(
            self._deployment(rest_api_id, deployment_id), patch_operations, DEPLOYMENT_RULES
        )
        self.store.save_deployment(rest_api_id, deployment_id, deployment)
        return self._shown(deployment)

    def delete_deployment(
        self, ctx: RequestContext, rest_api_id: str, deployment_id: str
    ) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        self._deployment(rest_api_id, deployment_id)
        if any(s["deploymentId"] == deployment_id for s in self.store.stages(rest_api_id)):
            raise deployment_in_use()
        self.store.delete_deployment(rest_api_id, deployment_id)
        self.served.invalidate(rest_api_id)
        return {}

    # -- stages --------------------------------------------------------------------------
    def create_stage(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        stage_name: str,
        deployment_id: str,
        description: str | None = None,
        cache_cluster_enabled: bool | None = None,
        cache_cluster_size: str | None = None,
        variables: dict[str, str] | None = None,
        documentation_version: str | None = None,
        tracing_enabled: bool | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        self._deployment(rest_api_id, deployment_id)
        if self.store.stage(rest_api_id, stage_name) is not None:
            raise conflict("Stage already exists")
        stage = self._new_stage(
            stage_name,
            deployment_id,
            description=description,
            cacheClusterEnabled=cache_cluster_enabled,
            cacheClusterSize=cache_cluster_size,
            variables=variables,
            documentationVersion=documentation_version,
            tracingEnabled=tracing_enabled,
            tags=tags or None,
        )
        self.store.put_stage(rest_api_id, stage_name, stage)
        self.served.invalidate(rest_api_id)
        return copy.deepcopy(stage)

    def get_stage(self, ctx: RequestContext, rest_api_id: str, stage_name: str) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        return self._stage(rest_api_id, stage_name)

    def get_stages(
        self, ctx: RequestContext, rest_api_id: str, deployment_id: str | None = None
    ) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        stages = self.store.stages(rest_api_id)
        if deployment_id is not None:
            stages = [s for s in stages if s["deploymentId"] == deployment_id]
        return {"item": stages}

    def update_stage(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        stage_name: str,
        patch_operations: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        stage = apply_patch(self._stage(rest_api_id, stage_name), patch_operations, STAGE_RULES)
        if self.store.deployment(rest_api_id, str(stage.get("deploymentId"))) is None:
            raise bad_request("Deployment id does not exist")
        _check_stage(stage)
        stage["lastUpdatedDate"] = self.clock.now()
        self.store.put_stage(rest_api_id, stage_name, stage)
        self.served.invalidate(rest_api_id)
        return copy.deepcopy(stage)

    def delete_stage(
        self, ctx: RequestContext, rest_api_id: str, stage_name: str
    ) -> dict[str, Any]:
        self._api(ctx, rest_api_id)
        self._stage(rest_api_id, stage_name)
        self.store.delete_stage(rest_api_id, stage_name)
        self.served.invalidate(rest_api_id)
        return {}
