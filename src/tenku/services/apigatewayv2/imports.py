"""ImportApi, ReimportApi and ExportApi: OpenAPI definitions in and out (the translation
is in `openapi.py` and `openapi_export.py`). An import creates the authorizers,
integrations and routes with the same validation as the API operations; a reimport
replaces an API's routes, integrations, authorizers and CORS configuration and keeps its
stages and deployments (auto-deploying stages deploy the result). Mixed into the
provider. Must not: see HTTP objects.
"""

from __future__ import annotations

import json
from typing import Any

from tenku.core.context import RequestContext
from tenku.services.apigatewayv2 import models, openapi
from tenku.services.apigatewayv2.apis import API_KEY_SELECTION, HTTP_ROUTE_SELECTION, Apis
from tenku.services.apigatewayv2.base import (
    AUTHORIZER,
    DEPLOYMENT,
    INTEGRATION,
    INTRESP,
    ROUTE,
    STAGE,
)
from tenku.services.apigatewayv2.errors import bad_request
from tenku.services.apigatewayv2.openapi_export import export_document
from tenku.services.apigatewayv2.routes import Routes
from tenku.services.apigatewayv2.store import ApiRow


class Imports(Apis, Routes):
    def _plan(
        self, body: str, basepath: str | None, fail_on_warnings: bool | None
    ) -> openapi.ImportPlan:
        plan = openapi.translate(openapi.load_document(body), basepath)
        if fail_on_warnings and plan.warnings:
            raise bad_request("Warnings found during import:\n\t" + "\n\t".join(plan.warnings))
        return plan

    def _apply_plan(self, api_id: str, plan: openapi.ImportPlan) -> None:
        """Create the plan's authorizers, integrations and routes in API `api_id`."""
        scheme_ids: dict[str, str] = {}
        for raw in plan.authorizers:
            doc = {k: v for k, v in raw.items() if not k.startswith("_")}
            doc["AuthorizerId"] = models.new_id(6)
            doc = models.check_authorizer(models.HTTP, doc)
            scheme_ids[raw["_Scheme"]] = doc["AuthorizerId"]
            self.store.put_child(api_id, AUTHORIZER, doc["AuthorizerId"], doc)
        integration_ids: list[str] = []
        for raw in plan.integrations:
            doc = dict(raw, IntegrationId=models.new_id(7))
            doc = models.check_integration(models.HTTP, doc)
            integration_ids.append(doc["IntegrationId"])
            self.store.put_child(api_id, INTEGRATION, doc["IntegrationId"], doc)
        for raw in plan.routes:
            doc = {k: v for k, v in raw.items() if not k.startswith("_")}
            doc["RouteId"] = models.new_id(7)
            if "_Integration" in raw:
                doc["Target"] = f"integrations/{integration_ids[raw['_Integration']]}"
            if raw.get("_Scheme"):
                doc["AuthorizerId"] = scheme_ids[raw["_Scheme"]]
            doc = self._check_route(api_id, models.HTTP, doc)
            self.store.put_child(api_id, ROUTE, doc["RouteId"], doc)

    def _import_info(self, plan: openapi.ImportPlan) -> dict[str, Any]:
        info = [f"Imported {len(plan.routes)} routes, {len(plan.integrations)} integrations"
                f" and {len(plan.authorizers)} authorizers."]  # fmt: skip
        return {"ImportInfo": info, "Warnings": plan.warnings or None}

    def import_api(
        self,
        ctx: RequestContext,
        body: str,
        basepath: str | None = None,
        fail_on_warnings: bool | None = None,
    ) -> dict[str, Any]:
        plan = self._plan(body, basepath, fail_on_warnings)
        doc: dict[str, Any] = {
            "ApiId": models.new_id(10),
            "Name": plan.name,
            "ProtocolType": models.HTTP,
            "ApiKeySelectionExpression": API_KEY_SELECTION,
            "RouteSelectionExpression": HTTP_ROUTE_SELECTION,
            "CreatedDate": self.clock.now(),
            "Description": plan.description,
            "DisableExecuteApiEndpoint": bool(plan.disable_execute_api_endpoint),
            "IpAddressType": "ipv4",
            "Tags": plan.tags,
            "Version": plan.version,
        }
        if plan.cors is not None:
            doc["CorsConfiguration"] = models.check_cors(plan.cors)
        doc = {k: v for k, v in doc.items() if v is not None}
        with self.store.transaction():
            self.store.create_api(ctx.scope, doc["ApiId"], doc)
            self._apply_plan(doc["ApiId"], plan)
        answer = self._api_answer(ApiRow(doc["ApiId"], ctx.scope, doc))
        answer.update(self._import_info(plan))
        return answer

    def reimport_api(
        self,
        ctx: RequestContext,
        api_id: str,
        body: str,
        basepath: str | None = None,
        fail_on_warnings: bool | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        if row.doc["ProtocolType"] != models.HTTP:
            raise bad_request("ReimportApi is supported only for HTTP APIs.")
        plan = self._plan(body, basepath, fail_on_warnings)
        doc = row.doc
        doc.update(
            Name=plan.name, DisableExecuteApiEndpoint=bool(plan.disable_execute_api_endpoint)
        )
        for key, value in (("Description", plan.description), ("Version", plan.version)):
            if value is None:
                doc.pop(key, None)
            else:
                doc[key] = value
        if plan.cors is None:
            doc.pop("CorsConfiguration", None)
        else:
            doc["CorsConfiguration"] = models.check_cors(plan.cors)
        doc["Tags"] = {**doc.get("Tags", {}), **plan.tags}
        with self.store.transaction():
            for kind in (ROUTE, INTRESP, INTEGRATION, AUTHORIZER):
                self.store.delete_children(api_id, kind)
            self.store.save_api(api_id, doc)
            self._apply_plan(api_id, plan)
            self._changed(api_id)
        answer = self._api_answer(row)
        answer.update(self._import_info(plan))
        return answer

    def export_api(
        self,
        ctx: RequestContext,
        api_id: str,
        specification: str,
        output_type: str,
        export_version: str | None = None,
        include_extensions: bool | None = None,
        stage_name: str | None = None,
    ) -> dict[str, Any]:
        row = self._api(ctx, api_id)
        if row.doc["ProtocolType"] != models.HTTP:
            raise bad_request("Export is supported only for HTTP APIs.")
        if specification != "OAS30":
            raise bad_request(f"Unsupported specification {specification}. Supported: OAS30.")
        if output_type not in ("JSON", "YAML"):
            raise bad_request(f"Unsupported output type {output_type}. Supported: JSON, YAML.")
        if export_version not in (None, "1.0"):
            raise bad_request(f"Unsupported export version {export_version}. Supported: 1.0.")
        api = dict(row.doc)
        if stage_name is not None:
            stage = self._child(api_id, STAGE, stage_name)
            if not stage.get("DeploymentId"):
                raise bad_request(f"Stage {stage_name} has no deployment to export.")
            snapshot = self._child(api_id, DEPLOYMENT, stage["DeploymentId"])["_Snapshot"]
            api.pop("CorsConfiguration", None)
            api.update(snapshot["Api"])
            routes, integrations, authorizers = (
                snapshot["Routes"], snapshot["Integrations"], snapshot["Authorizers"]
            )  # fmt: skip
        else:
            routes = self.store.children(api_id, ROUTE)
            integrations = self.store.children(api_id, INTEGRATION)
            authorizers = self.store.children(api_id, AUTHORIZER)
        document = export_document(
            api,
            routes,
            integrations,
            authorizers,
            endpoint=models.api_endpoint(api_id, models.HTTP, self.endpoint_url),
            stage=stage_name,
            extensions=include_extensions is not False,
        )
        if output_type == "YAML":
            try:
                import yaml
            except ImportError:
                raise bad_request("YAML exports need PyYAML installed; ask for JSON.") from None
            return {"body": yaml.safe_dump(document, sort_keys=False).encode()}
        return {"body": json.dumps(document, indent=2).encode()}
