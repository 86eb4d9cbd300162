"""Running event-source mappings: one poller per enabled mapping, started, replaced and
stopped as mappings change, and what GetEventSourceMapping observes of them.

`Pollers` owns the tasks; the source-specific loops live in `esm_sqs.py` and
`esm_streams.py`. Pollers read their sources through the public API (`ApiCaller`), as
the architecture has services talk, and run functions through the `MappingInvoke`
callable the provider hands in (the same engine path as Invoke, with its throttling).
A mapping's state moves from `Creating`/`Enabling`/`Updating` to `Enabled` once its
poller runs, and from `Disabling` to `Disabled` once it has stopped.
Must not: store mappings (the provider does) or build events (`esm_models`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.functions import InvocationResult
from tenku.core.scope import Scope
from tenku.patterns import matches
from tenku.services.lambda_ import esm_models
from tenku.services.lambda_.esm_store import MappingStore

log = logging.getLogger("tenku.lambda.esm")

# (scope, function ARN, payload) -> the result; raises Throttled, or ServiceError when
# the function is gone.
MappingInvoke = Callable[[Scope, str, bytes], Awaitable[InvocationResult]]
# (function ARN) -> its reserved concurrency, None when it has none
ReservedFinder = Callable[[Scope, str], int | None]

_RUNNING_STATES = ("Creating", "Enabling", "Updating", "Enabled")


class Poller(Protocol):
    last_result: str

    async def run(self) -> None: ...

    def wake(self) -> None: ...


class Pollers:
    def __init__(
        self,
        store: MappingStore,
        clock: Clock,
        invoke: MappingInvoke,
        reserved_of: ReservedFinder,
    ) -> None:
        self.store = store
        self.clock = clock
        self.invoke = invoke
        self.reserved_of = reserved_of
        self.api: ApiCaller | None = None  # wired by the gateway once it exists
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._pollers: dict[str, Poller] = {}
        self._by_source: dict[str, set[str]] = {}

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Resume every stored mapping (after a restart, where they left off)."""
        for scope, config in self.store.everywhere():
            self.apply(scope, config)

    async def stop(self) -> None:
        for uuid in list(self._tasks):
            await self.stop_mapping(uuid)

    def apply(self, scope: Scope, config: dict[str, Any]) -> None:
        """Bring the poller of `config` in line with it: (re)start or stop it."""
        uuid = config["UUID"]
        old = self._tasks.pop(uuid, None)
        if old is not None:
            old.cancel()
        self._pollers.pop(uuid, None)
        if config["State"] not in _RUNNING_STATES:
            if config["State"] != "Disabled":
                self._settle(scope, uuid, "Disabled")
            return
        if esm_models.kind_of(config) not in esm_models.POLLED:
            self._settle(scope, uuid, "Enabled")  # kept, but Tenku has nothing to read
            return
        if self.api is None:
            log.error("event source mapping %s cannot run: no API caller", uuid)
            return
        poller = self._poller_for(scope, config)
        self._pollers[uuid] = poller
        self._by_source.setdefault(config["EventSourceArn"], set()).add(uuid)
        task = asyncio.get_running_loop().create_task(self._run(scope, uuid, poller))
        self._tasks[uuid] = task

    async def stop_mapping(self, uuid: str) -> None:
        task = self._tasks.pop(uuid, None)
        self._pollers.pop(uuid, None)
        for members in self._by_source.values():
            members.discard(uuid)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _poller_for(self, scope: Scope, config: dict[str, Any]) -> Poller:
        assert self.api is not None
        kind = esm_models.source_kind(config["EventSourceArn"])
        if kind == esm_models.SQS:
            from tenku.services.lambda_.esm_sqs import SqsPoller

            return SqsPoller(self, scope, config, self.api)
        from tenku.services.lambda_.esm_streams import StreamPoller

        return StreamPoller(self, scope, config, self.api)

    async def _run(self, scope: Scope, uuid: str, poller: Poller) -> None:
        self._settle(scope, uuid, "Enabled")
        try:
            await poller.run()
        except asyncio.CancelledError:
            raise
        except Exception:  # a poller must never take the server down; it is restarted
            log.exception("event source mapping %s failed; restarting it", uuid)
            await asyncio.sleep(1.0)
            config = self.store.get(scope, uuid)
            if config is not None and self._tasks.get(uuid) is asyncio.current_task():
                self._tasks.pop(uuid, None)
                self.apply(scope, config)

    def _settle(self, scope: Scope, uuid: str, state: str) -> None:
        """Record that the mapping reached `state` (Enabled or Disabled)."""
        config = self.store.get(scope, uuid)
        if config is not None and config["State"] != state:
            config["State"] = state
            self.store.put(scope, config, config["LastModified"])

    # -- what the API shows --------------------------------------------------------------------
    def observed(self, config: dict[str, Any]) -> dict[str, Any]:
        poller = self._pollers.get(config["UUID"])
        if poller is None:
            return config
        return {**config, "LastProcessingResult": poller.last_result}

    def wake_source(self, source_arn: str) -> None:
        """New records may be waiting in `source_arn`: its pollers look now."""
        for uuid in self._by_source.get(source_arn, ()):
            poller = self._pollers.get(uuid)
            if poller is not None:
                poller.wake()

    def wake_all(self) -> None:
        for poller in self._pollers.values():
            poller.wake()

    # -- shared by the pollers -----------------------------------------------------------------
    def passes(self, config: dict[str, Any], record: dict[str, Any]) -> bool:
        """Whether a record passes the mapping's FilterCriteria (any filter matches)."""
        patterns = esm_models.check_filters(config.get("FilterCriteria"))
        return not patterns or any(matches(pattern, record) for pattern in patterns)

    async def send_to_destination(self, scope: Scope, target: str, body: str) -> None:
        """Deliver an on-failure record to an SQS queue or an SNS topic."""
        from tenku.core.scope import Arn

        arn = Arn.parse(target)
        if arn is None or self.api is None:
            log.error("cannot deliver an on-failure record to %s", target)
            return
        if arn.service == "sqs":
            params = {
                "QueueUrl": f"http://localhost/{arn.account}/{arn.resource}",
                "MessageBody": body,
            }
            await self.api("sqs", "SendMessage", params, arn.scope)
        elif arn.service == "sns":
            await self.api("sns", "Publish", {"TopicArn": target, "Message": body}, arn.scope)
