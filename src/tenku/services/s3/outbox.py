"""The notification deliverer: sends outbox rows through the public API, at least once.

Rows are written in the same transaction as the object change they announce, so every
acknowledged change has its messages stored. This worker sends due rows (SQS
`SendMessageBatch`, Lambda `Invoke` with InvocationType Event, SNS `Publish`,
EventBridge `PutEvents`), deletes the ones that were accepted, and reschedules the rest
with exponential backoff (1 s doubling to 5 minutes, from the injected clock). A service
Tenku does not serve yet (SNS, EventBridge) answers NotImplemented: those rows wait,
never dropped. A destination that is gone (deleted queue or function) is retried for a
day and then dropped with a log line, as S3 drops undeliverable events. After a restart
the worker simply finds the rows again.
Must not: import other services (only `ApiCaller`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from typing import Any

from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.errors import ServiceError
from tenku.core.scope import Arn, Scope
from tenku.services.s3.notifications import EVENTBRIDGE_TARGET
from tenku.services.s3.store import S3Store

log = logging.getLogger("tenku.s3")

POLL_S = 0.5
BATCH_ROWS = 500
MAX_BACKOFF_S = 300
GIVE_UP_AFTER_S = 86400


class Deliverer:
    def __init__(self, store: S3Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.api: ApiCaller | None = None  # wired by the gateway
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                busy = await self.deliver_due()
            except Exception:  # never let the worker die: rows stay and are retried
                log.exception("S3 notification delivery failed")
                busy = False
            if busy:
                await asyncio.sleep(0)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_S)

    async def deliver_due(self) -> bool:
        """Send one round of due rows; True when a full round was found (more may wait)."""
        if self.api is None:
            return False
        rows = self.store.due(self._now_ms(), BATCH_ROWS)
        if not rows:
            return False
        groups: dict[tuple[str, str, str], list[tuple[Any, ...]]] = defaultdict(list)
        for row in rows:
            groups[(row[1], row[2], row[3])].append(row)
        await asyncio.gather(
            *(
                self._send_group(Scope(a, r), target, items)
                for (a, r, target), items in groups.items()
            )
        )
        return len(rows) == BATCH_ROWS

    async def _send_group(self, scope: Scope, target: str, rows: list[tuple[Any, ...]]) -> None:
        arn = Arn.parse(target)
        service = "events" if target == EVENTBRIDGE_TARGET else (arn.service if arn else "")
        batch = 10 if service in ("sqs", "events") else 1
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            try:
                failed = await self._send(service, scope, target, arn, chunk)
            except ServiceError as error:
                self._retry(chunk, error)
                continue
            done = [row[0] for row in chunk if row[0] not in failed]
            if done:
                self.store.delivered(done)
            if failed:
                self._retry([row for row in chunk if row[0] in failed], None)

    async def _send(
        self,
        service: str,
        scope: Scope,
        target: str,
        arn: Arn | None,
        rows: list[tuple[Any, ...]],
    ) -> set[int]:
        """Send rows; returns the ids that failed individually (batch calls)."""
        assert self.api is not None
        if service == "sqs" and arn is not None:
            entries = [{"Id": str(row[0]), "MessageBody": row[4]} for row in rows]
            url = f"http://localhost/{arn.account}/{arn.resource}"
            result = await self.api(
                "sqs", "SendMessageBatch", {"QueueUrl": url, "Entries": entries}, arn.scope
            )
            return {int(f["Id"]) for f in result.get("Failed") or []}
        if service == "lambda" and arn is not None:
            for row in rows:
                await self.api(
                    "lambda",
                    "Invoke",
                    {"FunctionName": target, "InvocationType": "Event", "Payload": row[4].encode()},
                    arn.scope,
                )
            return set()
        if service == "sns" and arn is not None:
            for row in rows:
                await self.api(
                    "sns",
                    "Publish",
                    {"TopicArn": target, "Message": row[4], "Subject": "Amazon S3 Notification"},
                    arn.scope,
                )
            return set()
        if service == "events":
            entries = [json.loads(row[4]) for row in rows]
            result = await self.api("events", "PutEvents", {"Entries": entries}, scope)
            answers = result.get("Entries") or []
            return {
                row[0]
                for row, answer in zip(rows, answers, strict=False)
                if answer.get("ErrorCode")
            }
        log.error("S3 notification target %s is not supported; dropped", target)
        return set()

    def _retry(self, rows: list[tuple[Any, ...]], error: ServiceError | None) -> None:
        now = self._now_ms()
        not_served = error is not None and error.code == "NotImplemented"
        for item, _account, _region, target, _payload, attempts, first_ms in rows:
            if not not_served and now - first_ms > GIVE_UP_AFTER_S * 1000:
                log.error(
                    "S3 notification to %s undeliverable for a day; dropped: %s", target, error
                )
                self.store.delivered([item])
                continue
            delay = min(MAX_BACKOFF_S, 2 ** min(attempts, 16))
            self.store.retry_later(item, attempts + 1, now + delay * 1000)
