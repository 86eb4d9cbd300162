"""The Parameter Store part of the SSM API: one method per operation of botocore's `ssm`
model (parameters, their history and labels, and their tags).

Methods take the request context and the operation's members as snake_case keyword
arguments and return the output shape as a dict. SecureString values are stored as
given; read without `WithDecryption` they come back as an opaque encoding (Tenku has
no KMS). Parameter policies are stored, not applied.
Must not: touch other SSM features (documents, commands) or any other service.
"""

from __future__ import annotations

from typing import Any

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.scope import Scope
from tenku.services.ssm import errors, models
from tenku.services.ssm.filters import legacy_filters, parameter_filters
from tenku.services.ssm.models import parse_selector, strip_arn
from tenku.services.ssm.store import NewVersion, SsmStore, Version
from tenku.storage import Storage

_SCAN = 200  # rows read per store page while filtering
_PATH_RULES = (
    "The parameter doesn't meet the parameter name requirements. The parameter name must "
    'begin with a forward slash "/". It can\'t be prefixed with "aws" or "ssm" '
    "(case-insensitive). It must use only letters, numbers, or the following symbols: . "
    "(period), - (hyphen), _ (underscore). Special characters are not allowed. All "
    'sub-paths, if specified, must use the forward slash symbol "/". Valid example: '
    "/get/parameters2-/by1./path0_."
)


class SsmProvider:
    service = "ssm"

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.store = SsmStore(storage)
        self.clock = clock

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    # -- helpers -----------------------------------------------------------------------------
    def _latest(self, scope: Scope, name: str) -> Version:
        found = self.store.latest(scope, strip_arn(name))
        if found is None:
            raise errors.not_found()
        return found

    def _select(self, scope: Scope, raw: str) -> tuple[Version, str | None]:
        selector = parse_selector(raw)
        latest = self._latest(scope, selector.name)
        if selector.version is None and selector.label is None:
            return latest, None
        for version in self.store.versions(latest.parameter_id, 0, models.MAX_VERSIONS + 1):
            if version.version == selector.version or (
                selector.label is not None and selector.label in version.labels
            ):
                return version, selector.text
        if selector.label is not None:
            raise errors.label_not_found(selector.name, selector.label)
        raise errors.version_not_found(selector.name, str(selector.version))

    def _parameter(
        self, scope: Scope, version: Version, decrypt: bool, selector: str | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": version.name,
            "Type": version.type,
            "Value": models.shown_value(version.type, version.value, version.key_id, decrypt),
            "Version": version.version,
            "LastModifiedDate": version.modified,
            "ARN": models.parameter_arn(scope.region, scope.account, version.name),
            "DataType": version.data_type,
        }
        if selector:
            out["Selector"] = selector
        return out

    def _metadata(self, scope: Scope, version: Version) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": version.name,
            "ARN": models.parameter_arn(scope.region, scope.account, version.name),
            "Type": version.type,
            "LastModifiedDate": version.modified,
            "LastModifiedUser": version.user,
            "Version": version.version,
            "Tier": version.tier,
            "Policies": [],
            "DataType": version.data_type,
        }
        for key, value in (
            ("KeyId", version.key_id),
            ("Description", version.description),
            ("AllowedPattern", version.allowed_pattern),
        ):
            if value:
                out[key] = value
        return out

    # -- writes ------------------------------------------------------------------------------
    def put_parameter(
        self, ctx: RequestContext, name: str, value: str, description: str | None = None,
        type: str | None = None, key_id: str | None = None, overwrite: bool | None = None,
        allowed_pattern: str | None = None, tags: list[dict[str, str]] | None = None,
        tier: str | None = None, policies: str | None = None, data_type: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        name = strip_arn(name)
        models.check_name(name)
        if tags and overwrite:
            raise errors.validation(
                "Invalid request: tags and overwrite can't be used together. To create a "
                "parameter with tags, please remove overwrite flag. To update tags for an "
                "existing parameter, please use AddTagsToResource or RemoveTagsFromResource."
            )
        current = self.store.latest(ctx.scope, name)
        if current is not None and not overwrite:
            raise errors.already_exists()
        kind = type or (current.type if current else None)
        if kind is None:
            raise errors.validation("A parameter type is required when you create a parameter.")
        if kind not in models.TYPES:
            raise errors.validation(
                f"1 validation error detected: Value '{kind}' at 'type' failed to satisfy "
                "constraint: Member must satisfy enum value set: [SecureString, StringList, String]"
            )
        data = data_type or (current.data_type if current else "text")
        if data not in models.DATA_TYPES:
            raise errors.validation(
                f"The following data type is not supported: {data} (Data type names are all "
                "lowercase.)"
            )
        pattern = allowed_pattern if allowed_pattern is not None else (
            current.allowed_pattern if current else None
        )  # fmt: skip
        models.check_value(value, pattern)
        final_tier = models.effective_tier(tier, current.tier if current else None, value)
        key = None
        if kind == "SecureString":
            key = key_id or (current.key_id if current and current.key_id else models.DEFAULT_KEY)
        new = NewVersion(
            kind, value, key,
            description if description is not None else (current.description if current else None),
            pattern, final_tier, policies or (current.policies if current else None), data,
            self.clock.now(), f"arn:aws:iam::{ctx.scope.account}:root",
        )  # fmt: skip
        if current is None:
            tag_map = _tag_map(tags)
            if len(tag_map) > models.MAX_TAGS:
                raise errors.too_many_tags()
            number = self.store.create(ctx.scope, name, tag_map, new)
        else:
            number = self.store.add_version(current, new, self._oldest_to_drop(current))
        return {"Version": number, "Tier": final_tier}

    def _oldest_to_drop(self, current: Version) -> int | None:
        count, oldest = self.store.version_count(current.parameter_id)
        if count < models.MAX_VERSIONS:
            return None
        first = self.store.versions(current.parameter_id, oldest - 1, 1)[0]
        if first.labels:
            raise errors.max_versions(current.name)
        return oldest

    def delete_parameter(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        self.store.delete(self._latest(ctx.scope, name).parameter_id)
        return {}

    def delete_parameters(self, ctx: RequestContext, names: list[str]) -> dict[str, Any]:
        deleted: list[str] = []
        invalid: list[str] = []
        for name in names:
            found = self.store.latest(ctx.scope, strip_arn(name))
            if found is None:
                invalid.append(name)
            else:
                self.store.delete(found.parameter_id)
                deleted.append(name)
        return {"DeletedParameters": deleted, "InvalidParameters": invalid}

    def label_parameter_version(
        self, ctx: RequestContext, name: str, labels: list[str],
        parameter_version: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        latest = self._latest(ctx.scope, name)
        number = parameter_version if parameter_version is not None else latest.version
        versions = {
            v.version: v
            for v in self.store.versions(latest.parameter_id, 0, models.MAX_VERSIONS + 1)
        }
        if number not in versions:
            raise errors.version_not_found(latest.name, str(number))
        valid = [label for label in labels if models.label_is_valid(label)]
        invalid = [label for label in labels if not models.label_is_valid(label)]
        changes: dict[int, list[str]] = {}
        for other in versions.values():
            if other.version != number and any(label in other.labels for label in valid):
                changes[other.version] = [x for x in other.labels if x not in valid]
        target = list(versions[number].labels)
        target += [label for label in dict.fromkeys(valid) if label not in target]
        if len(target) > models.MAX_LABELS_PER_VERSION:
            raise errors.label_limit()
        changes[number] = target
        self.store.set_labels(latest.parameter_id, changes)
        return {"InvalidLabels": invalid, "ParameterVersion": number}

    # -- reads -------------------------------------------------------------------------------
    def get_parameter(
        self, ctx: RequestContext, name: str, with_decryption: bool | None = None
    ) -> dict[str, Any]:
        version, selector = self._select(ctx.scope, name)
        return {"Parameter": self._parameter(ctx.scope, version, bool(with_decryption), selector)}

    def get_parameters(
        self, ctx: RequestContext, names: list[str], with_decryption: bool | None = None
    ) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        invalid: list[str] = []
        for name in dict.fromkeys(names):
            try:
                version, selector = self._select(ctx.scope, name)
            except ServiceError:  # a missing name, version or label: listed as invalid
                invalid.append(name)
                continue
            found.append(self._parameter(ctx.scope, version, bool(with_decryption), selector))
        return {"Parameters": found, "InvalidParameters": invalid}

    def get_parameters_by_path(
        self, ctx: RequestContext, path: str, recursive: bool | None = None,
        parameter_filters: list[dict[str, Any]] | None = None,
        with_decryption: bool | None = None, max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        if not path.startswith("/") or "//" in path:
            raise errors.validation(_PATH_RULES)
        if len(path.strip("/").split("/")) > models.MAX_LEVELS:
            raise errors.hierarchy_too_deep()
        size = models.page_size(max_results, 10, 10)
        keep = _by_path_filter(parameter_filters)
        prefix = path.rstrip("/") + "/"
        page, token = self._scan(ctx.scope, prefix, next_token, size, keep, bool(recursive))
        params = [self._parameter(ctx.scope, v, bool(with_decryption)) for v in page]
        return _with_token({"Parameters": params}, token)

    def describe_parameters(
        self, ctx: RequestContext, filters: list[dict[str, Any]] | None = None,
        parameter_filters: list[dict[str, Any]] | None = None,
        max_results: int | None = None, next_token: str | None = None,
        shared: bool | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        if filters and parameter_filters:
            raise errors.validation(
                "You can use either Filters or ParameterFilters in a single request."
            )
        size = models.page_size(max_results, 50, 50)
        keep = legacy_filters(filters) if filters else _named(parameter_filters)
        page, token = self._scan(ctx.scope, "", next_token, size, keep, True)
        return _with_token({"Parameters": [self._metadata(ctx.scope, v) for v in page]}, token)

    def _scan(
        self, scope: Scope, prefix: str, token: str | None, size: int,
        keep: Any, recursive: bool,
    ) -> tuple[list[Version], str | None]:  # fmt: skip
        after = str(models.decode_token(token)) if token else ""
        found: list[Version] = []
        while True:
            rows = self.store.page(scope, prefix, after, _SCAN)
            for version in rows:
                after = version.name
                if not recursive and "/" in version.name[len(prefix) :]:
                    continue
                if keep(version, lambda v=version: self.store.tags(v.parameter_id)):
                    found.append(version)
                    if len(found) == size:
                        more = bool(self.store.page(scope, prefix, after, 1))
                        return found, (models.encode_token(after) if more else None)
            if len(rows) < _SCAN:
                return found, None

    def get_parameter_history(
        self, ctx: RequestContext, name: str, with_decryption: bool | None = None,
        max_results: int | None = None, next_token: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        latest = self._latest(ctx.scope, name)
        size = models.page_size(max_results, 50, 50)
        after = models.decode_token(next_token) if next_token else 0
        if not isinstance(after, int):
            raise errors.invalid_token()
        rows = self.store.versions(latest.parameter_id, after, size + 1)
        entries = []
        for version in rows[:size]:
            entry = self._metadata(ctx.scope, version)
            entry.pop("ARN")
            entry["Value"] = models.shown_value(
                version.type, version.value, version.key_id, bool(with_decryption)
            )
            entry["Labels"] = version.labels
            entries.append(entry)
        token = models.encode_token(rows[size - 1].version) if len(rows) > size else None
        return _with_token({"Parameters": entries}, token)

    # -- tags --------------------------------------------------------------------------------
    def _tagged(self, scope: Scope, resource_type: str, resource_id: str) -> Version:
        if resource_type != "Parameter":
            raise errors.invalid_resource_type()
        found = self.store.latest(scope, strip_arn(resource_id))
        if found is None:
            raise errors.invalid_resource_id()
        return found

    def add_tags_to_resource(
        self, ctx: RequestContext, resource_type: str, resource_id: str,
        tags: list[dict[str, str]],
    ) -> dict[str, Any]:  # fmt: skip
        found = self._tagged(ctx.scope, resource_type, resource_id)
        merged = {**self.store.tags(found.parameter_id), **_tag_map(tags)}
        if len(merged) > models.MAX_TAGS:
            raise errors.too_many_tags()
        self.store.set_tags(found.parameter_id, merged)
        return {}

    def remove_tags_from_resource(
        self, ctx: RequestContext, resource_type: str, resource_id: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        found = self._tagged(ctx.scope, resource_type, resource_id)
        kept = {k: v for k, v in self.store.tags(found.parameter_id).items() if k not in tag_keys}
        self.store.set_tags(found.parameter_id, kept)
        return {}

    def list_tags_for_resource(
        self, ctx: RequestContext, resource_type: str, resource_id: str
    ) -> dict[str, Any]:
        found = self._tagged(ctx.scope, resource_type, resource_id)
        tags = self.store.tags(found.parameter_id)
        return {"TagList": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}


def _tag_map(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags or []}


def _with_token(out: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token:
        out["NextToken"] = token
    return out


def _by_path_filter(specs: list[dict[str, Any]] | None) -> Any:
    return parameter_filters(specs, by_path=True)


def _named(specs: list[dict[str, Any]] | None) -> Any:
    return parameter_filters(specs)
