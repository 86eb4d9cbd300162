"""Asynchronous (Event) invocation: a durable queue, Lambda's retries, and destinations.

An Event invoke is stored before it is acknowledged (202), then run by a worker. A
function error is retried as Lambda does — twice by default, one minute and then two
minutes later (`MaximumRetryAttempts`, `MaximumEventAgeInSeconds` from the event invoke
config). When the attempts are spent, the invocation record goes to the on-failure
destination; a success goes to the on-success destination. The invoked version's
dead-letter queue (DeadLetterConfig), when it has one, gets the original event as well,
with the RequestID, ErrorCode and ErrorMessage message attributes Lambda adds.
Destinations are reached through the public API (`ApiCaller`): SQS queues (SendMessage),
SNS topics (Publish), Lambda functions (an Event Invoke) and EventBridge buses (PutEvents
of an event with source "lambda" and detail-type "Lambda Function Invocation Result -
Success" or "- Failure", whose resources are the bus and the function version); dead-
letter targets are SQS queues or SNS topics. An invocation leaves the durable queue only
after its destinations were sent to (or the sending raised), so a crash in between
repeats it rather than loses its record. Times come from the injected clock, so tests advance it.
Must not: import another service or the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.errors import ServiceError
from tenku.core.functions import FunctionSpec, InvocationResult, Throttled
from tenku.core.scope import Arn, Scope
from tenku.storage import Storage

log = logging.getLogger("tenku.lambda")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS lambda_async (
        id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
        function TEXT NOT NULL, version TEXT NOT NULL, request_id TEXT NOT NULL,
        payload BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        first_ms INTEGER NOT NULL, due_ms INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS lambda_async_due ON lambda_async (due_ms)",
)
RETRY_DELAYS_S = (60, 120)  # before the second and the third attempt
THROTTLE_RETRY_S = 1.0
POLL_S = 0.25

# (scope, function name, version) -> the spec to run, or None when the function is gone
SpecFinder = Callable[[Scope, str, str], FunctionSpec | None]
# (scope, function name, version) -> the event invoke config that applies
ConfigFinder = Callable[[Scope, str, str], dict[str, Any]]
Invoke = Callable[[FunctionSpec, bytes, str], Awaitable[InvocationResult]]
# (scope, function name, version) -> the dead-letter queue or topic ARN, if any
DeadLetterFinder = Callable[[Scope, str, str], str | None]
MAX_DLQ_ERROR_MESSAGE = 1024


class AsyncInvocations:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        find_spec: SpecFinder,
        find_config: ConfigFinder,
        invoke: Invoke,
    ) -> None:
        self.db = storage
        storage.ensure_schema("lambda-async", SCHEMA)
        self.clock = clock
        self.find_spec = find_spec
        self.find_config = find_config
        self.invoke = invoke
        self.api: ApiCaller | None = None  # wired by the gateway once it exists
        self.find_dead_letter: DeadLetterFinder | None = None  # wired by the provider
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def enqueue(
        self, scope: Scope, function: str, version: str, payload: bytes, request_id: str
    ) -> None:
        """Store an Event invocation; it runs once the caller has its 202."""
        now = self._now_ms()
        self.db.insert(
            "INSERT INTO lambda_async (account, region, function, version, request_id, payload,"
            " first_ms, due_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (scope.account, scope.region, function, version, request_id, payload, now, now),
        )
        self._wake.set()

    def wake(self) -> None:
        """Look for due invocations now (new work, or the clock moved)."""
        self._wake.set()

    def start(self) -> None:
        self._worker = asyncio.create_task(self._work_forever())

    async def stop(self) -> None:
        tasks = [t for t in (self._worker, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _work_forever(self) -> None:
        busy: set[int] = set()
        while True:
            for row in self.db.query(
                "SELECT id, account, region, function, version, request_id, payload, attempts,"
                " first_ms FROM lambda_async WHERE due_ms <= ? ORDER BY due_ms LIMIT 100",
                (self._now_ms(),),
            ):
                if row[0] in busy:
                    continue
                busy.add(row[0])
                task = asyncio.create_task(self._attempt(row))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
                task.add_done_callback(_forget(busy, row[0]))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_S)

    async def _attempt(self, row: tuple[Any, ...]) -> None:
        item, account, region, function, version, request_id, payload, attempts, first = row
        scope = Scope(account, region)
        spec = self.find_spec(scope, function, version)
        if spec is None:  # the function (or version) was deleted meanwhile
            self.db.execute("DELETE FROM lambda_async WHERE id = ?", (item,))
            return
        try:
            result = await self.invoke(spec, bytes(payload), request_id)
        except Throttled:
            self.db.execute(
                "UPDATE lambda_async SET due_ms = ? WHERE id = ?",
                (self._now_ms() + int(THROTTLE_RETRY_S * 1000), item),
            )
            return
        attempts += 1
        config = self.find_config(scope, function, version)
        if result.function_error is None:
            try:
                await self._deliver(
                    scope, config, "OnSuccess", "Success", spec, payload, result, attempts,
                    request_id,
                )  # fmt: skip
            finally:  # a kill -9 skips this: the invocation runs again rather than vanish
                self.db.execute("DELETE FROM lambda_async WHERE id = ?", (item,))
            return
        retries = int(config.get("MaximumRetryAttempts", 2))
        max_age_ms = int(config.get("MaximumEventAgeInSeconds", 21600)) * 1000
        if attempts <= retries:
            due = self._now_ms() + RETRY_DELAYS_S[min(attempts, len(RETRY_DELAYS_S)) - 1] * 1000
            if due - first <= max_age_ms:
                self.db.execute(
                    "UPDATE lambda_async SET attempts = ?, due_ms = ? WHERE id = ?",
                    (attempts, due, item),
                )
                return
            condition = "EventAgeExceeded"
        else:
            condition = "RetriesExhausted"
        try:
            await self._deliver(
                scope, config, "OnFailure", condition, spec, payload, result, attempts, request_id
            )
            await self._dead_letter(scope, function, version, spec, payload, result, request_id)
        finally:
            self.db.execute("DELETE FROM lambda_async WHERE id = ?", (item,))

    async def _dead_letter(
        self,
        scope: Scope,
        function: str,
        version: str,
        spec: FunctionSpec,
        payload: bytes,
        result: InvocationResult,
        request_id: str,
    ) -> None:
        """Send the original event to the version's dead-letter queue, if it has one."""
        target = self.find_dead_letter(scope, function, version) if self.find_dead_letter else None
        if not target:
            return
        error = _json_or_text(result.payload)
        message = error.get("errorMessage") if isinstance(error, dict) else None
        if not isinstance(message, str):
            message = result.payload.decode("utf-8", "replace")
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {
                "DataType": "String",
                "StringValue": message.encode()[:MAX_DLQ_ERROR_MESSAGE].decode("utf-8", "ignore")
                or "Unhandled",
            },
        }
        body = bytes(payload).decode("utf-8", "replace")
        await self._send(scope, target, body, request_id, spec.arn, attributes)

    async def _deliver(
        self,
        scope: Scope,
        config: dict[str, Any],
        kind: str,
        condition: str,
        spec: FunctionSpec,
        payload: bytes,
        result: InvocationResult,
        attempts: int,
        request_id: str,
    ) -> None:
        destination = ((config.get("DestinationConfig") or {}).get(kind) or {}).get("Destination")
        if not destination:
            if condition != "Success":
                log.warning("event invocation %s of %s ended: %s", request_id, spec.arn, condition)
            return
        record = {
            "version": "1.0",
            "timestamp": datetime.fromtimestamp(self.clock.now(), UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "requestContext": {
                "requestId": request_id,
                "functionArn": spec.arn,
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": _json_or_text(payload),
            "responseContext": {
                "statusCode": 200,
                "executedVersion": result.executed_version or spec.version,
            },
            "responsePayload": _json_or_text(result.payload),
        }
        if result.function_error:
            record["responseContext"]["functionError"] = result.function_error
        outcome = "Success" if kind == "OnSuccess" else "Failure"
        await self._send(
            scope, destination, json.dumps(record), request_id, spec.arn, detail_type=outcome
        )

    async def _send(
        self,
        scope: Scope,
        target: str,
        body: str,
        request_id: str,
        source: str,
        attributes: dict[str, Any] | None = None,
        detail_type: str = "Failure",
    ) -> None:
        """Send `body` to a queue, topic, function or event bus; `attributes` are message
        attributes (queues and topics), `detail_type` ends an event bus event's type."""
        arn = Arn.parse(target)
        if self.api is None or arn is None:
            log.error("cannot deliver event invocation %s to %s", request_id, target)
            return
        try:
            if arn.service == "sqs":
                params: dict[str, Any] = {
                    "QueueUrl": f"http://localhost/{arn.account}/{arn.resource}",
                    "MessageBody": body,
                }
                if attributes:
                    params["MessageAttributes"] = attributes
                await self.api("sqs", "SendMessage", params, arn.scope)
            elif arn.service == "sns":
                params = {"TopicArn": target, "Message": body}
                if attributes:
                    params["MessageAttributes"] = attributes
                await self.api("sns", "Publish", params, arn.scope)
            elif arn.service == "lambda":
                await self.api(
                    "lambda",
                    "Invoke",
                    {"FunctionName": target, "InvocationType": "Event", "Payload": body.encode()},
                    arn.scope,
                )
            elif arn.service == "events":
                entry = {
                    "Source": "lambda",
                    "DetailType": f"Lambda Function Invocation Result - {detail_type}",
                    "Detail": body,
                    "EventBusName": target,
                    "Resources": [target, source],
                }
                answer = await self.api("events", "PutEvents", {"Entries": [entry]}, arn.scope)
                for failed in answer.get("Entries", []):
                    if failed.get("ErrorCode"):
                        log.error(
                            "event invocation %s of %s: event bus %s refused the record: %s",
                            request_id,
                            source,
                            target,
                            failed.get("ErrorMessage") or failed["ErrorCode"],
                        )
            else:
                log.error(
                    "event invocation %s: destination type %s is not supported yet",
                    request_id,
                    arn.service,
                )
        except ServiceError as error:
            log.error(
                "event invocation %s of %s: delivery to %s failed: %s",
                request_id,
                source,
                target,
                error,
            )


def _forget(busy: set[int], item: int) -> Callable[[asyncio.Task[None]], None]:
    return lambda _task: busy.discard(item)


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")
