"""The event-source mapping operations of the Lambda API.

`EventSourceMappings` is a mixin of `LambdaProvider`: Create/Get/List/Update/Delete
EventSourceMapping. Settings are checked by `esm_models`, stored by `esm_store`, and
every change is handed to the pollers (`esm_pollers.Pollers`), which start, restart or
stop reading the source. A new mapping reports `Creating` until its poller runs, then
`Enabled` (or `Disabled`), as Lambda's states go.
Must not: poll sources or run functions itself.
"""

from __future__ import annotations

from typing import Any

from tenku.core.context import RequestContext
from tenku.core.ids import new_uuid
from tenku.core.scope import Scope
from tenku.services.lambda_ import esm_models, models
from tenku.services.lambda_.errors import conflict, invalid_parameter, not_found
from tenku.services.lambda_.esm_pollers import Pollers
from tenku.services.lambda_.esm_store import MappingStore
from tenku.services.lambda_.invocation import Invocations

# Members a request may set, as they appear in the configuration.
_SETTABLE = (
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "ParallelizationFactor",
    "FilterCriteria",
    "DestinationConfig",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "TumblingWindowInSeconds",
    "FunctionResponseTypes",
    "ScalingConfig",
)


class EventSourceMappings(Invocations):
    mappings: MappingStore  # set up by the provider
    pollers: Pollers

    def _mapping_function_arn(self, scope: Scope, function_name: str) -> str:
        ref = models.parse_function_ref(scope, function_name)
        fn = self.require_function(ref)
        return models.function_arn(fn.scope, fn.name, ref.qualifier)

    def create_event_source_mapping(
        self,
        ctx: RequestContext,
        function_name: str,
        event_source_arn: str | None = None,
        enabled: bool | None = None,
        batch_size: int | None = None,
        filter_criteria: dict[str, Any] | None = None,
        maximum_batching_window_in_seconds: int | None = None,
        parallelization_factor: int | None = None,
        starting_position: str | None = None,
        starting_position_timestamp: Any = None,
        destination_config: dict[str, Any] | None = None,
        maximum_record_age_in_seconds: int | None = None,
        bisect_batch_on_function_error: bool | None = None,
        maximum_retry_attempts: int | None = None,
        tumbling_window_in_seconds: int | None = None,
        function_response_types: list[str] | None = None,
        scaling_config: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        topics: list[str] | None = None,
        queues: list[str] | None = None,
        source_access_configurations: list[dict[str, Any]] | None = None,
        self_managed_event_source: dict[str, Any] | None = None,
        amazon_managed_kafka_event_source_config: dict[str, Any] | None = None,
        self_managed_kafka_event_source_config: dict[str, Any] | None = None,
        document_db_event_source_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if event_source_arn:
            kind = esm_models.source_kind(event_source_arn)
        elif (self_managed_event_source or {}).get("Endpoints"):
            kind = esm_models.SELF_MANAGED_KAFKA
        else:
            raise invalid_parameter("Unrecognized event source.")
        source_members = {
            "Topics": topics,
            "Queues": queues,
            "SourceAccessConfigurations": source_access_configurations,
            "SelfManagedEventSource": self_managed_event_source,
            "AmazonManagedKafkaEventSourceConfig": amazon_managed_kafka_event_source_config,
            "SelfManagedKafkaEventSourceConfig": self_managed_kafka_event_source_config,
            "DocumentDBEventSourceConfig": document_db_event_source_config,
        }
        function_arn = self._mapping_function_arn(ctx.scope, function_name)
        requested = _members(locals())
        if starting_position is not None:
            requested["StartingPosition"] = starting_position
        esm_models.check_settings(kind, event_source_arn or "", requested, creating=True)
        for existing in self.mappings.in_scope(ctx.scope):
            if (
                event_source_arn
                and existing.get("EventSourceArn") == event_source_arn
                and existing["FunctionArn"] == function_arn
            ):
                raise _conflict_existing(event_source_arn, function_name, existing["UUID"])
        uuid = new_uuid()
        now = self.clock.now()
        config: dict[str, Any] = {
            "UUID": uuid,
            "FunctionArn": function_arn,
            "BatchSize": esm_models.DEFAULT_BATCH_SIZE[kind],
        }
        if event_source_arn:
            config["EventSourceArn"] = event_source_arn
        config.update({k: v for k, v in source_members.items() if v is not None})
        if kind not in esm_models.STREAM_KINDS:
            config["MaximumBatchingWindowInSeconds"] = 0
            if starting_position is not None:
                config["StartingPosition"] = starting_position
        else:
            config.update(
                StartingPosition=starting_position,
                MaximumBatchingWindowInSeconds=0,
                ParallelizationFactor=1,
                DestinationConfig={"OnFailure": {}},
                MaximumRecordAgeInSeconds=-1,
                BisectBatchOnFunctionError=False,
                MaximumRetryAttempts=-1,
                TumblingWindowInSeconds=0,
            )
        config.update(requested)
        config.setdefault("FunctionResponseTypes", [])
        config.update(
            EventSourceMappingArn=_mapping_arn(ctx.scope, uuid),
            LastModified=now,
            LastProcessingResult="No records processed",
            State="Creating" if enabled is not False else "Disabled",
            StateTransitionReason="USER_INITIATED",
        )
        self.mappings.put(ctx.scope, config, now)
        self.pollers.apply(ctx.scope, config)
        return config

    def get_event_source_mapping(self, ctx: RequestContext, uuid: str) -> dict[str, Any]:
        return self._mapping_shown(self._require_mapping(ctx.scope, uuid))

    def list_event_source_mappings(
        self,
        ctx: RequestContext,
        event_source_arn: str | None = None,
        function_name: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> dict[str, Any]:
        found = self.mappings.in_scope(ctx.scope)
        if event_source_arn:
            found = [m for m in found if m.get("EventSourceArn") == event_source_arn]
        if function_name:
            ref = models.parse_function_ref(ctx.scope, function_name)
            wanted = models.function_arn(ref.scope, ref.name, ref.qualifier)
            found = [m for m in found if m["FunctionArn"] == wanted]
        shown = [self._mapping_shown(m) for m in found]
        return models.page_of("EventSourceMappings", shown, marker, max_items)

    def update_event_source_mapping(
        self,
        ctx: RequestContext,
        uuid: str,
        function_name: str | None = None,
        enabled: bool | None = None,
        batch_size: int | None = None,
        filter_criteria: dict[str, Any] | None = None,
        maximum_batching_window_in_seconds: int | None = None,
        parallelization_factor: int | None = None,
        destination_config: dict[str, Any] | None = None,
        maximum_record_age_in_seconds: int | None = None,
        bisect_batch_on_function_error: bool | None = None,
        maximum_retry_attempts: int | None = None,
        tumbling_window_in_seconds: int | None = None,
        function_response_types: list[str] | None = None,
        scaling_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        config = self._require_mapping(ctx.scope, uuid)
        if config["State"] in ("Creating", "Updating", "Deleting"):
            raise _in_use(uuid, config["State"])
        kind = esm_models.kind_of(config)
        changed = dict(config)
        changed.update(_members(locals()))
        if function_name:
            changed["FunctionArn"] = self._mapping_function_arn(ctx.scope, function_name)
        esm_models.check_settings(
            kind, str(config.get("EventSourceArn", "")), changed, creating=False
        )
        if enabled is not None:
            changed["State"] = "Enabling" if enabled else "Disabling"
        elif config["State"] in ("Enabled", "Enabling"):
            changed["State"] = "Updating"
        changed["LastModified"] = self.clock.now()
        changed["StateTransitionReason"] = "USER_INITIATED"
        self.mappings.put(ctx.scope, changed, changed["LastModified"])
        self.pollers.apply(ctx.scope, changed)
        return changed

    async def delete_event_source_mapping(self, ctx: RequestContext, uuid: str) -> dict[str, Any]:
        config = self._require_mapping(ctx.scope, uuid)
        await self.pollers.stop_mapping(uuid)
        self.mappings.delete(uuid)
        return {**config, "State": "Deleting", "StateTransitionReason": "USER_INITIATED"}

    # -- helpers -------------------------------------------------------------------------------
    def _require_mapping(self, scope: Scope, uuid: str) -> dict[str, Any]:
        config = self.mappings.get(scope, uuid)
        if config is None:
            raise not_found(
                "The resource you requested does not exist. (Service: Lambda, Status Code: "
                f"404, Request ID: {new_uuid()})"
            )
        return config

    def _mapping_shown(self, config: dict[str, Any]) -> dict[str, Any]:
        """The stored configuration with the poller's live state and last result."""
        return self.pollers.observed(config)


def _members(arguments: dict[str, Any]) -> dict[str, Any]:
    """The settable members a request named, keyed as the configuration keys them."""
    out: dict[str, Any] = {}
    for member in _SETTABLE:
        value = arguments.get(_snake(member))
        if value is not None:
            out[member] = value
    return out


def _snake(member: str) -> str:
    out = ""
    for i, char in enumerate(member):
        if char.isupper() and i and not member[i - 1].isupper():
            out += "_"
        out += char.lower()
    return out


def _mapping_arn(scope: Scope, uuid: str) -> str:
    return f"arn:aws:lambda:{scope.region}:{scope.account}:event-source-mapping:{uuid}"


def _conflict_existing(source_arn: str, function_name: str, uuid: str) -> Exception:
    return conflict(
        f'The event source arn (" {source_arn} ") and function (" {function_name} ") provided '
        f"mapping already exists. Please update or delete the existing mapping with UUID {uuid}"
    )


def _in_use(uuid: str, state: str) -> Exception:
    from tenku.core.errors import ServiceError

    return ServiceError(
        "ResourceInUseException",
        f"Cannot update the event source mapping because it is in use. UUID: {uuid}, "
        f"state: {state}",
        400,
        fields={"Type": "User"},
    )
