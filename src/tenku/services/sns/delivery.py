"""The deliverer: drains the outbox, delivering each (message, subscription) pair.

Every outbox row was committed with the publish that created it, so a crash loses no
acknowledged message: after a restart the worker finds the rows again and sends them
(at least once; a crash between a send and the row's deletion sends it twice).
SQS gets SendMessage and Lambda an Event Invoke through the public API (`ApiCaller`);
HTTP/S endpoints get a POST; email, SMS and other endpoints Tenku cannot reach land in
the inbox. Failures are retried by the subscription's delivery policy (HTTP/S) or the
AWS-managed schedule (SQS, Lambda) with times from the injected clock; a client-side
error, or the last retry, sends the message to the subscription's dead-letter queue.
FIFO rows are delivered one at a time per (subscription, message group), in order.
Must not: import other services or decide what gets delivered (publish does that).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.errors import ServiceError
from tenku.core.ids import new_uuid
from tenku.core.scope import Arn, Scope
from tenku.services.sns import models
from tenku.services.sns.envelopes import Envelopes, iso_ms, sqs_attributes, text_for
from tenku.services.sns.http_client import DeliveryFailed, post
from tenku.services.sns.models import Subscription
from tenku.services.sns.store import OutboxRow, SnsStore

log = logging.getLogger("tenku.sns")

MAX_IN_FLIGHT = 32
POLL_S = 0.25
CRASH_RETRY_MS = 5_000
DONE, RETRY, FAILED = "done", "retry", "failed"
_THROTTLING = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling"})
USER_AGENT = "Amazon Simple Notification Service Agent"


def queue_url(arn: Arn) -> str:
    return f"http://localhost/{arn.account}/{arn.resource}"


class Deliverer:
    def __init__(
        self,
        store: SnsStore,
        clock: Clock,
        envelopes: Envelopes,
        api: Callable[[], ApiCaller | None],
        prepare: Callable[[], Awaitable[object]],
    ) -> None:
        """`prepare` is awaited before each delivery (it loads the signing key once)."""
        self.store = store
        self.prepare = prepare
        self.clock = clock
        self.envelopes = envelopes
        self.api = api
        self._wake = asyncio.Event()
        self._busy: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def start(self) -> None:
        self._worker = asyncio.create_task(self._work_forever())

    async def stop(self) -> None:
        tasks = [t for t in (self._worker, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    async def _work_forever(self) -> None:
        while True:
            room = MAX_IN_FLIGHT - len(self._busy)
            if room > 0:
                for row in self.store.due(self._now_ms(), room + len(self._busy)):
                    if row.id in self._busy:
                        continue
                    if len(self._busy) >= MAX_IN_FLIGHT:
                        break
                    self._busy.add(row.id)
                    task = asyncio.create_task(self._attempt(row))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_S)

    async def _attempt(self, row: OutboxRow) -> None:
        try:
            await self.prepare()
            sub = self.store.subscription(row.subscription)
            if sub is None:  # unsubscribed (or its topic deleted) meanwhile
                self.store.finish(row)
                return
            message = self.store.message(row.message) if row.message is not None else None
            if row.kind == "notification" and message is None:
                self.store.finish(row)
                return
            outcome = await self._deliver(sub, row, message)
            if outcome == RETRY:
                policy = self._retry_policy(sub)
                delay = models.retry_delay(policy, row.attempts + 1)
                if delay is not None:
                    self.store.reschedule(row, self._now_ms() + int(delay * 1000))
                    return
                outcome = FAILED
            if outcome == FAILED and message is not None:
                await self._dead_letter(sub, message)
            self.store.finish(row)
        except Exception:  # a bug must not stop the deliverer; try this row later
            log.exception("SNS delivery of outbox row %s failed", row.id)
            self.store.reschedule(row, self._now_ms() + CRASH_RETRY_MS)
        finally:
            self._busy.discard(row.id)
            self._wake.set()

    def _retry_policy(self, sub: Subscription) -> dict[str, Any]:
        if sub.protocol in ("http", "https"):
            topic = self.store.topic(sub.topic_arn)
            policy = models.effective_subscription_policy(topic, sub)["healthyRetryPolicy"]
            return {**models.DEFAULT_HTTP_RETRY, **policy}
        return models.MANAGED_RETRY

    async def _deliver(
        self, sub: Subscription, row: OutboxRow, message: dict[str, Any] | None
    ) -> str:
        if row.kind == "confirmation":
            return await self._confirm(sub)
        assert message is not None
        if sub.protocol == "sqs":
            return await self._call("sqs", "SendMessage", self._sqs_params(sub, message), sub)
        if sub.protocol == "lambda":
            event = self.envelopes.lambda_event(message, sub)
            params = {
                "FunctionName": sub.endpoint,
                "InvocationType": "Event",
                "Payload": json.dumps(event).encode(),
            }
            return await self._call("lambda", "Invoke", params, sub)
        if sub.protocol in ("http", "https"):
            return await self._http(sub, message)
        self._to_inbox(sub, message)
        return DONE

    def _sqs_params(self, sub: Subscription, message: dict[str, Any]) -> dict[str, Any]:
        arn = Arn.parse(sub.endpoint)
        assert arn is not None
        params: dict[str, Any] = {"QueueUrl": queue_url(arn)}
        if sub.raw:
            params["MessageBody"] = text_for(message, "sqs")
            if message.get("attributes"):
                params["MessageAttributes"] = sqs_attributes(message["attributes"])
        else:
            params["MessageBody"] = json.dumps(self.envelopes.notification(message, sub))
        fifo_queue = arn.resource.endswith(".fifo")
        if message.get("dedup") and fifo_queue:
            params["MessageGroupId"] = message["group"]
            params["MessageDeduplicationId"] = message["dedup"]
        elif message.get("group") and not message.get("dedup") and not fifo_queue:
            params["MessageGroupId"] = message["group"]  # a standard topic's fair-queue group
        return params

    async def _call(
        self, service: str, operation: str, params: dict[str, Any], sub: Subscription
    ) -> str:
        api = self.api()
        arn = Arn.parse(sub.endpoint)
        if api is None or arn is None:
            return RETRY
        try:
            await api(service, operation, params, Scope(arn.account, arn.region))
        except ServiceError as error:
            log.warning("SNS delivery to %s failed: %s", sub.endpoint, error)
            if error.status >= 500 or error.status == 429 or error.code in _THROTTLING:
                return RETRY
            return FAILED  # a client-side error (no such queue or function): not retried
        return DONE

    async def _http(self, sub: Subscription, message: dict[str, Any]) -> str:
        headers = self._http_headers(sub, "Notification", message["id"])
        if sub.raw:
            body = text_for(message, sub.protocol)
            headers["x-amz-sns-rawdelivery"] = "true"
        else:
            body = json.dumps(self.envelopes.notification(message, sub))
        return await self._post(sub, headers, body)

    async def _confirm(self, sub: Subscription) -> str:
        if sub.confirmed or sub.protocol not in ("http", "https"):
            return DONE
        message_id = new_uuid()
        envelope = self.envelopes.confirmation(sub, message_id, self._now_ms())
        headers = self._http_headers(sub, "SubscriptionConfirmation", message_id)
        del headers["x-amz-sns-subscription-arn"]
        return await self._post(sub, headers, json.dumps(envelope))

    def _http_headers(self, sub: Subscription, kind: str, message_id: str) -> dict[str, str]:
        topic = self.store.topic(sub.topic_arn)
        policy = models.effective_subscription_policy(topic, sub)
        return {
            "x-amz-sns-message-type": kind,
            "x-amz-sns-message-id": message_id,
            "x-amz-sns-topic-arn": sub.topic_arn,
            "x-amz-sns-subscription-arn": sub.arn,
            "Content-Type": str(policy["requestPolicy"]["headerContentType"]),
            "User-Agent": USER_AGENT,
        }

    async def _post(self, sub: Subscription, headers: dict[str, str], body: str) -> str:
        try:
            status = await post(sub.endpoint, headers, body.encode())
        except DeliveryFailed as error:
            log.warning("SNS delivery to %s failed: %s", sub.endpoint, error)
            return RETRY
        # SNS counts 5xx, and anything outside 200-599, as a failed attempt.
        return DONE if 200 <= status < 500 else RETRY

    def _to_inbox(self, sub: Subscription, message: dict[str, Any]) -> None:
        if sub.protocol in ("email-json", "firehose"):
            body = json.dumps(self.envelopes.notification(message, sub))
        else:
            body = text_for(message, sub.protocol)
        arn = Arn.parse(sub.topic_arn)
        scope = arn.scope if arn else Scope()
        self.store.deliver_to_inbox(
            scope,
            {
                "protocol": sub.protocol,
                "endpoint": sub.endpoint,
                "subscriptionArn": sub.arn,
                "topicArn": sub.topic_arn,
                "messageId": message["id"],
                "subject": message.get("subject"),
                "body": body,
                "timestamp": self._now_ms(),
            },
        )

    async def _dead_letter(self, sub: Subscription, message: dict[str, Any]) -> None:
        target = models.dead_letter_arn(sub)
        arn = Arn.parse(target or "")
        api = self.api()
        if target is None or arn is None or api is None:
            log.warning("SNS message %s to %s was dropped", message["id"], sub.endpoint)
            return
        dlq_sub = Subscription(sub.arn, sub.topic_arn, "sqs", target, sub.owner, sub.attributes)
        params = self._sqs_params(dlq_sub, message)
        if arn.resource.endswith(".fifo") and "MessageGroupId" not in params:
            params["MessageGroupId"] = message.get("group") or "sns-dead-letters"
            params["MessageDeduplicationId"] = message["id"]
        try:
            await api("sqs", "SendMessage", params, arn.scope)
        except ServiceError as error:
            log.warning(
                "SNS message %s: dead-letter queue %s refused it: %s", message["id"], target, error
            )


__all__ = ["Deliverer", "iso_ms"]
