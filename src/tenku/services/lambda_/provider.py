"""The Lambda API: one method per operation of botocore's `lambda` model.

Methods take the request context and the operation's members as snake_case keyword
arguments and return the output shape as a dict. Functions, versions and code live in
`LambdaStore` and under `work_dir`; running code is the `Executor`'s job (Invoke and
aliases are in `invocation.py`). Must not: import the engine or see HTTP objects.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.events import ClockAdvanced, DynamoDBStreamRecord, EventBus
from tenku.core.functions import Executor, InvocationResult, Throttled
from tenku.core.ids import new_uuid
from tenku.core.scope import Scope
from tenku.services.lambda_ import code, configs, models
from tenku.services.lambda_.errors import (
    MAX_ZIP_UPLOAD,
    conflict,
    function_not_found,
    invalid_parameter,
    precondition_failed,
    request_too_large,
)
from tenku.services.lambda_.esm import EventSourceMappings
from tenku.services.lambda_.esm_pollers import Pollers
from tenku.services.lambda_.esm_store import MappingStore
from tenku.services.lambda_.eventconfig import EventInvokeConfigs
from tenku.services.lambda_.layers import Layers
from tenku.services.lambda_.policies import ResourcePolicies
from tenku.services.lambda_.provisioned import ProvisionedConcurrency
from tenku.services.lambda_.store import FunctionRow, LambdaStore
from tenku.services.lambda_.urlconfigs import FunctionUrls
from tenku.storage import Storage

log = logging.getLogger("tenku.lambda")


class LambdaProvider(
    EventInvokeConfigs,
    ProvisionedConcurrency,
    Layers,
    ResourcePolicies,
    FunctionUrls,
    EventSourceMappings,
):
    service = "lambda"

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        bus: EventBus,
        executor: Executor,
        work_dir: Path,
        endpoint_url: str,
    ) -> None:
        super().__init__(LambdaStore(storage), clock, executor, Path(work_dir), endpoint_url)
        self.bus = bus
        self.setup_async()
        self.mappings = MappingStore(storage)
        self.pollers = Pollers(self.mappings, clock, self._invoke_for_mapping, self._reserved_of)
        bus.subscribe(ClockAdvanced, self._clock_advanced)
        bus.subscribe(
            DynamoDBStreamRecord, lambda event: self.pollers.wake_source(event.stream_arn)
        )

    def _clock_advanced(self, _event: ClockAdvanced) -> None:
        self.async_invocations.wake()
        self.pollers.wake_all()

    async def _invoke_for_mapping(
        self, scope: Scope, function_arn: str, payload: bytes
    ) -> InvocationResult:
        """Run a batch of an event-source mapping: a synchronous invoke, with its limits."""
        fn, _version, spec = self._resolve_for_invoke(scope, function_arn, None)
        if fn.reserved == 0:
            raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
        return await self.executor.invoke(spec, payload, request_id=new_uuid())

    def _reserved_of(self, scope: Scope, function_arn: str) -> int | None:
        fn = self.store.function(scope, models.parse_function_ref(scope, function_arn).name)
        return fn.reserved if fn else None

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self.async_invocations.start()
        await self.restore_provisioned()
        self.pollers.start()

    async def stop(self) -> None:
        await self.pollers.stop()
        await self.async_invocations.stop()
        await self.executor.close()

    # -- code --------------------------------------------------------------------------------
    def code_zip(self, scope: Scope, name: str, sha_hex: str) -> bytes | None:
        """The uploaded zip behind a Code.Location URL (for the gateway to serve)."""
        return self.store.get_code(scope, name, sha_hex)

    def _accept_zip(
        self, scope: Scope, name: str, zip_file: bytes | None, operation: str
    ) -> code.Package:
        if zip_file is None:
            raise invalid_parameter("Please provide a source for function code.")
        data = bytes(zip_file)
        if len(data) > MAX_ZIP_UPLOAD:
            raise request_too_large(operation, MAX_ZIP_UPLOAD)
        package = code.describe(data)
        code.unpack(data, self._code_path(scope, name, package.sha256_hex))
        self.store.put_code(scope, name, package.sha256_hex, data)
        return package

    def _location(self, scope: Scope, name: str, sha_hex: str) -> str:
        base = self.endpoint_url.rstrip("/")
        return f"{base}/_tenku/lambda/code/{scope.account}/{scope.region}/{name}/{sha_hex}.zip"

    # -- functions ---------------------------------------------------------------------------
    async def create_function(
        self,
        ctx: RequestContext,
        function_name: str,
        role: str,
        code: dict[str, Any],
        runtime: str | None = None,
        handler: str | None = None,
        description: str | None = None,
        timeout: int | None = None,
        memory_size: int | None = None,
        publish: bool | None = None,
        package_type: str | None = None,
        environment: dict[str, Any] | None = None,
        tracing_config: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        layers: list[str] | None = None,
        architectures: list[str] | None = None,
        ephemeral_storage: dict[str, Any] | None = None,
        logging_config: dict[str, Any] | None = None,
        dead_letter_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name)
        models.validate_function_name(ref.name)
        if ref.qualifier:
            models.validate_function_name(function_name)
        if package_type == "Image":
            raise invalid_parameter("Container image functions are not supported by Tenku.")
        models.validate_runtime_and_handler(runtime, handler, allow_retired=ctx.internal)
        _warn_if_retired(function_name, runtime)
        models.validate_role(role)
        models.validate_limits(memory_size, timeout)
        models.validate_environment(environment)
        if self.store.function(ref.scope, ref.name) is not None:
            raise conflict(f"Function already exist: {ref.name}")
        zip_file = (code or {}).get("ZipFile")
        layer_list = self.function_layers(layers, zip_file)
        package = self._accept_zip(ref.scope, ref.name, zip_file, "CreateFunction")
        now = self.clock.now()
        config = configs.new_config(
            ref.scope,
            ref.name,
            package,
            now,
            runtime=runtime,
            role=role,
            handler=handler,
            description=description,
            timeout=timeout,
            memory_size=memory_size,
            environment=environment,
            architectures=architectures,
            layers=layer_list,
            tracing_config=tracing_config,
            ephemeral_storage=ephemeral_storage,
            logging_config=logging_config,
        )
        configs.set_dead_letter(config, dead_letter_config, creating=True)
        self.store.create_function(ref.scope, ref.name, dict(tags or {}), config, now)
        if publish:
            return configs.public(self._publish(self.require_function(ref), None))
        return configs.public(config)

    def get_function(
        self, ctx: RequestContext, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name, qualifier)
        fn, config = self.resolve(ref)
        result: dict[str, Any] = {
            "Configuration": self._shown(ref, config),
            "Code": {
                "RepositoryType": "S3",
                "Location": self._location(fn.scope, fn.name, str(config["_CodeHex"])),
            },
        }
        if fn.tags:
            result["Tags"] = dict(fn.tags)
        if fn.reserved is not None:
            result["Concurrency"] = {"ReservedConcurrentExecutions": fn.reserved}
        return result

    def get_function_configuration(
        self, ctx: RequestContext, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name, qualifier)
        return self._shown(ref, self.resolve(ref)[1])

    @staticmethod
    def _shown(ref: models.FunctionRef, config: dict[str, Any]) -> dict[str, Any]:
        out = configs.public(config)
        if ref.qualifier:
            out["FunctionArn"] = ref.arn(ref.qualifier)
        return out

    def list_functions(
        self,
        ctx: RequestContext,
        function_version: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
        master_region: str | None = None,
    ) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        for fn in self.store.functions(ctx.scope):
            if function_version == "ALL":
                items.extend(configs.public(c, qualified=True) for c in self.store.versions(fn.id))
            else:
                latest = self.store.version(fn.id, models.LATEST)
                if latest is not None:
                    items.append(configs.public(latest))
        return models.page_of("Functions", items, marker, max_items)

    async def delete_function(
        self, ctx: RequestContext, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name, qualifier)
        fn = self.require_function(ref)
        if ref.qualifier:
            return self._delete_version(fn, ref.qualifier)
        hashes = {str(c["_CodeHex"]) for c in self.store.versions(fn.id)}
        self.store.delete_function(fn.id)
        for sha_hex in hashes:
            self.store.delete_code(fn.scope, fn.name, sha_hex)
        await self.executor.retire(ref.arn())
        code.remove_function(self.work_dir, fn.scope.account, fn.scope.region, fn.name)
        return {"StatusCode": 204}

    def _delete_version(self, fn: FunctionRow, qualifier: str) -> dict[str, Any]:
        if qualifier == models.LATEST:
            raise invalid_parameter(
                "$LATEST version cannot be deleted without deleting the function."
            )
        if not models.is_version(qualifier):
            raise invalid_parameter("Deletion of aliases is not supported.")
        if self.store.version(fn.id, qualifier) is None:
            raise function_not_found(models.function_arn(fn.scope, fn.name, qualifier))
        users = [a["Name"] for a in self.store.aliases(fn.id) if _alias_uses(a, qualifier)]
        if users:
            raise conflict(
                "Unable to delete version because the following aliases reference it: "
                f"[{', '.join(users)}]"
            )
        self.store.delete_version(fn.id, qualifier)
        return {"StatusCode": 204}

    async def update_function_code(
        self,
        ctx: RequestContext,
        function_name: str,
        zip_file: bytes | None = None,
        s3_bucket: str | None = None,
        s3_key: str | None = None,
        image_uri: str | None = None,
        architectures: list[str] | None = None,
        publish: bool | None = None,
        dry_run: bool | None = None,
        revision_id: str | None = None,
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name)
        fn = self.require_function(ref)
        latest = self._latest(fn)
        self._check_revision(latest, revision_id, "GetFunction")
        if zip_file is None and (s3_bucket or s3_key or image_uri):
            raise invalid_parameter("Tenku accepts function code only as ZipFile for now.")
        if dry_run:
            code.check(bytes(zip_file or b""))
            return configs.public(latest)
        self.check_code_fits_layers(latest, zip_file)
        package = self._accept_zip(fn.scope, fn.name, zip_file, "UpdateFunctionCode")
        old = str(latest["_CodeHex"])
        configs.set_code(latest, package, architectures)
        configs.touch(latest, self.clock.now())
        self.store.save_latest(fn.id, latest)
        await self.executor.retire(ref.arn())
        if old != package.sha256_hex and not self.store.code_in_use(fn.id, old):
            self.store.delete_code(fn.scope, fn.name, old)
        if publish:
            return configs.public(self._publish(fn, None))
        return configs.public(latest)

    async def update_function_configuration(
        self,
        ctx: RequestContext,
        function_name: str,
        role: str | None = None,
        handler: str | None = None,
        description: str | None = None,
        timeout: int | None = None,
        memory_size: int | None = None,
        environment: dict[str, Any] | None = None,
        runtime: str | None = None,
        tracing_config: dict[str, Any] | None = None,
        revision_id: str | None = None,
        layers: list[str] | None = None,
        ephemeral_storage: dict[str, Any] | None = None,
        logging_config: dict[str, Any] | None = None,
        dead_letter_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name)
        fn = self.require_function(ref)
        latest = self._latest(fn)
        self._check_revision(latest, revision_id, "GetFunction")
        configs.set_dead_letter(latest, dead_letter_config, creating=False)
        if role is not None:
            models.validate_role(role)
        if runtime is not None:
            models.validate_runtime(runtime, allow_retired=ctx.internal)
            _warn_if_retired(function_name, runtime)
        models.validate_limits(memory_size, timeout)
        models.validate_environment(environment)
        own_zip = self.code_zip(fn.scope, fn.name, str(latest["_CodeHex"])) if layers else None
        layer_list = self.function_layers(layers, own_zip)
        new_runtime = runtime or latest.get("Runtime")
        if not models.is_provided(new_runtime) and not (handler or latest.get("Handler")):
            models.validate_runtime_and_handler(new_runtime, None, allow_retired=ctx.internal)
        configs.apply_update(
            latest,
            {
                "Role": role,
                "Handler": handler,
                "Description": description,
                "Timeout": timeout,
                "MemorySize": memory_size,
                "Runtime": runtime,
                "Environment": environment,
                "TracingConfig": tracing_config,
                "Layers": layer_list,
                "EphemeralStorage": ephemeral_storage,
                "LoggingConfig": logging_config,
            },
        )
        configs.touch(latest, self.clock.now())
        self.store.save_latest(fn.id, latest)
        await self.executor.retire(ref.arn())
        return configs.public(latest)

    # -- versions ----------------------------------------------------------------------------
    def publish_version(
        self,
        ctx: RequestContext,
        function_name: str,
        code_sha256: str | None = None,
        description: str | None = None,
        revision_id: str | None = None,
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name)
        fn = self.require_function(ref)
        latest = self._latest(fn)
        self._check_revision(latest, revision_id, "GetFunction")
        if code_sha256 and code_sha256 != latest["CodeSha256"]:
            raise invalid_parameter(
                f"CodeSHA256 ({code_sha256}) is different from current CodeSHA256 in $LATEST "
                f"({latest['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST."
            )
        return configs.public(self._publish(fn, description))

    def _publish(self, fn: FunctionRow, description: str | None) -> dict[str, Any]:
        with self.store.transaction():
            fn = self.require_function(models.FunctionRef(fn.scope, fn.name, None))
            latest = self._latest(fn)
            published = latest.get("_Published")
            if published is not None:
                existing = self.store.version(fn.id, str(published))
                if existing is not None:
                    return existing
            number = fn.next_version
            version = configs.as_version(latest, fn.scope, number, description)
            self.store.add_version(fn.id, number, version)
            latest["_Published"] = number
            self.store.save_latest(fn.id, latest)
        return version

    def list_versions_by_function(
        self,
        ctx: RequestContext,
        function_name: str,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> dict[str, Any]:
        ref = models.parse_function_ref(ctx.scope, function_name)
        fn = self.require_function(ref)
        items = [configs.public(c, qualified=True) for c in self.store.versions(fn.id)]
        return models.page_of("Versions", items, marker, max_items)

    # -- helpers -----------------------------------------------------------------------------
    def _latest(self, fn: FunctionRow) -> dict[str, Any]:
        latest = self.store.version(fn.id, models.LATEST)
        if latest is None:
            raise function_not_found(models.function_arn(fn.scope, fn.name))
        return latest

    @staticmethod
    def _check_revision(config: dict[str, Any], revision_id: str | None, api: str) -> None:
        if revision_id and revision_id != config.get("RevisionId"):
            raise precondition_failed(api)

    # -- account -----------------------------------------------------------------------------
    def get_account_settings(self, ctx: RequestContext) -> dict[str, Any]:
        count, size = self.store.totals(ctx.scope)
        reserved = self.store.reserved_total(ctx.scope, excluding=-1)
        return {
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800,
                "CodeSizeUnzipped": code.MAX_UNZIPPED,
                "CodeSizeZipped": 52_428_800,
                "ConcurrentExecutions": self.account_concurrency,
                "UnreservedConcurrentExecutions": self.account_concurrency - reserved,
            },
            "AccountUsage": {"TotalCodeSize": size, "FunctionCount": count},
        }


def _alias_uses(alias: dict[str, Any], version: str) -> bool:
    if alias.get("FunctionVersion") == version:
        return True
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return version in weights


def _warn_if_retired(function_name: str, runtime: str | None) -> None:
    """Only internal callers get this far with a retired runtime (see validate_runtime)."""
    if models.is_retired(runtime):
        log.warning(
            "Function %s uses runtime %s, retired in AWS Lambda; Tenku runs it on the local %s",
            function_name,
            runtime,
            _local_interpreter(str(runtime)),
        )


def _local_interpreter(runtime: str) -> str:
    for family in ("python", "node"):
        if runtime.startswith(family):
            return family
    return "runtime of its family"
