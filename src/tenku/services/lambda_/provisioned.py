"""Provisioned concurrency configs: keep N initialised environments of a published
version (or alias) ready before any invoke. The engine does the keeping
(`Executor.provision`); this module stores the configs and re-applies them at start.
Mixed into `LambdaProvider`.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.services.lambda_ import models
from tenku.services.lambda_.errors import invalid_parameter
from tenku.services.lambda_.invocation import Invocations
from tenku.services.lambda_.store import FunctionRow

TABLE = "lambda_provisioned"


def _not_found() -> ServiceError:
    return ServiceError(
        "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function",
        404,
    )


class ProvisionedConcurrency(Invocations):
    def _provision_target(
        self, ctx: RequestContext, function_name: str, qualifier: str
    ) -> tuple[FunctionRow, str]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name, qualifier))
        if qualifier == models.LATEST:
            raise invalid_parameter(
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions."
            )
        self.version_of(fn, qualifier)  # unknown version or alias: ResourceNotFound
        return fn, qualifier

    async def _apply(self, fn: FunctionRow, qualifier: str, count: int) -> None:
        config = self.store.version(fn.id, self.version_of(fn, qualifier))
        if config is not None:
            await self.executor.provision(self.spec_for(fn, config), count)

    async def put_provisioned_concurrency_config(
        self,
        ctx: RequestContext,
        function_name: str,
        qualifier: str,
        provisioned_concurrent_executions: int,
    ) -> dict[str, Any]:
        fn, wanted = self._provision_target(ctx, function_name, qualifier)
        if provisioned_concurrent_executions < 1:
            raise invalid_parameter("ProvisionedConcurrentExecutions must be at least 1.")
        if fn.reserved is not None and provisioned_concurrent_executions > fn.reserved:
            raise invalid_parameter(
                "Requested Provisioned Concurrency should not be greater than the "
                "reservedConcurrentExecution for function"
            )
        await self._apply(fn, wanted, provisioned_concurrent_executions)
        config = {
            "RequestedProvisionedConcurrentExecutions": provisioned_concurrent_executions,
            "AvailableProvisionedConcurrentExecutions": provisioned_concurrent_executions,
            "AllocatedProvisionedConcurrentExecutions": provisioned_concurrent_executions,
            "Status": "READY",
            "LastModified": models.timestamp(self.clock.now()),
        }
        self.store.put_qualifier_setting(TABLE, fn.id, wanted, config)
        return config

    def get_provisioned_concurrency_config(
        self, ctx: RequestContext, function_name: str, qualifier: str
    ) -> dict[str, Any]:
        fn, wanted = self._provision_target(ctx, function_name, qualifier)
        config = self.store.qualifier_setting(TABLE, fn.id, wanted)
        if config is None:
            raise _not_found()
        return config

    async def delete_provisioned_concurrency_config(
        self, ctx: RequestContext, function_name: str, qualifier: str
    ) -> dict[str, Any]:
        fn, wanted = self._provision_target(ctx, function_name, qualifier)
        if self.store.qualifier_setting(TABLE, fn.id, wanted) is None:
            raise _not_found()
        self.store.delete_qualifier_setting(TABLE, fn.id, wanted)
        await self._apply(fn, wanted, 0)
        return {}

    def list_provisioned_concurrency_configs(
        self,
        ctx: RequestContext,
        function_name: str,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> dict[str, Any]:
        fn = self.require_function(models.parse_function_ref(ctx.scope, function_name))
        items = [
            {"FunctionArn": models.function_arn(fn.scope, fn.name, qualifier), **config}
            for _, qualifier, config in self.store.qualifier_settings(TABLE, fn.id)
        ]
        return models.page_of("ProvisionedConcurrencyConfigs", items, marker, max_items)

    async def restore_provisioned(self) -> None:
        """Bring back every stored config's environments (after a restart)."""
        for fid, qualifier, config in self.store.qualifier_settings(TABLE):
            fn = self.store.function_by_id(fid)
            if fn is not None:
                await self._apply(
                    fn, qualifier, int(config["RequestedProvisionedConcurrentExecutions"])
                )
