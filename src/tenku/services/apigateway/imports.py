"""Importing and exporting definitions: ImportRestApi, PutRestApi (mode overwrite or
merge) and a minimal GetExport (oas30 or swagger JSON of a stage's deployment).

An import builds the whole new working copy first and stores it in one write, so a
definition with errors changes nothing. Mixed into the provider.
Must not: parse definitions itself (`openapi.py` does).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.apigateway import models, openapi
from tenku.services.apigateway.errors import bad_request, stage_not_found
from tenku.services.apigateway.resources import children
from tenku.services.apigateway.restapis import RestApis, check_api
from tenku.services.apigateway.store import Doc

_VERBS_OUT = {"ANY": "x-amazon-apigateway-any-method"}


def _ensure_path(doc: Doc, path: str, errors: list[str]) -> Doc | None:
    """The resource at `path`, created (with its missing ancestors) if need be."""
    node = doc["resources"][doc["api"]["rootResourceId"]]
    for part in [p for p in path.split("/") if p]:
        found = next((c for c in children(doc, node["id"]) if c.get("pathPart") == part), None)
        if found is None:
            try:
                models.validate_path_part(part)
            except ServiceError as error:  # reported with its path
                errors.append(f"Unable to create resource at path '{path}': {error.message}")
                return None
            if models.is_greedy(node.get("pathPart") or ""):
                errors.append(
                    f"Unable to create resource at path '{path}': A greedy path variable "
                    "must be the last part of a path"
                )
                return None
            resource_id = models.new_id(6)
            found = {
                "id": resource_id,
                "parentId": node["id"],
                "pathPart": part,
                "path": models.child_path(node["path"], part),
            }
            doc["resources"][resource_id] = found
        node = found
    result: Doc = node
    return result


def apply_definition(doc: Doc, imported: openapi.ImportedApi, overwrite: bool) -> Doc:
    """A new working copy: `doc` with the definition applied (replaced or merged)."""
    result = copy.deepcopy(doc)
    root_id = result["api"]["rootResourceId"]
    if overwrite:
        result["resources"] = {root_id: {"id": root_id, "path": "/"}}
        result["authorizers"] = {}
        for key in ("description", "binaryMediaTypes", "policy"):
            result["api"].pop(key, None)
    result["api"].update(copy.deepcopy(imported.members))
    by_name = {a["name"]: a["id"] for a in result["authorizers"].values()}
    for authorizer in imported.authorizers:
        authorizer_id = by_name.get(authorizer["name"]) or models.new_id(6)
        by_name[authorizer["name"]] = authorizer_id
        result["authorizers"][authorizer_id] = {**copy.deepcopy(authorizer), "id": authorizer_id}
    errors: list[str] = []
    for authorizer in result["authorizers"].values():
        try:
            models.check_authorizer(authorizer)
        except ServiceError as error:
            errors.append(f"Unable to create authorizer '{authorizer['name']}': {error.message}")
    for path in imported.paths:
        _ensure_path(result, path, errors)
    for entry in imported.methods:
        resource = _ensure_path(result, entry.path, errors)
        if resource is None:
            continue
        method = copy.deepcopy(entry.method)
        verb = method["httpMethod"]
        if "authorizerId" in method:
            method["authorizerId"] = by_name[method["authorizerId"]]
        integration = method.get("methodIntegration")
        if integration is not None:
            integration.setdefault("cacheNamespace", resource["id"])
            try:
                models.check_integration(integration)
            except ServiceError as error:
                errors.append(
                    f"Unable to put integration on '{verb}' for resource at path "
                    f"'{entry.path}': {error.message}"
                )
        resource.setdefault("resourceMethods", {})[verb] = method
    if errors:
        raise bad_request("Errors found during import:\n\t" + "\n\t".join(errors))
    return result


def export_definition(api: Doc, snapshot: Doc, stage_name: str, kind: str, extensions: str) -> Doc:
    """A minimal OpenAPI 3 or Swagger 2.0 document of a deployment's snapshot."""
    with_integrations = any(e in extensions for e in ("integrations", "apigateway"))
    with_authorizers = any(e in extensions for e in ("authorizers", "apigateway"))
    paths: Doc = {}
    for resource in sorted(snapshot.get("resources", {}).values(), key=lambda r: r["path"]):
        item: Doc = {}
        for verb, method in sorted((resource.get("resourceMethods") or {}).items()):
            operation: Doc = {
                "responses": {code: {"description": f"{code} response"}
                              for code in (method.get("methodResponses") or {})}
            }  # fmt: skip
            if method.get("operationName"):
                operation["operationId"] = method["operationName"]
            if method.get("authorizerId") and with_authorizers:
                name = snapshot["authorizers"].get(method["authorizerId"], {}).get("name")
                operation["security"] = [{name: []}]
            integration = method.get("methodIntegration")
            if integration and with_integrations:
                out = {k: v for k, v in integration.items() if k != "integrationResponses"}
                out["type"] = str(out["type"]).lower()
                out["responses"] = {
                    (r.get("selectionPattern") or "default"): {
                        k: v for k, v in r.items() if k != "selectionPattern"
                    }
                    for r in (integration.get("integrationResponses") or {}).values()
                }
                operation["x-amazon-apigateway-integration"] = out
            item[_VERBS_OUT.get(verb, verb.lower())] = operation
        paths[resource["path"]] = item
    schemes = {
        a["name"]: {
            "type": "apiKey",
            "name": str(a.get("identitySource", "")).rsplit(".", 1)[-1] or "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": a.get("authType", "custom"),
            "x-amazon-apigateway-authorizer": {
                k: (str(v).lower() if k == "type" else v)
                for k, v in a.items()
                if k not in ("id", "name", "authType")
            },
        }
        for a in snapshot.get("authorizers", {}).values()
    }
    info = {"title": api.get("name"), "version": api.get("version") or str(api.get("createdDate"))}
    if kind == "swagger":
        document: Doc = {"swagger": "2.0", "info": info, "basePath": f"/{stage_name}",
                         "schemes": ["https"], "paths": paths}  # fmt: skip
        if schemes and with_authorizers:
            document["securityDefinitions"] = schemes
    else:
        document = {"openapi": "3.0.1", "info": info,
                    "servers": [{"variables": {"basePath": {"default": stage_name}}}],
                    "paths": paths}  # fmt: skip
        if schemes and with_authorizers:
            document["components"] = {"securitySchemes": schemes}
    if api.get("binaryMediaTypes") and with_integrations:
        document["x-amazon-apigateway-binary-media-types"] = api["binaryMediaTypes"]
    return document


class Imports(RestApis):
    def _imported(
        self, body: bytes, fail_on_warnings: bool | None, parameters: dict[str, str] | None
    ) -> openapi.ImportedApi:
        imported = openapi.read_definition(openapi.parse_definition(body), parameters)
        if fail_on_warnings and imported.warnings:
            raise bad_request("Warnings found during import:\n\t" + "\n\t".join(imported.warnings))
        return imported

    def _with_warnings(self, doc: Doc, imported: openapi.ImportedApi) -> dict[str, Any]:
        out = self._shown(doc["api"])
        if imported.warnings:
            out["warnings"] = list(imported.warnings)
        return out

    def import_rest_api(
        self,
        ctx: RequestContext,
        body: bytes,
        fail_on_warnings: bool | None = None,
        parameters: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        imported = self._imported(body, fail_on_warnings, parameters)
        if not imported.members.get("name"):
            raise bad_request("Invalid OpenAPI input: the definition has no info.title")
        types = (parameters or {}).get("endpointConfigurationTypes")
        doc = self.new_api_doc(
            imported.members["name"],
            endpointConfiguration={"types": [types.upper()]} if types else None,
        )
        doc = apply_definition(doc, imported, overwrite=True)
        check_api(doc["api"])
        self.store.add_api(ctx.scope, doc["api"]["id"], doc)
        return self._with_warnings(doc, imported)

    def put_rest_api(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        body: bytes,
        mode: str | None = None,
        fail_on_warnings: bool | None = None,
        parameters: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        imported = self._imported(body, fail_on_warnings, parameters)
        doc = apply_definition(doc, imported, overwrite=(mode or "merge") == "overwrite")
        check_api(doc["api"])
        self._save(rest_api_id, doc)
        return self._with_warnings(doc, imported)

    def get_export(
        self,
        ctx: RequestContext,
        rest_api_id: str,
        stage_name: str,
        export_type: str,
        parameters: dict[str, str] | None = None,
        accepts: str | None = None,
    ) -> dict[str, Any]:
        doc = self._api(ctx, rest_api_id)
        stage = self.store.stage(rest_api_id, stage_name)
        if stage is None:
            raise stage_not_found()
        if export_type not in ("oas30", "swagger"):
            raise bad_request(f"Invalid export type specified: {export_type}")
        deployment = self.store.deployment(rest_api_id, stage["deploymentId"]) or {}
        extensions = (parameters or {}).get("extensions", "")
        document = export_definition(
            doc["api"], deployment.get("_snapshot", {}), stage_name, export_type, extensions
        )
        if accepts == "application/yaml":
            yaml = openapi.optional_yaml()
            if yaml is None:
                raise bad_request("YAML exports are not available")
            body = yaml.safe_dump(document, sort_keys=False).encode()
        else:
            body = json.dumps(document, indent=2).encode()
        suffix = "yaml" if accepts == "application/yaml" else "json"
        return {
            "body": body,
            "contentType": "application/octet-stream",
            "contentDisposition": f'attachment; filename="{export_type}_{stage_name}.{suffix}"',
        }
