"""Stages (CreateStage, GetStage, GetStages, UpdateStage, DeleteStage, DeleteRouteSettings,
DeleteAccessLogSettings) and deployments (CreateDeployment, GetDeployment,
GetDeployments, UpdateDeployment, DeleteDeployment). A stage serves the snapshot of its
deployment; stages with AutoDeploy get a new deployment after every change (`base.py`).
Mixed into the provider. Must not: see HTTP objects.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigatewayv2 import models
from tenku.services.apigatewayv2.base import DEPLOYMENT, ROUTE, STAGE, Base
from tenku.services.apigatewayv2.errors import bad_request, conflict


class Stages(Base):
    def _route_keys(self, api_id: str) -> set[str]:
        return {r["RouteKey"] for r in self.store.children(api_id, ROUTE)}

    def create_stage(
        self,
        ctx: RequestContext,
        api_id: str,
        stage_name: str,
        access_log_settings: dict[str, Any] | None = None,
        auto_deploy: bool | None = None,
        client_certificate_id: str | None = None,
        default_route_settings: dict[str, Any] | None = None,
        deployment_id: str | None = None,
        description: str | None = None,
        route_settings: dict[str, dict[str, Any]] | None = None,
        stage_variables: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        models.check_stage_name(stage_name)
        if self.store.child(api_id, STAGE, stage_name) is not None:
            raise conflict("Stage already exists")
        if deployment_id is not None:
            self._child(api_id, DEPLOYMENT, deployment_id)
        now = self.clock.now()
        doc: dict[str, Any] = {
            "StageName": stage_name,
            "AccessLogSettings": access_log_settings,
            "AutoDeploy": bool(auto_deploy) if row.doc["ProtocolType"] == models.HTTP else None,
            "ClientCertificateId": client_certificate_id,
            "CreatedDate": now,
            "LastUpdatedDate": now,
            "DefaultRouteSettings": {
                "DetailedMetricsEnabled": False,
                **(default_route_settings or {}),
            },
            "DeploymentId": deployment_id,
            "Description": description,
            "RouteSettings": route_settings or {},
            "StageVariables": stage_variables or {},
            "Tags": tags or {},
        }
        doc = {k: v for k, v in doc.items() if v is not None}
        models.check_stage_settings(doc, self._route_keys(api_id))
        with self.store.transaction():
            self.store.put_child(api_id, STAGE, stage_name, doc)
            if doc.get("AutoDeploy"):
                self._auto_deploy(api_id, stage_name)
        return models.public(self._child(api_id, STAGE, stage_name))

    def get_stage(self, ctx: RequestContext, api_id: str, stage_name: str) -> dict[str, Any]:
        self._api(ctx, api_id)
        return models.public(self._child(api_id, STAGE, stage_name))

    def get_stages(
        self,
        ctx: RequestContext,
        api_id: str,
        max_results: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        return self._page(api_id, STAGE, max_results, next_token)

    def update_stage(
        self,
        ctx: RequestContext,
        api_id: str,
        stage_name: str,
        access_log_settings: dict[str, Any] | None = None,
        auto_deploy: bool | None = None,
        client_certificate_id: str | None = None,
        default_route_settings: dict[str, Any] | None = None,
        deployment_id: str | None = None,
        description: str | None = None,
        route_settings: dict[str, dict[str, Any]] | None = None,
        stage_variables: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        doc = self._child(api_id, STAGE, stage_name)
        if deployment_id is not None:
            if doc.get("AutoDeploy") and auto_deploy is not False:
                raise bad_request("A deployment can't be set on a stage with AutoDeploy enabled.")
            self._child(api_id, DEPLOYMENT, deployment_id)
            doc["DeploymentId"] = deployment_id
        if auto_deploy is not None and row.doc["ProtocolType"] == models.HTTP:
            doc["AutoDeploy"] = auto_deploy
        if default_route_settings is not None:
            doc["DefaultRouteSettings"] = {
                **doc.get("DefaultRouteSettings", {}),
                **default_route_settings,
            }
        if route_settings is not None:
            merged = dict(doc.get("RouteSettings", {}))
            for key, settings in route_settings.items():
                merged[key] = {**merged.get(key, {}), **settings}
            doc["RouteSettings"] = merged
        if stage_variables is not None:
            # as in AWS, variables are merged; an empty value removes one
            variables = {**doc.get("StageVariables", {}), **stage_variables}
            doc["StageVariables"] = {k: v for k, v in variables.items() if v != ""}
        changes = {
            "AccessLogSettings": access_log_settings,
            "ClientCertificateId": client_certificate_id,
            "Description": description,
        }
        doc.update({k: v for k, v in changes.items() if v is not None})
        models.check_stage_settings(doc, self._route_keys(api_id))
        doc["LastUpdatedDate"] = self.clock.now()
        with self.store.transaction():
            self.store.put_child(api_id, STAGE, stage_name, doc)
            if auto_deploy:
                self._auto_deploy(api_id, stage_name)
        return models.public(self._child(api_id, STAGE, stage_name))

    def delete_stage(self, ctx: RequestContext, api_id: str, stage_name: str) -> dict[str, Any]:
        self._api(ctx, api_id)
        self._child(api_id, STAGE, stage_name)
        self.store.delete_child(api_id, STAGE, stage_name)
        return {}

    def delete_route_settings(
        self, ctx: RequestContext, api_id: str, stage_name: str, route_key: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        doc = self._child(api_id, STAGE, stage_name)
        settings = doc.get("RouteSettings", {})
        if route_key not in settings:
            raise bad_request(f"Unable to find route settings for route key {route_key}")
        del settings[route_key]
        self.store.put_child(api_id, STAGE, stage_name, doc)
        return {}

    def delete_access_log_settings(
        self, ctx: RequestContext, api_id: str, stage_name: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        doc = self._child(api_id, STAGE, stage_name)
        doc.pop("AccessLogSettings", None)
        self.store.put_child(api_id, STAGE, stage_name, doc)
        return {}

    # -- deployments ---------------------------------------------------------------------
    def create_deployment(
        self,
        ctx: RequestContext,
        api_id: str,
        description: str | None = None,
        stage_name: str | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        stage = self._child(api_id, STAGE, stage_name) if stage_name else None
        with self.store.transaction():
            deployment = self._new_deployment(row, description, auto=False)
            if stage is not None:
                self._point_stage(api_id, stage, deployment["DeploymentId"], None)
        return self._deployment_answer(deployment)

    @staticmethod
    def _deployment_answer(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in models.public(doc).items() if v is not None}

    def get_deployment(
        self, ctx: RequestContext, api_id: str, deployment_id: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        return self._deployment_answer(self._child(api_id, DEPLOYMENT, deployment_id))

    def get_deployments(
        self,
        ctx: RequestContext,
        api_id: str,
        max_results: str | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        page = self._page(api_id, DEPLOYMENT, max_results, next_token)
        page["Items"] = [self._deployment_answer(d) for d in page["Items"]]
        return page

    def update_deployment(
        self, ctx: RequestContext, api_id: str, deployment_id: str, description: str | None = None
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        doc = self._child(api_id, DEPLOYMENT, deployment_id)
        if description is not None:
            doc["Description"] = description
            self.store.put_child(api_id, DEPLOYMENT, deployment_id, doc)
        return self._deployment_answer(doc)

    def delete_deployment(
        self, ctx: RequestContext, api_id: str, deployment_id: str
    ) -> dict[str, Any]:
        self._api(ctx, api_id)
        self._child(api_id, DEPLOYMENT, deployment_id)
        if any(s.get("DeploymentId") == deployment_id for s in self.store.children(api_id, STAGE)):
            raise bad_request("Active stages pointing to this deployment must be moved or deleted")
        self.store.delete_child(api_id, DEPLOYMENT, deployment_id)
        return {}
