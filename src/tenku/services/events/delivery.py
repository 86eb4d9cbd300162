"""Delivering owed events to targets: retries, backoff, dead-letter queues.

A background worker takes due outbox rows and delivers each through the public API
(`ApiCaller`): SQS SendMessage (FIFO queues get the target's MessageGroupId and the
event id as deduplication id, so retries do not duplicate), Lambda Invoke (Event), SNS
Publish, PutEvents to another bus, or an HTTP call for API destinations (run in a
thread, so the event loop never waits on the network). As EventBridge does, errors
that cannot heal (the target is gone, the request is refused) go straight to the
dead-letter queue; others (a service unavailable or not served yet, throttling, 5xx,
HTTP 401/407/409/429) are retried with exponential backoff on the injected clock until
RetryPolicy's MaximumRetryAttempts (default 185) or MaximumEventAgeInSeconds (default
86400) is spent, then dead-lettered with the attributes AWS sets.
Must not: decide which targets an event is owed to (base.route does).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.errors import ServiceError
from tenku.core.scope import Arn, Scope
from tenku.patterns.matching import parse_event, to_json
from tenku.services.events.base import iso_time
from tenku.services.events.outbox import Outbox, Pending
from tenku.services.events.transform import input_path, render_template

log = logging.getLogger("tenku.events")

DEFAULT_MAX_RETRIES = 185
DEFAULT_MAX_AGE_S = 86_400
BACKOFF_CAP_S = 300
POLL_S = 0.25
IN_FLIGHT = 32
HTTP_TIMEOUT_S = 5.0
HTTP_RETRIED = frozenset((401, 407, 409, 429))
GONE = frozenset(
    (
        "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
        "ResourceNotFoundException", "NotFound", "NotFoundException",
    )
)  # fmt: skip
RETRIED = frozenset(
    ("TooManyRequestsException", "ThrottlingException", "Throttling", "RequestThrottled")
)

# (scope, destination ARN, target, body) -> (method, url, headers, body) or None
HttpRequestBuilder = Callable[
    [Scope, str, dict[str, Any], str], "tuple[str, str, dict[str, str], bytes] | None"
]


class Failure(Exception):
    def __init__(self, code: str, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry = retry


def backoff_s(failures: int) -> float:
    return float(min(2 ** (failures - 1), BACKOFF_CAP_S))


def target_input(target: dict[str, Any], event: Any, rule_arn: str, first_ms: int) -> str:
    """The body a target receives: the event, or what Input* makes of it."""
    if target.get("Input") is not None:
        return str(target["Input"])
    if target.get("InputPath") is not None:
        return input_path(event, target["InputPath"])
    transformer = target.get("InputTransformer")
    if transformer is not None:
        return render_template(
            transformer["InputTemplate"],
            transformer.get("InputPathsMap") or {},
            event,
            rule_arn=rule_arn,
            rule_name=rule_arn.rsplit("/", 1)[-1],
            ingestion_time=iso_time(first_ms / 1000),
        )
    return to_json(event)


class Deliverer:
    def __init__(
        self,
        outbox: Outbox,
        clock: Clock,
        api: Callable[[], ApiCaller | None],
        http_request: HttpRequestBuilder,
    ) -> None:
        self.outbox = outbox
        self.clock = clock
        self.api = api
        self.http_request = http_request
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._busy: set[int] = set()

    def now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._worker = asyncio.create_task(self._work_forever())

    async def stop(self) -> None:
        tasks = [t for t in (self._worker, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _work_forever(self) -> None:
        while True:
            room = IN_FLIGHT - len(self._running)
            if room > 0:
                for row in self.outbox.due(self.now_ms(), room + len(self._busy)):
                    if row.id in self._busy or len(self._running) >= IN_FLIGHT:
                        continue
                    self._busy.add(row.id)
                    task = asyncio.create_task(self._attempt(row))
                    self._running.add(task)
                    task.add_done_callback(self._running.discard)
                    task.add_done_callback(self._release(row.id))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_S)

    def _release(self, item: int) -> Callable[[asyncio.Task[None]], None]:
        return lambda _task: self._busy.discard(item)

    async def _attempt(self, row: Pending) -> None:
        target = json.loads(row.target)
        policy = target.get("RetryPolicy") or {}
        max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES))
        max_age_ms = int(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S)) * 1000
        try:
            await self._deliver(row, target)
        except Failure as failure:
            failures = row.attempts + 1
            if not failure.retry:
                await self._dead_letter(row, target, failure, None, failures)
            elif failures - 1 >= max_retries:
                await self._dead_letter(
                    row, target, failure, "MaximumRetryAttemptsExhausted", failures
                )
            else:
                due = self.now_ms() + int(backoff_s(failures) * 1000)
                if due - row.first_ms > max_age_ms:
                    await self._dead_letter(
                        row, target, failure, "MaximumEventAgeExhausted", failures
                    )
                else:
                    self.outbox.retry_at(row.id, failures, due)
                    self._wake.set()
                    return
        except Exception:  # a bug here must not kill the worker; the row is retried
            log.exception("delivery of outbox row %s failed unexpectedly", row.id)
            self.outbox.retry_at(row.id, row.attempts + 1, self.now_ms() + BACKOFF_CAP_S * 1000)
            return
        self.outbox.done(row.id)

    async def _deliver(self, row: Pending, target: dict[str, Any]) -> None:
        arn = Arn.parse(target["Arn"])
        if arn is None:
            raise Failure(
                "INVALID_PARAMETER", f"Target ARN {target['Arn']} is not valid.", retry=False
            )
        event = parse_event(row.event)
        body = target_input(target, event, row.rule_arn, row.first_ms)
        if arn.service == "sqs":
            params: dict[str, Any] = {
                "QueueUrl": f"http://localhost/{arn.account}/{arn.resource}",
                "MessageBody": body,
            }
            if arn.resource.endswith(".fifo"):
                params["MessageGroupId"] = (target.get("SqsParameters") or {}).get(
                    "MessageGroupId", ""
                )
                params["MessageDeduplicationId"] = event.get("id", str(row.id))
            await self._call("sqs", "SendMessage", params, arn.scope)
        elif arn.service == "lambda":
            await self._call(
                "lambda",
                "Invoke",
                {
                    "FunctionName": target["Arn"],
                    "InvocationType": "Event",
                    "Payload": body.encode(),
                },
                arn.scope,
            )
        elif arn.service == "sns":
            await self._call(
                "sns", "Publish", {"TopicArn": target["Arn"], "Message": body}, arn.scope
            )
        elif arn.service == "events" and arn.resource.startswith("event-bus/"):
            await self._forward(event, target["Arn"], arn.scope)
        elif arn.service == "events" and arn.resource.startswith("api-destination/"):
            await self._http(row.scope, target, body)
        else:
            raise Failure(
                "SDK_CLIENT_ERROR",
                f"Tenku cannot deliver to {arn.service} targets yet.",
                retry=True,
            )

    async def _call(
        self, service: str, operation: str, params: dict[str, Any], scope: Scope
    ) -> dict[str, Any]:
        api = self.api()
        if api is None:
            raise Failure("SDK_CLIENT_ERROR", "The service is not reachable yet.", retry=True)
        try:
            return await api(service, operation, params, scope)
        except ServiceError as error:
            if error.code in GONE:
                raise Failure("NO_RESOURCE", error.message, retry=False) from None
            retry = error.status >= 500 or error.code in RETRIED
            raise Failure(
                "SDK_CLIENT_ERROR", f"{error.code}: {error.message}", retry=retry
            ) from None

    async def _forward(self, event: dict[str, Any], bus_arn: str, scope: Scope) -> None:
        entry: dict[str, Any] = {
            "Source": event.get("source"),
            "DetailType": event.get("detail-type"),
            "Detail": to_json(event.get("detail", {})),
            "Resources": event.get("resources") or [],
            "EventBusName": bus_arn,
        }
        answer = await self._call("events", "PutEvents", {"Entries": [entry]}, scope)
        if answer.get("FailedEntryCount"):
            failed = answer["Entries"][0]
            raise Failure("NO_RESOURCE", str(failed.get("ErrorMessage")), retry=False)

    async def _http(self, scope: Scope, target: dict[str, Any], body: str) -> None:
        request = self.http_request(scope, target["Arn"], target, body)
        if request is None:
            raise Failure("NO_RESOURCE", "The API destination does not exist.", retry=False)
        status = await asyncio.to_thread(_send_http, *request)
        if status is None:
            raise Failure("CONNECTION_FAILURE", "Unable to connect to the endpoint.", retry=True)
        if 200 <= status < 300:
            return
        retry = status >= 500 or status in HTTP_RETRIED
        raise Failure("SDK_CLIENT_ERROR", f"The endpoint answered HTTP {status}.", retry=retry)

    async def _dead_letter(
        self,
        row: Pending,
        target: dict[str, Any],
        failure: Failure,
        exhausted: str | None,
        attempts: int,
    ) -> None:
        queue = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not queue:
            log.warning(
                "event dropped for %s on %s: %s", target["Arn"], row.rule_arn, failure.message
            )
            return
        arn = Arn.parse(queue)
        attributes = {
            "RULE_ARN": row.rule_arn,
            "TARGET_ARN": target["Arn"],
            "ERROR_CODE": failure.code,
            "ERROR_MESSAGE": failure.message[:1024],
            "RETRY_ATTEMPTS": str(attempts - 1),
        }
        if exhausted:
            attributes["EXHAUSTED_RETRY_CONDITION"] = exhausted
        api = self.api()
        if arn is None or api is None:
            return
        try:
            await api(
                "sqs",
                "SendMessage",
                {
                    "QueueUrl": f"http://localhost/{arn.account}/{arn.resource}",
                    "MessageBody": row.event,
                    "MessageAttributes": {
                        k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
                    },
                },
                arn.scope,
            )
        except ServiceError as error:
            log.error("dead-letter queue %s refused an event: %s", queue, error)


def _send_http(method: str, url: str, headers: dict[str, str], body: bytes) -> int | None:
    """One HTTP call (in a worker thread); the status, or None when unreachable."""
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError, ValueError):
        return None
