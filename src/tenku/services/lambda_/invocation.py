"""Resolving qualifiers, aliases, reserved concurrency, tags and Invoke.

`Invocations` is the base of `LambdaProvider`: it turns a function reference (name,
ARN, qualifier: `$LATEST`, a version number or an alias) into a stored configuration,
that into a `FunctionSpec`, and hands it to the `Executor`. Event invocations are handed
to the provider's durable queue (`asynchronous.py`). Must not: import the engine.
"""

from __future__ import annotations

import base64
import json
import logging
import random
from pathlib import Path
from typing import Any

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.functions import Executor, FunctionSpec, Throttled
from tenku.core.ids import new_uuid
from tenku.core.scope import Scope
from tenku.services.lambda_ import code, configs, models
from tenku.services.lambda_.asynchronous import AsyncInvocations
from tenku.services.lambda_.errors import (
    MAX_INVOKE_PAYLOAD,
    bad_client_context,
    conflict,
    function_not_found,
    invalid_parameter,
    not_found,
    precondition_failed,
    request_too_large,
    throttled,
)
from tenku.services.lambda_.store import FunctionRow, LambdaStore

log = logging.getLogger("tenku.lambda")


class Invocations:
    async_invocations: AsyncInvocations  # set up by the provider
    account_concurrency: int = models.ACCOUNT_CONCURRENCY  # the gateway sets the configured one

    def __init__(
        self,
        store: LambdaStore,
        clock: Clock,
        executor: Executor,
        work_dir: Path,
        endpoint_url: str,
    ) -> None:
        self.store = store
        self.clock = clock
        self.executor = executor
        self.work_dir = work_dir
        self.endpoint_url = endpoint_url
        # (scope, name, qualifier) -> (store generation, function, version, spec): a
        # warm invoke must not pay two queries, a JSON parse and a stat per call.
        self._resolved: dict[
            tuple[Scope, str, str | None], tuple[int, FunctionRow, str, FunctionSpec]
        ] = {}

    # -- resolution --------------------------------------------------------------------------
    def require_function(self, ref: models.FunctionRef) -> FunctionRow:
        fn = self.store.function(ref.scope, ref.name)
        if fn is None:
            raise function_not_found(ref.arn())
        return fn

    def resolve(self, ref: models.FunctionRef) -> tuple[FunctionRow, dict[str, Any]]:
        """The function and the configuration its qualifier names (alias: its main version)."""
        fn = self.require_function(ref)
        version = self.version_of(fn, ref.qualifier or models.LATEST)
        config = self.store.version(fn.id, version)
        if config is None:
            raise function_not_found(models.function_arn(fn.scope, fn.name, version))
        return fn, config

    def version_of(self, fn: FunctionRow, qualifier: str, *, route: bool = False) -> str:
        if models.is_version(qualifier):
            return qualifier
        alias = self.store.alias(fn.id, qualifier)
        if alias is None:
            raise function_not_found(models.function_arn(fn.scope, fn.name, qualifier))
        version = str(alias["FunctionVersion"])
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if route and weights:
            roll = random.random()
            for other, weight in weights.items():
                if roll < float(weight):
                    return str(other)
                roll -= float(weight)
        return version

    def _code_path(self, scope: Scope, name: str, sha_hex: str) -> Path:
        return code.code_dir(self.work_dir, scope.account, scope.region, name, sha_hex)

    def spec_for(self, fn: FunctionRow, config: dict[str, Any]) -> FunctionSpec:
        sha_hex = str(config["_CodeHex"])
        path = self._code_path(fn.scope, fn.name, sha_hex)
        if not path.is_dir():  # the work dir was cleaned: unpack again from storage
            data = self.store.get_code(fn.scope, fn.name, sha_hex)
            if data is None:
                raise function_not_found(models.function_arn(fn.scope, fn.name, config["Version"]))
            code.unpack(data, path)
        return configs.to_spec(config, fn.scope, str(path), self.endpoint_url, fn.reserved)

    # -- invoke ------------------------------------------------------------------------------
    def _resolve_for_invoke(
        self, scope: Scope, function_name: str, qualifier: str | None
    ) -> tuple[FunctionRow, str, FunctionSpec]:
        key = (scope, function_name, qualifier)
        generation = self.store.generation
        hit = self._resolved.get(key)
        if hit is not None and hit[0] == generation:
            return hit[1], hit[2], hit[3]
        ref = models.parse_function_ref(scope, function_name, qualifier)
        fn = self.require_function(ref)
        routed = self._is_routed(fn, ref.qualifier)
        version = self.version_of(fn, ref.qualifier or models.LATEST, route=True)
        config = self.store.version(fn.id, version)
        if config is None:
            raise function_not_found(models.function_arn(fn.scope, fn.name, version))
        spec = self.spec_for(fn, config)
        if not routed and self.store.generation == generation:
            if len(self._resolved) > 4096:
                self._resolved.clear()
            self._resolved[key] = (generation, fn, version, spec)
        return fn, version, spec

    def _is_routed(self, fn: FunctionRow, qualifier: str | None) -> bool:
        """Whether the qualifier is an alias with weighted routing (chosen per call)."""
        if qualifier is None or models.is_version(qualifier):
            return False
        alias = self.store.alias(fn.id, qualifier)
        return bool(alias and (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights"))

    async def invoke(
        self,
        ctx: RequestContext,
        function_name: str,
        invocation_type: str | None = None,
        log_type: str | None = None,
        client_context: str | None = None,
        payload: bytes | None = None,
        qualifier: str | None = None,
    ) -> dict[str, Any]:
        body = b"" if payload is None else bytes(payload)
        if len(body) > MAX_INVOKE_PAYLOAD:
            raise request_too_large("InvokeFunction", MAX_INVOKE_PAYLOAD)
        fn, version, spec = self._resolve_for_invoke(ctx.scope, function_name, qualifier)
        context_json = _client_context(client_context)
        kind = invocation_type or "RequestResponse"
        if kind == "DryRun":
            return {"StatusCode": 204}
        if fn.reserved == 0:
            raise throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
        if kind == "Event":
            self.async_invocations.enqueue(fn.scope, fn.name, version, body, ctx.request_id)
            return {"StatusCode": 202}
        try:
            result = await self.executor.invoke(
                spec, body, request_id=ctx.request_id, client_context=context_json
            )
        except Throttled as exc:
            raise throttled(exc.reason) from exc
        out: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": result.payload,
            "ExecutedVersion": result.executed_version or spec.version,
        }
        if result.function_error:
            out["FunctionError"] = result.function_error
        if log_type == "Tail":
            tail = result.log_tail.encode("utf-8")[-4096:]
            out["LogResult"] = base64.b64encode(tail).decode("ascii")
        return out

    # -- aliases -----------------------------------------------------------------------------
    def _alias_version(self, fn: FunctionRow, version: str) -> str:
        if version != models.LATEST and self.store.version(fn.id, version) is None:
            raise not_found(
                f"Function not found: {models.function_arn(fn.scope, fn.name, version)}"
            )
        return version

    def _routing(self, fn: FunctionRow, routing: dict[str, Any] | None) -> dict[str, Any] | None:
        if routing is None:
            return None
        weights = routing.get("AdditionalVersionWeights") or {}
        for version, weight in weights.items():
            if not models.is_version(str(version)) or str(version) == models.LATEST:
                raise invalid_parameter(f"Invalid function version {version}.")
            self._alias_version(fn, str(version))
            if not 0.0 <= float(weight) <= 1.0:
                raise invalid_parameter("Invalid weight: weights must be between 0 and 1.")
        if sum(float(w) for w in weights.values()) > 1.0:
            raise invalid_parameter("The sum of additional version weights must not exceed 1.")
        return {"AdditionalVersionWeights": {str(k): float(v) for k, v in weights.items()}}

    def create_alias(
        self,
        ctx: RequestContext,
        function_name: str,
        name: str,
        function_version: str,
        description: str | None = None,
        routing_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name))
        models.validate_alias_name(name)
        alias_arn = models.function_arn(fn.scope, fn.name, name)
        if self.store.alias(fn.id, name) is not None:
            raise conflict(f"Alias already exists: {alias_arn}")
        alias: dict[str, Any] = {
            "AliasArn": alias_arn,
            "Name": name,
            "FunctionVersion": self._alias_version(fn, function_version),
            "Description": description or "",
            "RevisionId": new_uuid(),
        }
        routing = self._routing(fn, routing_config)
        if routing is not None:
            alias["RoutingConfig"] = routing
        self.store.put_alias(fn.id, name, alias)
        return alias

    def _require_alias(self, fn: FunctionRow, name: str) -> dict[str, Any]:
        alias = self.store.alias(fn.id, name)
        if alias is None:
            raise not_found(
                f"Cannot find alias arn: {models.function_arn(fn.scope, fn.name, name)}"
            )
        return alias

    def get_alias(self, ctx: RequestContext, function_name: str, name: str) -> dict[str, Any]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name))
        return self._require_alias(fn, name)

    def list_aliases(
        self,
        ctx: RequestContext,
        function_name: str,
        function_version: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> dict[str, Any]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name))
        aliases = self.store.aliases(fn.id)
        if function_version:
            aliases = [a for a in aliases if a["FunctionVersion"] == function_version]
        return models.page_of("Aliases", aliases, marker, max_items)

    def update_alias(
        self,
        ctx: RequestContext,
        function_name: str,
        name: str,
        function_version: str | None = None,
        description: str | None = None,
        routing_config: dict[str, Any] | None = None,
        revision_id: str | None = None,
    ) -> dict[str, Any]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name))
        alias = self._require_alias(fn, name)
        if revision_id and revision_id != alias.get("RevisionId"):
            raise precondition_failed("GetAlias")
        if function_version is not None:
            alias["FunctionVersion"] = self._alias_version(fn, function_version)
        if description is not None:
            alias["Description"] = description
        if routing_config is not None:
            routing = self._routing(fn, routing_config)
            if routing and routing["AdditionalVersionWeights"]:
                alias["RoutingConfig"] = routing
            else:
                alias.pop("RoutingConfig", None)
        alias["RevisionId"] = new_uuid()
        self.store.put_alias(fn.id, name, alias)
        return alias

    def delete_alias(self, ctx: RequestContext, function_name: str, name: str) -> dict[str, Any]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name))
        self.store.delete_alias(fn.id, name)
        return {}

    # -- concurrency -------------------------------------------------------------------------
    async def put_function_concurrency(
        self, ctx: RequestContext, function_name: str, reserved_concurrent_executions: int
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name)
        fn = self.require_function(ref)
        wanted = int(reserved_concurrent_executions)
        if wanted < 0:
            raise invalid_parameter("ReservedConcurrentExecutions must be at least 0.")
        others = self.store.reserved_total(fn.scope, excluding=fn.id)
        floor = models.min_unreserved(self.account_concurrency)
        if self.account_concurrency - others - wanted < floor:
            raise invalid_parameter(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{floor}]."
            )
        self.store.set_reserved(fn.id, wanted)
        await self.executor.retire(ref.arn())  # environments pick up the new limit
        return {"ReservedConcurrentExecutions": wanted}

    def get_function_concurrency(self, ctx: RequestContext, function_name: str) -> dict[str, Any]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name))
        if fn.reserved is None:
            return {}
        return {"ReservedConcurrentExecutions": fn.reserved}

    async def delete_function_concurrency(
        self, ctx: RequestContext, function_name: str
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name)
        fn = self.require_function(ref)
        self.store.set_reserved(fn.id, None)
        await self.executor.retire(ref.arn())
        return {}

    # -- tags --------------------------------------------------------------------------------
    def tag_resource(
        self, ctx: RequestContext, resource: str, tags: dict[str, str]
    ) -> dict[str, Any]:
        fn = self._tagged(ctx, resource)
        merged = {**fn.tags, **(tags or {})}
        if len(merged) > 50:
            raise invalid_parameter("Number of tags exceeds resource tag limit.")
        self.store.set_tags(fn.id, merged)
        return {}

    def untag_resource(
        self, ctx: RequestContext, resource: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        fn = self._tagged(ctx, resource)
        drop = set(tag_keys or ())
        self.store.set_tags(fn.id, {k: v for k, v in fn.tags.items() if k not in drop})
        return {}

    def list_tags(self, ctx: RequestContext, resource: str) -> dict[str, Any]:
        return {"Tags": dict(self._tagged(ctx, resource).tags)}

    def _tagged(self, ctx: RequestContext, resource: str) -> FunctionRow:
        ref = models.parse_resource_arn(ctx.scope, resource)
        return self.require_function(ref)


MAX_CLIENT_CONTEXT = 3583  # bytes of base64, as the Invoke reference states


def _client_context(raw: str | None) -> str | None:
    """The JSON text of a ClientContext header (base64 on the wire, JSON to the runtime);
    Lambda passes it to synchronous invocations only."""
    if not raw:
        return None
    if len(raw) > MAX_CLIENT_CONTEXT:
        raise bad_client_context()
    try:
        text = base64.b64decode(raw, validate=True).decode("utf-8")
        if not isinstance(json.loads(text), dict):
            raise ValueError("not an object")
    except ValueError as exc:  # binascii.Error and JSON/Unicode errors are ValueErrors
        raise bad_client_context() from exc
    return text
