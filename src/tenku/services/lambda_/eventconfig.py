"""Event invoke configs (retries, maximum event age, destinations) and the wiring of
asynchronous invocation: the `AsyncInvocations` worker asks here which spec to run and
which config applies. Mixed into `LambdaProvider`.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.core.functions import FunctionSpec, InvocationResult
from tenku.core.scope import Arn, Scope
from tenku.services.lambda_ import models
from tenku.services.lambda_.asynchronous import AsyncInvocations
from tenku.services.lambda_.errors import invalid_parameter, not_found
from tenku.services.lambda_.invocation import Invocations

_TARGET_SERVICES = ("sqs", "sns", "lambda", "events")


class EventInvokeConfigs(Invocations):
    def setup_async(self) -> None:
        self.async_invocations = AsyncInvocations(
            self.store.storage, self.clock, self._spec_of, self._event_config_of, self._run
        )
        self.async_invocations.find_dead_letter = self._dead_letter_of

    async def _run(self, spec: FunctionSpec, payload: bytes, request_id: str) -> InvocationResult:
        return await self.executor.invoke(spec, payload, request_id=request_id)

    def _spec_of(self, scope: Scope, name: str, version: str) -> FunctionSpec | None:
        fn = self.store.function(scope, name)
        config = self.store.version(fn.id, version) if fn else None
        return self.spec_for(fn, config) if fn and config else None

    def _dead_letter_of(self, scope: Scope, name: str, version: str) -> str | None:
        """The DeadLetterConfig target of the invoked version (it is version-specific)."""
        fn = self.store.function(scope, name)
        config = self.store.version(fn.id, version) if fn else None
        target = ((config or {}).get("DeadLetterConfig") or {}).get("TargetArn")
        return str(target) if target else None

    def _event_config_of(self, scope: Scope, name: str, version: str) -> dict[str, Any]:
        """The config of the invoked version, else the function's unqualified one."""
        fn = self.store.function(scope, name)
        if fn is None:
            return {}
        return (
            self.store.event_config(fn.id, version)
            or self.store.event_config(fn.id, models.LATEST)
            or {}
        )

    def _config_target(
        self, ctx: RequestContext, function_name: str, qualifier: str | None
    ) -> tuple[int, str, str]:
        ref = models.parse_function_ref(ctx.scope, function_name, qualifier)
        fn = self.require_function(ref)
        wanted = ref.qualifier or models.LATEST
        self.version_of(fn, wanted)  # an unknown version or alias is a ResourceNotFound
        return fn.id, wanted, models.function_arn(fn.scope, fn.name, wanted)

    def put_function_event_invoke_config(
        self,
        ctx: RequestContext,
        function_name: str,
        qualifier: str | None = None,
        maximum_retry_attempts: int | None = None,
        maximum_event_age_in_seconds: int | None = None,
        destination_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        fid, wanted, arn = self._config_target(ctx, function_name, qualifier)
        config = self._event_config(
            arn, maximum_retry_attempts, maximum_event_age_in_seconds, destination_config
        )
        self.store.put_event_config(fid, wanted, config)
        return config

    def update_function_event_invoke_config(
        self,
        ctx: RequestContext,
        function_name: str,
        qualifier: str | None = None,
        maximum_retry_attempts: int | None = None,
        maximum_event_age_in_seconds: int | None = None,
        destination_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        fid, wanted, arn = self._config_target(ctx, function_name, qualifier)
        current = self.store.event_config(fid, wanted) or {}
        config = self._event_config(
            arn,
            current.get("MaximumRetryAttempts")
            if maximum_retry_attempts is None
            else maximum_retry_attempts,
            current.get("MaximumEventAgeInSeconds")
            if maximum_event_age_in_seconds is None
            else maximum_event_age_in_seconds,
            current.get("DestinationConfig") if destination_config is None else destination_config,
        )
        self.store.put_event_config(fid, wanted, config)
        return config

    def get_function_event_invoke_config(
        self, ctx: RequestContext, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        fid, wanted, arn = self._config_target(ctx, function_name, qualifier)
        config = self.store.event_config(fid, wanted)
        if config is None:
            raise not_found(f"The function {arn} doesn't have an EventInvokeConfig")
        return config

    def delete_function_event_invoke_config(
        self, ctx: RequestContext, function_name: str, qualifier: str | None = None
    ) -> dict[str, Any]:
        fid, wanted, arn = self._config_target(ctx, function_name, qualifier)
        if self.store.event_config(fid, wanted) is None:
            raise not_found(f"The function {arn} doesn't have an EventInvokeConfig")
        self.store.delete_event_config(fid, wanted)
        return {}

    def list_function_event_invoke_configs(
        self,
        ctx: RequestContext,
        function_name: str,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> dict[str, Any]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name))
        configs = self.store.event_configs(fn.id)
        return models.page_of("FunctionEventInvokeConfigs", configs, marker, max_items)

    def _event_config(
        self,
        arn: str,
        retries: int | None,
        max_age: int | None,
        destinations: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if retries is not None and not 0 <= retries <= 2:
            raise invalid_parameter("MaximumRetryAttempts must be between 0 and 2.")
        if max_age is not None and not 60 <= max_age <= 21600:
            raise invalid_parameter("MaximumEventAgeInSeconds must be between 60 and 21600.")
        for kind, target in (destinations or {}).items():
            destination = (target or {}).get("Destination")
            parsed = Arn.parse(destination) if destination else None
            if kind not in ("OnSuccess", "OnFailure") or (
                destination and (parsed is None or parsed.service not in _TARGET_SERVICES)
            ):
                raise invalid_parameter(f"The destination ARN {destination} is invalid.")
        config: dict[str, Any] = {
            "LastModified": self.clock.now(),
            "FunctionArn": arn,
            "DestinationConfig": {
                "OnSuccess": (destinations or {}).get("OnSuccess") or {},
                "OnFailure": (destinations or {}).get("OnFailure") or {},
            },
        }
        if retries is not None:
            config["MaximumRetryAttempts"] = retries
        if max_age is not None:
            config["MaximumEventAgeInSeconds"] = max_age
        return config
