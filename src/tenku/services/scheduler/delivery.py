"""Delivery: call the target of every occurrence in the outbox, with retries and the
dead-letter queue.

Each outbox row is one occurrence; a worker takes rows that are due (by the injected
clock) and calls the target through the public API (`ApiCaller`). On success the row is
deleted. On an error the attempt counts, and the row is due again after a backoff that
doubles from `FIRST_RETRY_S` up to `MAX_RETRY_S`, until the RetryPolicy is spent:
MaximumRetryAttempts retries after the first attempt, or an occurrence older than
MaximumEventAgeInSeconds. Then the Input goes to the DeadLetterConfig queue with the
message attributes AWS sets (ERROR_CODE, ERROR_MESSAGE, EXECUTION_ID,
EXHAUSTED_RETRY_CONDITION, IS_PAYLOAD_TRUNCATED, RETRY_ATTEMPTS, SCHEDULED_TIME,
SCHEDULE_ARN, TARGET_ARN), or, without one, is dropped and logged.
A target whose service Tenku does not serve yet (`NotImplemented`) is not an attempt:
the row waits `PARKED_RETRY_S` and tries again, however long that takes, so nothing is
lost while that service is being built. A row is deleted only after its call returned,
so a crash in between delivers it again after the restart: at least once.
Must not: import another service; fire schedules (the firing does).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.errors import ServiceError
from tenku.core.scope import Arn
from tenku.services.scheduler.store import Delivery, SchedulerStore
from tenku.services.scheduler.targets import (
    Context,
    call_for,
    render_input,
    scheduled_time_text,
)

log = logging.getLogger("tenku.scheduler")

FIRST_RETRY_S = 1.0
MAX_RETRY_S = 60.0
PARKED_RETRY_S = 60.0
POLL_S = 5.0
BATCH = 100
MAX_DLQ_ERROR_MESSAGE = 1024

# (schedule id, version) of a completed schedule whose ActionAfterCompletion is DELETE
Completed = Callable[[int, int], None]


class Deliveries:
    def __init__(self, store: SchedulerStore, clock: Clock, completed: Completed) -> None:
        self.store = store
        self.clock = clock
        self.completed = completed
        self.api: ApiCaller | None = None  # wired by the registry
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._running: dict[int, asyncio.Task[None]] = {}
        self._parked: set[int] = set()  # outbox rows waiting for a service Tenku lacks

    def start(self) -> None:
        self._worker = asyncio.create_task(self._work_forever())

    async def stop(self) -> None:
        tasks = [t for t in (self._worker, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._worker = None

    def wake(self) -> None:
        self._wake.set()

    async def _work_forever(self) -> None:
        while True:
            self._wake.clear()
            now = self.clock.now()
            for delivery in self.store.due_deliveries(now, BATCH):
                if delivery.id in self._running:
                    continue
                task = asyncio.create_task(self._attempt(delivery))
                self._running[delivery.id] = task
                task.add_done_callback(functools.partial(self._done, delivery.id))
            delay = POLL_S
            upcoming = self.store.next_delivery_due()
            if upcoming is not None and upcoming > now:
                delay = min(upcoming - now, POLL_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    def _done(self, key: int, _task: asyncio.Task[None]) -> None:
        self._running.pop(key, None)
        self._wake.set()  # the row may be due again already (a clock far ahead)

    async def _attempt(self, delivery: Delivery) -> None:
        attempt = delivery.attempts + 1
        target = delivery.target
        context = Context(delivery.schedule_arn, delivery.scheduled, delivery.execution_id, attempt)
        body = render_input(target, context)
        try:
            call = call_for(target, body, context, delivery.scope)
            if self.api is None:
                raise ServiceError("NotImplemented", "No API caller is wired yet.", 501)
            result = await self.api(call.service, call.operation, call.params, call.scope)
            _raise_for_failed_entries(result)
        except ServiceError as error:
            if error.code == "NotImplemented":
                if delivery.id not in self._parked:  # say it once per occurrence, not each minute
                    self._parked.add(delivery.id)
                    log.warning("scheduler: %s waits for %s: %s", delivery.schedule_arn,
                                target["Arn"], error.message)  # fmt: skip
                self.store.retry_later(delivery.id, delivery.attempts, self._now() + PARKED_RETRY_S)
                return
            await self._failed(delivery, attempt, body, error)
            return
        except Exception:  # a bug must not leave the row spinning: count it as an attempt
            log.exception("scheduler: delivering %s failed", delivery.schedule_arn)
            await self._failed(delivery, attempt, body, ServiceError("InternalError", "", 500))
            return
        self._finish(delivery)

    async def _failed(
        self, delivery: Delivery, attempt: int, body: str, error: ServiceError
    ) -> None:
        policy = delivery.target["RetryPolicy"]
        retries_allowed = int(policy["MaximumRetryAttempts"])
        max_age = int(policy["MaximumEventAgeInSeconds"])
        due = self._now() + min(FIRST_RETRY_S * 2 ** (attempt - 1), MAX_RETRY_S)
        if attempt > retries_allowed:
            condition = "MaximumRetryAttempts"
        elif due - delivery.scheduled > max_age:
            condition = "MaximumEventAgeInSeconds"
        else:
            self.store.retry_later(delivery.id, attempt, due)
            return
        await self._dead_letter(delivery, attempt, body, error, condition)
        self._finish(delivery)

    def _finish(self, delivery: Delivery) -> None:
        self._parked.discard(delivery.id)
        self.store.finish(delivery.id)
        if delivery.final:
            self.completed(delivery.schedule_id, delivery.version)

    async def _dead_letter(
        self, delivery: Delivery, attempt: int, body: str, error: ServiceError, condition: str
    ) -> None:
        target = delivery.target
        queue = (target.get("DeadLetterConfig") or {}).get("Arn")
        arn = Arn.parse(queue) if queue else None
        if arn is None or self.api is None:
            log.warning("scheduler: %s dropped an invocation of %s after %d attempts: %s",
                        delivery.schedule_arn, target["Arn"], attempt, error)  # fmt: skip
            return
        message = error.message.encode()[:MAX_DLQ_ERROR_MESSAGE].decode("utf-8", "ignore")
        attributes = {
            "ERROR_CODE": error.code,
            "ERROR_MESSAGE": message or error.code,
            "EXECUTION_ID": delivery.execution_id,
            "EXHAUSTED_RETRY_CONDITION": condition,
            "IS_PAYLOAD_TRUNCATED": "false",
            "RETRY_ATTEMPTS": str(attempt - 1),
            "SCHEDULED_TIME": scheduled_time_text(delivery.scheduled),
            "SCHEDULE_ARN": delivery.schedule_arn,
            "TARGET_ARN": target["Arn"],
        }
        params: dict[str, Any] = {
            "QueueUrl": f"http://localhost/{arn.account}/{arn.resource}",
            "MessageBody": body,
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
            },
        }
        try:
            await self.api("sqs", "SendMessage", params, arn.scope)
        except ServiceError as dlq_error:
            log.warning("scheduler: %s could not dead-letter to %s: %s",
                        delivery.schedule_arn, queue, dlq_error)  # fmt: skip

    def _now(self) -> float:
        return self.clock.now()


def _raise_for_failed_entries(result: dict[str, Any]) -> None:
    """PutEvents answers 200 with failed entries; a failed entry is a failed delivery."""
    if not result.get("FailedEntryCount"):
        return
    entries: list[dict[str, Any]] = result.get("Entries") or []
    entry = next((e for e in entries if e.get("ErrorCode")), {})
    raise ServiceError(
        str(entry.get("ErrorCode", "InternalFailure")), str(entry.get("ErrorMessage", "")), 400
    )
