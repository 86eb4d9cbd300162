"""Lambda layers: publishing, listing, getting and deleting layer versions, their
permission policies, and what functions do with them (checking the `Layers` a function
names and handing the engine the function's `/opt`). Mixed into `LambdaProvider`.

A layer version is a JSON document in `LambdaStore` (the GetLayerVersion output shape,
less `Content.Location`, plus private `_` keys), its zip a blob, its files unpacked once
under `work_dir` (see `opt.py`). Must not: import the engine or see HTTP objects.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.functions import FunctionSpec
from tenku.core.ids import new_uuid
from tenku.core.scope import Scope
from tenku.services.lambda_ import code, models, opt
from tenku.services.lambda_.errors import (
    MAX_ZIP_UPLOAD,
    conflict,
    invalid_parameter,
    not_found,
    precondition_failed,
    request_too_large,
)
from tenku.services.lambda_.invocation import Invocations
from tenku.services.lambda_.store import FunctionRow

MAX_LAYERS = 5
_LAYER_ARN = re.compile(
    r"arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)(?::([0-9]+))?"
)
_LISTED = ("LayerVersionArn", "Version", "Description", "CreatedDate")
_OPTIONAL = ("CompatibleArchitectures", "CompatibleRuntimes", "LicenseInfo")


def _missing() -> ServiceError:
    return not_found("The resource you requested does not exist.")


def _absent(arn: str) -> ServiceError:
    return invalid_parameter(f"Layer version {arn} does not exist.")


def unzipped_size(zip_bytes: bytes | None) -> int:
    """The bytes a zip unpacks to (0 for something that is not a zip: that error is
    reported where the zip itself is checked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(bytes(zip_bytes or b""))) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return 0


def layer_target(scope: Scope, layer_name: str) -> tuple[Scope, str]:
    """The scope and name a LayerName member (a name or a layer ARN) points at."""
    match = _LAYER_ARN.fullmatch(layer_name or "")
    if match and match.group(4) is None:
        return Scope(match.group(2), match.group(1)), match.group(3)
    return scope, layer_name


def parse_version_arn(arn: str) -> tuple[Scope, str, int] | None:
    match = _LAYER_ARN.fullmatch(arn or "")
    if match is None or match.group(4) is None:
        return None
    return Scope(match.group(2), match.group(1)), match.group(3), int(match.group(4))


def _statement(
    sid: str, principal: str, organization_id: str | None, resource: str
) -> dict[str, Any]:
    if principal != "*" and not principal.startswith("arn:"):
        principal = f"arn:aws:iam::{principal}:root"
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal if principal == "*" else {"AWS": principal},
        "Action": "lambda:GetLayerVersion",
        "Resource": resource,
    }
    if organization_id:
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
    return statement


def _policy_text(statements: list[dict[str, Any]]) -> str:
    document = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
    return json.dumps(document, separators=(",", ":"))


class Layers(Invocations):
    # -- the layer API -----------------------------------------------------------------------
    def publish_layer_version(
        self,
        ctx: RequestContext,
        layer_name: str,
        content: dict[str, Any],
        description: str | None = None,
        compatible_runtimes: list[str] | None = None,
        license_info: str | None = None,
        compatible_architectures: list[str] | None = None,
    ) -> dict[str, Any]:
        scope, name = layer_target(ctx.scope, layer_name)
        content = content or {}
        zip_file = content.get("ZipFile")
        if zip_file is None:
            if content.get("S3Bucket") or content.get("S3Key"):
                raise invalid_parameter("Tenku accepts layer content only as ZipFile for now.")
            raise invalid_parameter("Please provide a source for layer content.")
        data = bytes(zip_file)
        if len(data) > MAX_ZIP_UPLOAD:
            raise request_too_large("PublishLayerVersion", MAX_ZIP_UPLOAD)
        code.check(data)
        package = code.describe(data)
        layer_arn = scope.arn("lambda", f"layer:{name}")
        document: dict[str, Any] = {
            "LayerName": name,
            "LayerArn": layer_arn,
            "Description": description or "",
            "CreatedDate": models.timestamp(self.clock.now()),
            "CodeSha256": package.sha256_b64,
            "CodeSize": package.size,
            "_Unzipped": unzipped_size(data),
        }
        for key, value in zip(
            _OPTIONAL, (compatible_architectures, compatible_runtimes, license_info), strict=True
        ):
            if value:
                document[key] = list(value) if isinstance(value, list) else value
        with self.store.transaction():
            number = self.store.add_layer_version(scope, name, document)
            document["Version"] = number
            self.store.put_layer_zip(scope, name, number, data)
        code.unpack(data, self._layer_path(scope, name, number))
        return self._layer_shown(scope, document)

    def get_layer_version(
        self, ctx: RequestContext, layer_name: str, version_number: int
    ) -> dict[str, Any]:
        scope, name = layer_target(ctx.scope, layer_name)
        return self._layer_shown(scope, self._live_layer(scope, name, version_number))

    def get_layer_version_by_arn(self, ctx: RequestContext, arn: str) -> dict[str, Any]:
        parsed = parse_version_arn(arn)
        if parsed is None:
            raise _missing()
        scope, name, number = parsed
        return self._layer_shown(scope, self._live_layer(scope, name, number))

    def list_layer_versions(
        self,
        ctx: RequestContext,
        layer_name: str,
        compatible_runtime: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
        compatible_architecture: str | None = None,
    ) -> dict[str, Any]:
        scope, name = layer_target(ctx.scope, layer_name)
        items = [
            _listed(doc)
            for doc in self.store.layer_versions(scope, name)
            if _matches(doc, compatible_runtime, compatible_architecture)
        ]
        return models.page_of("LayerVersions", items, marker, max_items)

    def list_layers(
        self,
        ctx: RequestContext,
        compatible_runtime: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
        compatible_architecture: str | None = None,
    ) -> dict[str, Any]:
        latest: dict[str, dict[str, Any]] = {}
        for doc in self.store.layer_versions(ctx.scope):  # by name, newest first
            if doc["LayerName"] not in latest and _matches(
                doc, compatible_runtime, compatible_architecture
            ):
                latest[doc["LayerName"]] = doc
        items = [
            {"LayerName": doc["LayerName"], "LayerArn": doc["LayerArn"],
             "LatestMatchingVersion": _listed(doc)}
            for doc in latest.values()
        ]  # fmt: skip
        return models.page_of("Layers", items, marker, max_items)

    def delete_layer_version(
        self, ctx: RequestContext, layer_name: str, version_number: int
    ) -> dict[str, Any]:
        """Idempotent, as Lambda's: deleting what is not there succeeds. Functions that
        use the version keep a copy (the hidden row, the zip and the unpacked files)."""
        scope, name = layer_target(ctx.scope, layer_name)
        doc = self.store.layer_version(scope, name, version_number)
        if doc is None:
            return {}
        arn = self._version_arn(scope, name, version_number)
        keep = self.store.layer_in_use(arn)
        self.store.delete_layer_version(scope, name, version_number, keep=keep)
        if not keep:
            self.store.delete_layer_zip(scope, name, version_number)
            opt.remove_layer(self.work_dir, scope.account, scope.region, name, version_number)
        return {}

    # -- permissions -------------------------------------------------------------------------
    def add_layer_version_permission(
        self,
        ctx: RequestContext,
        layer_name: str,
        version_number: int,
        statement_id: str,
        action: str,
        principal: str,
        organization_id: str | None = None,
        revision_id: str | None = None,
    ) -> dict[str, Any]:
        scope, name = layer_target(ctx.scope, layer_name)
        with self.store.transaction():
            self._live_layer(scope, name, version_number)
            policy = self.store.layer_policy(scope, name, version_number) or {}
            self._check_layer_policy_revision(policy, revision_id)
            statements: list[dict[str, Any]] = list(policy.get("Statement") or [])
            if any(s.get("Sid") == statement_id for s in statements):
                raise conflict(
                    f"The statement id ({statement_id}) provided already exists. "
                    "Please provide a new statement id, or remove the existing statement."
                )
            if organization_id and principal != "*":
                raise invalid_parameter(
                    "OrganizationId can only be specified with the principal '*'."
                )
            resource = self._version_arn(scope, name, version_number)
            statement = _statement(statement_id, principal, organization_id, resource)
            revision = new_uuid()
            self.store.set_layer_policy(
                scope,
                name,
                version_number,
                {"RevisionId": revision, "Statement": [*statements, statement]},
            )
        return {"Statement": json.dumps(statement, separators=(",", ":")), "RevisionId": revision}

    def remove_layer_version_permission(
        self,
        ctx: RequestContext,
        layer_name: str,
        version_number: int,
        statement_id: str,
        revision_id: str | None = None,
    ) -> dict[str, Any]:
        scope, name = layer_target(ctx.scope, layer_name)
        with self.store.transaction():
            self._live_layer(scope, name, version_number)
            policy = self.store.layer_policy(scope, name, version_number)
            if not policy or not policy.get("Statement"):
                raise not_found("No policy is associated with the given resource.")
            self._check_layer_policy_revision(policy, revision_id)
            kept = [s for s in policy["Statement"] if s.get("Sid") != statement_id]
            if len(kept) == len(policy["Statement"]):
                raise not_found(f"Statement {statement_id} is not found in resource policy.")
            self.store.set_layer_policy(
                scope,
                name,
                version_number,
                {"RevisionId": new_uuid(), "Statement": kept} if kept else None,
            )
        return {}

    def get_layer_version_policy(
        self, ctx: RequestContext, layer_name: str, version_number: int
    ) -> dict[str, Any]:
        scope, name = layer_target(ctx.scope, layer_name)
        self._live_layer(scope, name, version_number)
        policy = self.store.layer_policy(scope, name, version_number)
        if not policy or not policy.get("Statement"):
            raise not_found("No policy is associated with the given resource.")
        return {"Policy": _policy_text(policy["Statement"]), "RevisionId": policy["RevisionId"]}

    @staticmethod
    def _check_layer_policy_revision(policy: dict[str, Any], revision_id: str | None) -> None:
        if revision_id and revision_id != policy.get("RevisionId"):
            raise precondition_failed("GetLayerVersionPolicy")

    # -- functions that use layers -----------------------------------------------------------
    def function_layers(
        self, arns: list[str] | None, code_zip: bytes | None = None, code_bytes: int = 0
    ) -> list[dict[str, Any]] | None:
        """The `Layers` of a configuration naming `arns` (None: leave them as they are),
        checked as Lambda checks them: at most five, each an existing version, one version
        per layer, and with the function's code (`code_zip`, or `code_bytes` unzipped) at
        most 250 MB unzipped."""
        if arns is None:
            return None
        if len(arns) > MAX_LAYERS:
            raise invalid_parameter(f"Cannot reference more than {MAX_LAYERS} layers.")
        seen: dict[tuple[Scope, str], str] = {}
        listed: list[dict[str, Any]] = []
        total = code_bytes + (unzipped_size(code_zip) if code_zip is not None else 0)
        for arn in arns:
            parsed = parse_version_arn(arn)
            if parsed is None:
                raise _absent(arn)
            scope, name, number = parsed
            if (scope, name) in seen:
                raise invalid_parameter(
                    "Two different versions of the same layer are not allowed to be referenced "
                    f"in the same function. {seen[scope, name]} and {arn} are versions of the "
                    "same layer."
                )
            seen[scope, name] = arn
            doc = self.store.layer_version(scope, name, number)
            if doc is None:
                raise _absent(arn)
            total += int(doc.get("_Unzipped", 0))
            canonical = self._version_arn(scope, name, number)
            listed.append({"Arn": canonical, "CodeSize": doc["CodeSize"]})
        self._check_fits(total)
        return listed

    def check_code_fits_layers(self, config: dict[str, Any], code_zip: bytes | None) -> None:
        """UpdateFunctionCode: the new code with the function's layers stays within limits."""
        total = unzipped_size(code_zip)
        for layer in config.get("Layers") or []:
            parsed = parse_version_arn(str(layer["Arn"]))
            doc = self.store.layer_version(*parsed, deleted=True) if parsed else None
            total += int((doc or {}).get("_Unzipped", 0))
        if config.get("Layers"):
            self._check_fits(total)

    @staticmethod
    def _check_fits(total: int) -> None:
        if total > code.MAX_UNZIPPED:
            raise invalid_parameter(
                "Function code combined with layers exceeds the maximum allowed size of "
                f"{code.MAX_UNZIPPED} bytes. The actual size is {total} bytes."
            )

    def spec_for(self, fn: FunctionRow, config: dict[str, Any]) -> FunctionSpec:
        spec = super().spec_for(fn, config)
        arns = [str(layer["Arn"]) for layer in config.get("Layers") or []]
        if not arns:
            return spec
        unpacked = [(arn, self._unpacked_layer(arn)) for arn in arns]
        return spec._replace(layer_dirs=(str(opt.opt_dir(self.work_dir, unpacked)),))

    def _unpacked_layer(self, arn: str) -> Path:
        """A layer version's files, unpacked again from storage if the work dir lost them
        (also for a version deleted since: the function keeps its copy)."""
        parsed = parse_version_arn(arn)
        if parsed is None:
            raise _absent(arn)
        scope, name, number = parsed
        path = self._layer_path(scope, name, number)
        if not path.is_dir():
            data = self.store.get_layer_zip(scope, name, number)
            if data is None:
                raise _absent(arn)
            code.unpack(data, path)
        return path

    # -- helpers -----------------------------------------------------------------------------
    def layer_zip(self, scope: Scope, name: str, version: int) -> bytes | None:
        """The zip behind a layer version's Content.Location (for the gateway to serve)."""
        if self.store.layer_version(scope, name, version) is None:
            return None
        return self.store.get_layer_zip(scope, name, version)

    def _layer_path(self, scope: Scope, name: str, version: int) -> Path:
        return opt.layer_dir(self.work_dir, scope.account, scope.region, name, version)

    @staticmethod
    def _version_arn(scope: Scope, name: str, version: int) -> str:
        return scope.arn("lambda", f"layer:{name}:{version}")

    def _live_layer(self, scope: Scope, name: str, version: int) -> dict[str, Any]:
        doc = self.store.layer_version(scope, name, version)
        if doc is None:
            raise _missing()
        return doc

    def _layer_shown(self, scope: Scope, doc: dict[str, Any]) -> dict[str, Any]:
        name, number = str(doc["LayerName"]), int(doc["Version"])
        base = self.endpoint_url.rstrip("/")
        out: dict[str, Any] = {
            "Content": {
                "Location": f"{base}/_tenku/lambda/layers/{scope.account}/{scope.region}/"
                f"{name}/{number}.zip",
                "CodeSha256": doc["CodeSha256"],
                "CodeSize": doc["CodeSize"],
            },
            "LayerArn": doc["LayerArn"],
            "LayerVersionArn": f"{doc['LayerArn']}:{number}",
            "Description": doc.get("Description", ""),
            "CreatedDate": doc["CreatedDate"],
            "Version": number,
        }
        out.update({key: doc[key] for key in _OPTIONAL if key in doc})
        return out


def _listed(doc: dict[str, Any]) -> dict[str, Any]:
    """A LayerVersionsListItem (also ListLayers' LatestMatchingVersion)."""
    out = {key: doc.get(key, "") for key in _LISTED}
    out["LayerVersionArn"] = f"{doc['LayerArn']}:{doc['Version']}"
    out.update({key: doc[key] for key in _OPTIONAL if key in doc})
    return out


def _matches(doc: dict[str, Any], runtime: str | None, architecture: str | None) -> bool:
    if runtime and runtime not in (doc.get("CompatibleRuntimes") or []):
        return False
    return not (architecture and architecture not in (doc.get("CompatibleArchitectures") or []))
