"""The SQS poller of an event-source mapping, as Lambda runs one.

Long-polls the queue through the public API, gathers a batch (up to `BatchSize`, within
`MaximumBatchingWindowInSeconds` when the batch may exceed one receive), drops messages
that fail the FilterCriteria (Lambda deletes them), invokes the function synchronously
and deletes what succeeded: the whole batch, or with `ReportBatchItemFailures` all but
the `batchItemFailures`. Failed messages are left alone, so they come back after the
queue's visibility timeout and reach its dead-letter queue after `maxReceiveCount`, as
in AWS. Several pollers run while batches come full, up to `ScalingConfig`'s
`MaximumConcurrency` and the function's reserved concurrency. FIFO queues keep their
order per message group because SQS hands out a group only while none of it is in flight.
Must not: touch the queue's store or the engine directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from tenku.core.api import ApiCaller
from tenku.core.errors import ServiceError
from tenku.core.functions import Throttled
from tenku.core.scope import Arn, Scope
from tenku.services.lambda_ import esm_models

if TYPE_CHECKING:
    from tenku.services.lambda_.esm_pollers import Pollers

log = logging.getLogger("tenku.lambda.esm")

DEFAULT_MAX_POLLERS = 5
LONG_POLL_S = 20
PROBLEM_PAUSE_S = 2.0


class SqsPoller:
    def __init__(self, owner: Pollers, scope: Scope, config: dict[str, Any], api: ApiCaller):
        self.owner = owner
        self.scope = scope
        self.config = config
        self.api = api
        self.last_result = str(config.get("LastProcessingResult") or "No records processed")
        self.queue_arn = str(config["EventSourceArn"])
        arn = Arn.parse(self.queue_arn)
        assert arn is not None
        self.queue_scope = arn.scope
        self.queue_url = f"http://localhost/{arn.account}/{arn.resource}"
        self.batch_size = int(config.get("BatchSize") or 10)
        self.window_s = float(config.get("MaximumBatchingWindowInSeconds") or 0)
        self.report_failures = "ReportBatchItemFailures" in (
            config.get("FunctionResponseTypes") or ()
        )
        self._workers: set[asyncio.Task[None]] = set()

    def wake(self) -> None:  # long polls wake themselves when messages arrive
        pass

    def _max_pollers(self) -> int:
        limit = int((self.config.get("ScalingConfig") or {}).get("MaximumConcurrency") or 0)
        limit = limit or DEFAULT_MAX_POLLERS
        reserved = self.owner.reserved_of(self.scope, self.config["FunctionArn"])
        if reserved is not None:
            limit = min(limit, max(reserved, 1))
        return limit

    async def run(self) -> None:
        self._add_worker()
        try:
            while self._workers:
                await asyncio.wait(set(self._workers))
        finally:
            for worker in self._workers:
                worker.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)

    def _add_worker(self) -> None:
        task = asyncio.get_running_loop().create_task(self._work())
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)

    async def _work(self) -> None:
        while True:
            batch = await self._collect()
            if not batch:
                if len(self._workers) > 1:
                    return  # the backlog is gone: scale back in
                continue
            if len(batch) >= min(self.batch_size, 10) and len(self._workers) < self._max_pollers():
                self._add_worker()  # full batches: the backlog can take another poller
            await self._handle(batch)

    async def _collect(self) -> list[dict[str, Any]]:
        """Up to BatchSize messages; waits for the first, then up to the batching window."""
        loop = asyncio.get_running_loop()
        batch: list[dict[str, Any]] = []
        deadline: float | None = None
        while len(batch) < self.batch_size:
            wait = LONG_POLL_S if deadline is None else max(0.0, deadline - loop.time())
            if deadline is not None and wait <= 0:
                break
            received = await self._receive(min(10, self.batch_size - len(batch)), wait)
            if received is None:
                await asyncio.sleep(PROBLEM_PAUSE_S)
                break
            batch.extend(received)
            if not batch or self.window_s <= 0:
                break
            if deadline is None:
                deadline = loop.time() + self.window_s
        return batch

    async def _receive(self, count: int, wait_s: float) -> list[dict[str, Any]] | None:
        params = {
            "QueueUrl": self.queue_url,
            "MaxNumberOfMessages": count,
            "WaitTimeSeconds": min(LONG_POLL_S, int(wait_s)),
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        }
        try:
            answer = await self.api("sqs", "ReceiveMessage", params, self.queue_scope)
        except ServiceError as error:
            self.last_result = f"PROBLEM: {error.message}"
            return None
        return list(answer.get("Messages") or [])

    async def _handle(self, messages: list[dict[str, Any]]) -> None:
        region = self.queue_scope.region
        records, dropped = [], []
        for message in messages:
            record = esm_models.sqs_record(message, self.queue_arn, region)
            if self.owner.passes(self.config, _filterable(record)):
                records.append(record)
            else:
                dropped.append(message["ReceiptHandle"])
        if dropped:
            await self._delete(dropped)
        if not records:
            return
        payload = json.dumps({"Records": records}).encode()
        try:
            result = await self.owner.invoke(self.scope, self.config["FunctionArn"], payload)
        except Throttled:
            self.last_result = "PROBLEM: Function call throttled"
            await asyncio.sleep(1.0)  # the messages return after their visibility timeout
            return
        except ServiceError as error:
            self.last_result = f"PROBLEM: {error.message}"
            await asyncio.sleep(PROBLEM_PAUSE_S)
            return
        if result.function_error is not None:
            self.last_result = "PROBLEM: Function call failed"
            return
        self.last_result = "OK"
        failed: set[str] | None = set()
        if self.report_failures:
            failed = esm_models.batch_failures(result.payload, [r["messageId"] for r in records])
        if failed is None:
            return  # a malformed failure report fails the whole batch
        await self._delete([r["receiptHandle"] for r in records if r["messageId"] not in failed])

    async def _delete(self, handles: list[str]) -> None:
        for start in range(0, len(handles), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": handle}
                for i, handle in enumerate(handles[start : start + 10])
            ]
            with contextlib.suppress(ServiceError):  # the queue may be gone meanwhile
                await self.api(
                    "sqs",
                    "DeleteMessageBatch",
                    {"QueueUrl": self.queue_url, "Entries": entries},
                    self.queue_scope,
                )


def _filterable(record: dict[str, Any]) -> dict[str, Any]:
    """The record as filters see it: a JSON body is matched as the object it holds."""
    body = record.get("body")
    try:
        parsed = json.loads(body) if isinstance(body, str) else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return {**record, "body": parsed}
    return record
