"""What every CloudFormation operation shares: the store, the clock, the in-process API,
finding a stack by name or id, and running stack operations in the background one at a
time per stack.
Must not: hold an operation's logic (the mixins and the runner do).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.errors import ServiceError
from tenku.core.scope import Arn, Scope
from tenku.deploy.parameters import shown_value
from tenku.services.cloudformation.errors import no_change_set, no_stack, validation
from tenku.services.cloudformation.models import ChangeSet, Stack, is_arn
from tenku.services.cloudformation.runner import Runner
from tenku.services.cloudformation.store import CloudFormationStore
from tenku.storage import Storage


class CloudFormationBase:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.db = storage
        self.store = CloudFormationStore(storage)
        self.clock = clock
        self.api: ApiCaller | None = None  # set by the registry: resources use the public API
        self.runner = Runner(self.store, clock, lambda: self.api)
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    def caller(self) -> ApiCaller:
        assert self.api is not None, "the registry sets the ApiCaller"
        return self.api

    def find_stack(self, scope: Scope, name: str, *, deleted_by_id: bool = True) -> Stack:
        """The live stack of that name, or the stack of that id (deleted ones included)."""
        stack: Stack | None
        if is_arn(name):
            arn = Arn.parse(name)
            stack = self.store.stack(name) if arn is not None and arn.scope == scope else None
            if stack is not None and not stack.live and not deleted_by_id:
                stack = None
        else:
            stack = self.store.live_stack_named(scope, name)
        if stack is None:
            raise no_stack(name)
        return stack

    def find_change_set(self, scope: Scope, name: str, stack_name: str | None) -> ChangeSet:
        """A change set by ARN, or by name on the named stack; ChangeSetNotFound else."""
        if is_arn(name):
            arn = Arn.parse(name)
            found = self.store.change_set(name) if arn is not None and arn.scope == scope else None
        else:
            if not stack_name:
                raise validation(
                    "StackName must be specified if ChangeSetName is not specified as an ARN."
                )
            try:
                stack = self.find_stack(scope, stack_name)
            except ServiceError as error:
                raise no_change_set(name) from error
            found = self.store.change_set_named(stack.stack_id, name)
        if found is None:
            raise no_change_set(name)
        return found

    def spawn(self, stack_id: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run `work` after every operation queued before it on this stack."""
        lock = self._locks.setdefault(stack_id, asyncio.Lock())

        async def run() -> None:
            await asyncio.sleep(0)  # after the answer that started it is committed
            async with lock:
                await work()

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def grace(self, task: asyncio.Future[Any], seconds: float) -> None:
        """Wait a little for background work, so that callers polling every 5 or 30
        seconds (the AWS CLI's waiters) find it done at their first look."""
        await asyncio.wait({task}, timeout=seconds)

    async def stop_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def shown_parameters(template: dict[str, Any], raw: dict[str, str]) -> list[dict[str, str]]:
    declared = template.get("Parameters") or {}
    return [
        {"ParameterKey": name, "ParameterValue": shown_value(declared.get(name) or {}, value)}
        for name, value in raw.items()
    ]


def tags_of(tags: list[dict[str, Any]] | None) -> list[dict[str, str]] | None:
    if tags is None:
        return None
    return [{"Key": str(t.get("Key")), "Value": str(t.get("Value", ""))} for t in tags]
