"""The SQS API: one method per operation of botocore's SQS model.

Methods take the request context and the operation's members as snake_case keyword
arguments, and return the output shape as a dict. Long polling waits on the event bus
(`MessageArrived`, `ClockAdvanced`) rather than polling storage.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.errors import ServiceError
from tenku.core.events import ClockAdvanced, EventBus, MessageArrived, ShuttingDown
from tenku.core.periodic import Periodic
from tenku.services.sqs import messages, models
from tenku.services.sqs.delivery import Delivery, ReceiveOptions, batch_failure
from tenku.services.sqs.errors import invalid_parameter, sqs_error
from tenku.services.sqs.movetasks import MoveTasks
from tenku.services.sqs.queues import QueueRegistry, check_tags
from tenku.services.sqs.store import SqsStore
from tenku.storage import Storage

SWEEP_INTERVAL_SECONDS = 30.0


class SqsProvider:
    service = "sqs"

    def __init__(self, storage: Storage, clock: Clock, bus: EventBus) -> None:
        self.store = SqsStore(storage)
        self.clock = clock
        self.queues = QueueRegistry(self.store, clock)
        self.delivery = Delivery(self.store, self.queues, clock, bus)
        self.move_tasks = MoveTasks(self.store, self.queues, self.delivery, clock)
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._sweeper = Periodic(SWEEP_INTERVAL_SECONDS, self.sweep)
        bus.subscribe(MessageArrived, self._wake_queue)
        bus.subscribe(ClockAdvanced, self._wake_all)
        bus.subscribe(ShuttingDown, self._drain)
        self._draining = False

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._sweeper.start()
        self.move_tasks.resume()

    async def stop(self) -> None:
        await self.move_tasks.stop()
        self._sweeper.stop()

    def sweep(self) -> None:
        """Drop messages past their queue's retention period and stale dedup ids."""
        now_ms = int(self.clock.now() * 1000)
        for scope in self.store.scopes():
            for queue in self.queues.all_in(scope):
                retention_ms = queue.int_attr("MessageRetentionPeriod") * 1000
                self.store.expire(queue.id, now_ms - retention_ms)
        self.store.forget_expired_dedup(now_ms)

    def _wake_queue(self, event: MessageArrived) -> None:
        for waiter in self._waiters.get(event.queue_arn, ()):
            waiter.set()

    def _drain(self, _event: ShuttingDown) -> None:
        self._draining = True
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        for waiters in self._waiters.values():
            for waiter in waiters:
                waiter.set()

    def _wake_all(self, _event: ClockAdvanced) -> None:
        self.sweep()
        self._wake_waiters()

    # -- queues --------------------------------------------------------------------------------
    def create_queue(
        self,
        ctx: RequestContext,
        queue_name: str,
        attributes: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        queue = self.queues.create(ctx.scope, queue_name, attributes or {}, tags or {})
        return {"QueueUrl": models.queue_url(ctx.host, queue.scope, queue.name)}

    def get_queue_url(
        self, ctx: RequestContext, queue_name: str, queue_owner_aws_account_id: str | None = None
    ) -> dict[str, Any]:
        scope = ctx.scope
        if queue_owner_aws_account_id:
            scope = type(scope)(queue_owner_aws_account_id, scope.region)
        queue = self.queues.require(scope, queue_name)
        return {"QueueUrl": models.queue_url(ctx.host, queue.scope, queue.name)}

    def list_queues(
        self,
        ctx: RequestContext,
        queue_name_prefix: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        names = [q.name for q in self.queues.all_in(ctx.scope, queue_name_prefix or "")]
        page, token = models.paginate(names, next_token, max_results)
        result: dict[str, Any] = {}
        if page:
            result["QueueUrls"] = [models.queue_url(ctx.host, ctx.scope, n) for n in page]
        if token:
            result["NextToken"] = token
        return result

    def get_queue_attributes(
        self, ctx: RequestContext, queue_url: str, attribute_names: list[str] | None = None
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        names = attribute_names or []
        for name in names:
            if name != "All" and name not in models.READABLE:
                raise sqs_error("InvalidAttributeName", f"Unknown Attribute {name}.")
        if not names:
            return {}
        wanted = set(models.READABLE) if "All" in names else set(names)
        values: dict[str, str] = {k: v for k, v in queue.attributes.items() if k in wanted}
        if wanted & {
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        }:
            visible, in_flight, delayed = self.store.counts(queue.id, int(self.clock.now() * 1000))
            values["ApproximateNumberOfMessages"] = str(visible)
            values["ApproximateNumberOfMessagesNotVisible"] = str(in_flight)
            values["ApproximateNumberOfMessagesDelayed"] = str(delayed)
        values["CreatedTimestamp"] = str(int(queue.created))
        values["LastModifiedTimestamp"] = str(int(queue.modified))
        values["QueueArn"] = queue.arn
        selected = {k: v for k, v in values.items() if k in wanted}
        return {"Attributes": selected} if selected else {}

    def set_queue_attributes(
        self, ctx: RequestContext, queue_url: str, attributes: dict[str, str]
    ) -> dict[str, Any]:
        self.queues.set_attributes(self.queues.by_url(ctx, queue_url), attributes)
        return {}

    def delete_queue(self, ctx: RequestContext, queue_url: str) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        self.queues.delete(queue)
        self._wake_queue(MessageArrived(queue.scope, queue.arn))
        return {}

    def purge_queue(self, ctx: RequestContext, queue_url: str) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        now = self.clock.now()
        if queue.last_purge is not None and now - queue.last_purge < models.PURGE_INTERVAL_SECONDS:
            raise sqs_error(
                "PurgeQueueInProgress",
                f"Only one PurgeQueue operation on {queue.name} is allowed every 60 seconds.",
            )
        queue.last_purge = now
        with self.store.db.transaction():
            self.queues.save(queue)
            self.store.purge(queue.id)
        return {}

    def tag_queue(
        self, ctx: RequestContext, queue_url: str, tags: dict[str, str]
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        merged = {**queue.tags, **tags}
        check_tags(merged)
        queue.tags = merged
        self.queues.save(queue)
        return {}

    def untag_queue(
        self, ctx: RequestContext, queue_url: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        queue.tags = {k: v for k, v in queue.tags.items() if k not in set(tag_keys)}
        self.queues.save(queue)
        return {}

    def list_queue_tags(self, ctx: RequestContext, queue_url: str) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        return {"Tags": dict(queue.tags)} if queue.tags else {}

    def add_permission(
        self,
        ctx: RequestContext,
        queue_url: str,
        label: str,
        aws_account_ids: list[str],
        actions: list[str],
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        queue.attributes["Policy"] = models.policy_with_statement(
            queue.attributes.get("Policy"), queue.arn, label, aws_account_ids, actions
        )
        self.queues.save(queue)
        return {}

    def remove_permission(self, ctx: RequestContext, queue_url: str, label: str) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        policy = models.policy_without_statement(queue.attributes.get("Policy"), label)
        if policy is None:
            queue.attributes.pop("Policy", None)
        else:
            queue.attributes["Policy"] = policy
        self.queues.save(queue)
        return {}

    def list_dead_letter_source_queues(
        self,
        ctx: RequestContext,
        queue_url: str,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        dlq = self.queues.by_url(ctx, queue_url)
        sources = self.queues.dead_letter_sources(dlq)
        page, token = models.paginate(sources, next_token, max_results)
        result: dict[str, Any] = {
            "queueUrls": [models.queue_url(ctx.host, q.scope, q.name) for q in page]
        }
        if token:
            result["NextToken"] = token
        return result

    # -- messages --------------------------------------------------------------------------------
    def send_message(
        self,
        ctx: RequestContext,
        queue_url: str,
        message_body: str,
        delay_seconds: int | None = None,
        message_attributes: dict[str, Any] | None = None,
        message_system_attributes: dict[str, Any] | None = None,
        message_deduplication_id: str | None = None,
        message_group_id: str | None = None,
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        entry = {
            "MessageBody": message_body,
            "DelaySeconds": delay_seconds,
            "MessageAttributes": message_attributes,
            "MessageSystemAttributes": message_system_attributes,
            "MessageDeduplicationId": message_deduplication_id,
            "MessageGroupId": message_group_id,
        }
        return self.delivery.send(queue, entry, ctx.access_key)

    def send_message_batch(
        self, ctx: RequestContext, queue_url: str, entries: list[dict[str, Any]]
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        return self.delivery.send_batch(queue, entries, ctx.access_key)

    async def receive_message(
        self,
        ctx: RequestContext,
        queue_url: str,
        attribute_names: list[str] | None = None,
        message_system_attribute_names: list[str] | None = None,
        message_attribute_names: list[str] | None = None,
        max_number_of_messages: int | None = None,
        visibility_timeout: int | None = None,
        wait_time_seconds: int | None = None,
        receive_request_attempt_id: str | None = None,
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        count = 1 if max_number_of_messages is None else max_number_of_messages
        if not 1 <= count <= 10:
            raise invalid_parameter(
                "MaxNumberOfMessages", count, "Must be between 1 and 10, if provided."
            )
        if wait_time_seconds is not None and not 0 <= wait_time_seconds <= 20:
            raise invalid_parameter(
                "WaitTimeSeconds", wait_time_seconds, "Must be >= 0 and <= 20, if provided."
            )
        if visibility_timeout is not None and not 0 <= visibility_timeout <= 43_200:
            raise invalid_parameter(
                "VisibilityTimeout",
                visibility_timeout,
                "Must be >= 0 and <= 43200, if provided.",
            )
        options = ReceiveOptions(
            max_messages=count,
            visibility_timeout=(
                queue.int_attr("VisibilityTimeout")
                if visibility_timeout is None
                else visibility_timeout
            ),
            system_attribute_names=[
                *(attribute_names or ()),
                *(message_system_attribute_names or ()),
            ],
            message_attribute_names=message_attribute_names,
            attempt_id=receive_request_attempt_id,
        )
        wait = (
            queue.int_attr("ReceiveMessageWaitTimeSeconds")
            if wait_time_seconds is None
            else wait_time_seconds
        )
        messages = self.delivery.receive(queue, options)
        if not messages and wait > 0:
            messages = await self._long_poll(queue, options, wait, ctx)
        return {"Messages": messages} if messages else {}

    async def _long_poll(
        self, queue: Any, options: ReceiveOptions, wait: float, ctx: RequestContext
    ) -> list[dict[str, Any]]:
        """Wait for messages until `wait` seconds pass, Tenku stops or the client leaves.

        Wakes on `MessageArrived` for the queue, on a clock jump, and when the next
        delayed or in-flight message of the queue becomes visible."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        waiters = self._waiters[queue.arn]
        gone = asyncio.ensure_future(ctx.client_gone()) if ctx.client_gone else None
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0 or self._draining or (gone and gone.done()):
                    return []
                now_ms = int(self.clock.now() * 1000)
                upcoming = self.store.next_visible_at(queue.id, now_ms)
                if upcoming is not None:
                    remaining = min(remaining, max((upcoming - now_ms) / 1000, 0.001))
                event = asyncio.Event()
                waiters.add(event)
                woken = asyncio.ensure_future(event.wait())
                try:
                    await asyncio.wait(
                        {woken, gone} if gone else {woken},
                        timeout=remaining,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    woken.cancel()
                    waiters.discard(event)
                if gone and gone.done():
                    return []
                current = self.queues.get(queue.scope, queue.name)
                if current is None or current.id != queue.id:
                    return []
                messages = self.delivery.receive(current, options)
                if messages:
                    return messages
        finally:
            if gone is not None:
                gone.cancel()

    def delete_message(
        self, ctx: RequestContext, queue_url: str, receipt_handle: str
    ) -> dict[str, Any]:
        self.delivery.delete(self.queues.by_url(ctx, queue_url), receipt_handle)
        return {}

    def delete_message_batch(
        self, ctx: RequestContext, queue_url: str, entries: list[dict[str, Any]]
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        messages.check_batch_ids(entries, "DeleteMessageBatchRequestEntry")
        return self._each_entry(entries, lambda e: self.delivery.delete(queue, e["ReceiptHandle"]))

    def change_message_visibility(
        self, ctx: RequestContext, queue_url: str, receipt_handle: str, visibility_timeout: int
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        self.delivery.change_visibility(queue, receipt_handle, visibility_timeout)
        return {}

    def change_message_visibility_batch(
        self, ctx: RequestContext, queue_url: str, entries: list[dict[str, Any]]
    ) -> dict[str, Any]:
        queue = self.queues.by_url(ctx, queue_url)
        messages.check_batch_ids(entries, "ChangeMessageVisibilityBatchRequestEntry")
        return self._each_entry(
            entries,
            lambda e: self.delivery.change_visibility(
                queue, e["ReceiptHandle"], int(e.get("VisibilityTimeout", 0))
            ),
        )

    def _each_entry(
        self, entries: list[dict[str, Any]], act: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Apply `act` to every batch entry in one transaction; a failing entry is
        reported in `Failed` and does not stop the others."""
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        with self.store.db.transaction():
            for entry in entries:
                try:
                    act(entry)
                    successful.append({"Id": entry["Id"]})
                except ServiceError as error:
                    failed.append(batch_failure(entry["Id"], error))
        return {"Successful": successful, "Failed": failed}

    # -- message move tasks ----------------------------------------------------------------------
    def start_message_move_task(
        self,
        ctx: RequestContext,
        source_arn: str,
        destination_arn: str | None = None,
        max_number_of_messages_per_second: int | None = None,
    ) -> dict[str, Any]:
        handle = self.move_tasks.start(
            source_arn, destination_arn, max_number_of_messages_per_second
        )
        return {"TaskHandle": handle}

    def list_message_move_tasks(
        self, ctx: RequestContext, source_arn: str, max_results: int | None = None
    ) -> dict[str, Any]:
        return {"Results": self.move_tasks.list(source_arn, max_results)}

    def cancel_message_move_task(self, ctx: RequestContext, task_handle: str) -> dict[str, Any]:
        return {"ApproximateNumberOfMessagesMoved": self.move_tasks.cancel(task_handle)}
