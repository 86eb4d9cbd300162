"""What every part of the API Gateway V2 provider shares: finding an API or a child in
the caller's scope, the API's answer shape, deployments (a snapshot of the routes,
integrations, authorizers and CORS configuration) and auto-deploy after every change.

Mixins (`apis.py`, `routes.py`, ...) build on this class. Must not: see HTTP objects.
"""

from __future__ import annotations

from typing import Any

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.apigatewayv2 import models
from tenku.services.apigatewayv2.errors import (
    api_not_found,
    bad_request,
    child_not_found,
    deployment_not_found,
    stage_not_found,
)
from tenku.services.apigatewayv2.store import ApiGatewayV2Store, ApiRow

ROUTE, INTEGRATION, INTRESP, AUTHORIZER, STAGE, DEPLOYMENT = (
    "route",
    "integration",
    "intresp",
    "authorizer",
    "stage",
    "deployment",
)
_LABELS = {
    ROUTE: "Route",
    INTEGRATION: "Integration",
    INTRESP: "IntegrationResponse",
    AUTHORIZER: "Authorizer",
}
NO_ROUTES = "Unable to deploy API because no routes exist in this API"
# What a snapshot keeps of the API itself.
_SNAPSHOT_API_KEYS = ("ProtocolType", "Name", "CorsConfiguration", "DisableExecuteApiEndpoint")


class Base:
    def __init__(self, store: ApiGatewayV2Store, clock: Clock, endpoint_url: str) -> None:
        self.store = store
        self.clock = clock
        self.endpoint_url = endpoint_url

    # -- lookups -------------------------------------------------------------------------
    def _api(self, ctx: RequestContext, api_id: str) -> ApiRow:
        row = self.store.api(api_id)
        if row is None or row.scope != ctx.scope:
            raise api_not_found(ctx.scope.account, api_id)
        return row

    def _child(self, api_id: str, kind: str, child_id: str) -> dict[str, Any]:
        doc = self.store.child(api_id, kind, child_id)
        if doc is None:
            if kind == STAGE:
                raise stage_not_found()
            if kind == DEPLOYMENT:
                raise deployment_not_found(child_id)
            raise child_not_found(_LABELS[kind], child_id)
        return doc

    def _api_answer(self, row: ApiRow) -> dict[str, Any]:
        out = models.public(row.doc)
        out["ApiEndpoint"] = models.api_endpoint(
            row.api_id, row.doc["ProtocolType"], self.endpoint_url
        )
        return out

    def _page(
        self, api_id: str, kind: str, max_results: str | None, next_token: str | None
    ) -> dict[str, Any]:
        after, size = models.page_request(max_results, next_token)
        rows = self.store.children_page(api_id, kind, after, size + 1)
        items, token = models.page_answer(rows, size)
        return {"Items": [models.public(doc) for doc in items], "NextToken": token}

    # -- deployments ---------------------------------------------------------------------
    def _snapshot(self, row: ApiRow) -> dict[str, Any]:
        api_id = row.api_id
        return {
            "Api": {k: row.doc[k] for k in _SNAPSHOT_API_KEYS if k in row.doc},
            "Routes": [models.public(d) for d in self.store.children(api_id, ROUTE)],
            "Integrations": [models.public(d) for d in self.store.children(api_id, INTEGRATION)],
            "Authorizers": [models.public(d) for d in self.store.children(api_id, AUTHORIZER)],
        }

    def _new_deployment(
        self, row: ApiRow, description: str | None, *, auto: bool
    ) -> dict[str, Any]:
        """Snapshot the API as it is now; BadRequest if it has no routes."""
        snapshot = self._snapshot(row)
        if row.doc["ProtocolType"] == models.HTTP and not snapshot["Routes"]:
            raise bad_request(NO_ROUTES)
        deployment_id = models.new_id(6)
        doc: dict[str, Any] = {
            "DeploymentId": deployment_id,
            "CreatedDate": self.clock.now(),
            "DeploymentStatus": "DEPLOYED",
            "AutoDeployed": auto,
            "Description": description,
            "_Snapshot": snapshot,
        }
        self.store.put_child(row.api_id, DEPLOYMENT, deployment_id, doc)
        return doc

    def _point_stage(
        self, api_id: str, stage: dict[str, Any], deployment_id: str, message: str | None
    ) -> None:
        stage["DeploymentId"] = deployment_id
        stage["LastUpdatedDate"] = self.clock.now()
        if message is not None:
            stage["LastDeploymentStatusMessage"] = message
        self.store.put_child(api_id, STAGE, stage["StageName"], stage)

    def _auto_deploy(self, api_id: str, stage_name: str | None = None) -> None:
        """Deploy the API to every stage with AutoDeploy (or just `stage_name`), as API
        Gateway does after each change to an HTTP API."""
        row = self.store.api(api_id)
        if row is None:
            return
        stages = [
            s
            for s in self.store.children(api_id, STAGE)
            if s.get("AutoDeploy") and (stage_name is None or s["StageName"] == stage_name)
        ]
        if not stages:
            return
        try:
            deployment = self._new_deployment(row, None, auto=True)
        except ServiceError as error:  # no routes yet: the stages say so, as in AWS
            message = f"Deployment attempt failed: {error.message}"
            for stage in stages:
                stage["LastDeploymentStatusMessage"] = message
                stage["LastUpdatedDate"] = self.clock.now()
                self.store.put_child(api_id, STAGE, stage["StageName"], stage)
            return
        deployment_id = deployment["DeploymentId"]
        message = f"Successfully deployed stage with deployment ID '{deployment_id}'"
        for stage in stages:
            self._point_stage(api_id, stage, deployment_id, message)

    def _changed(self, api_id: str) -> None:
        """The API's configuration changed: auto-deploying stages get a new deployment."""
        self._auto_deploy(api_id)
