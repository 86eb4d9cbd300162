"""The DynamoDB Streams poller of an event-source mapping, as Lambda runs one.

Reads each shard in order through the public DynamoDB Streams API, from the stored
position (else `StartingPosition`), wakes on new stream records instead of waiting out a
poll interval, and hands batches of up to `BatchSize` records (gathered within
`MaximumBatchingWindowInSeconds`) that pass the FilterCriteria to the function. A batch
blocks its shard until it is handled, as in Lambda: a failed batch is retried (split in
halves first with `BisectBatchOnFunctionError`, which does not count as a retry) until
`MaximumRetryAttempts` or `MaximumRecordAgeInSeconds` gives up on it; it then goes to the
on-failure destination and the shard moves on. With `ReportBatchItemFailures`, the
records before the first reported failure count as done and the rest is retried.
Must not: touch the table's store or the engine directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from tenku.core.api import ApiCaller
from tenku.core.errors import ServiceError
from tenku.core.functions import InvocationResult, Throttled
from tenku.core.ids import new_uuid
from tenku.core.scope import Arn, Scope
from tenku.services.lambda_ import esm_models

if TYPE_CHECKING:
    from tenku.services.lambda_.esm_pollers import Pollers

log = logging.getLogger("tenku.lambda.esm")

IDLE_POLL_S = 1.0  # a wake-up normally comes first: a record written to the stream
PROBLEM_PAUSE_S = 2.0
MAX_RETRY_PAUSE_S = 2.0
MAX_GET_RECORDS = 1000


class StreamPoller:
    def __init__(self, owner: Pollers, scope: Scope, config: dict[str, Any], api: ApiCaller):
        self.owner = owner
        self.scope = scope
        self.config = config
        self.api = api
        self.uuid = str(config["UUID"])
        self.stream_arn = str(config["EventSourceArn"])
        arn = Arn.parse(self.stream_arn)
        assert arn is not None
        self.stream_scope = arn.scope
        self.batch_size = int(config.get("BatchSize") or 100)
        self.window_s = float(config.get("MaximumBatchingWindowInSeconds") or 0)
        self.max_retries = int(config.get("MaximumRetryAttempts", -1))
        self.max_age_s = int(config.get("MaximumRecordAgeInSeconds", -1))
        self.bisect = bool(config.get("BisectBatchOnFunctionError"))
        self.report_failures = "ReportBatchItemFailures" in (
            config.get("FunctionResponseTypes") or ()
        )
        destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        self.destination = str(destination) if destination else None
        self.last_result = str(config.get("LastProcessingResult") or "No records processed")
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return await self.api("dynamodbstreams", operation, params, self.stream_scope)

    async def run(self) -> None:
        done: set[str] = set()
        while True:
            try:
                described = await self._call("DescribeStream", {"StreamArn": self.stream_arn})
            except ServiceError as error:
                self.last_result = f"PROBLEM: {error.message}"
                await self._idle(PROBLEM_PAUSE_S)
                continue
            shards = described["StreamDescription"].get("Shards") or []
            pending = [s["ShardId"] for s in shards if s["ShardId"] not in done]
            if not pending:
                await self._idle(IDLE_POLL_S)
                continue
            for shard_id in pending:
                if await self._read_shard(shard_id):
                    done.add(shard_id)

    async def _idle(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _iterator(self, shard_id: str) -> str | None:
        after = self.owner.store.position(self.uuid, shard_id)
        params: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
        if after is not None:
            params.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after)
        else:
            params["ShardIteratorType"] = self.config.get("StartingPosition") or "TRIM_HORIZON"
        try:
            answer = await self._call("GetShardIterator", params)
        except ServiceError as error:
            self.last_result = f"PROBLEM: {error.message}"
            return None
        iterator = answer.get("ShardIterator")
        if after is None and iterator and params["ShardIteratorType"] == "LATEST":
            # Remember where LATEST was, so a restart does not skip what came meanwhile.
            probe = await self._call("GetRecords", {"ShardIterator": iterator, "Limit": 1})
            if not probe.get("Records"):
                return str(probe.get("NextShardIterator") or iterator)
        return str(iterator) if iterator else None

    async def _read_shard(self, shard_id: str) -> bool:
        """Process the shard until it is closed and drained (True) or fails (False)."""
        iterator = await self._iterator(shard_id)
        if iterator is None:
            await self._idle(PROBLEM_PAUSE_S)
            return False
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            batch: list[dict[str, Any]] = []
            deadline: float | None = None
            while iterator is not None and len(batch) < self.batch_size:
                limit = min(MAX_GET_RECORDS, self.batch_size - len(batch))
                try:
                    answer = await self._call(
                        "GetRecords", {"ShardIterator": iterator, "Limit": limit}
                    )
                except ServiceError as error:  # expired or trimmed: start again from the store
                    self.last_result = f"PROBLEM: {error.message}"
                    await self._idle(PROBLEM_PAUSE_S)
                    return False
                iterator = answer.get("NextShardIterator")
                batch.extend(answer.get("Records") or [])
                if not batch:
                    break
                if self.window_s <= 0 or len(batch) >= self.batch_size:
                    break
                if deadline is None:
                    deadline = loop.time() + self.window_s
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                await self._idle(min(remaining, IDLE_POLL_S))
            if batch:
                await self._process(shard_id, batch)
                continue
            if iterator is None:
                return True  # the shard is closed and read to its end
            if not self._wake.is_set():
                await self._idle(IDLE_POLL_S)

    async def _process(self, shard_id: str, fetched: list[dict[str, Any]]) -> None:
        records = [esm_models.dynamodb_record(r, self.stream_arn) for r in fetched]
        passing = [r for r in records if self.owner.passes(self.config, r)]
        pending = [passing] if passing else []
        attempts = 0
        while pending:
            batch = pending[0]
            outcome = await self._invoke(batch)
            if outcome is None:  # throttled or the function is missing: try again shortly
                await asyncio.sleep(min(MAX_RETRY_PAUSE_S, 0.25 * 2 ** min(attempts, 4)))
                continue
            result, failed_at = outcome
            if failed_at is None:
                pending.pop(0)
                attempts = 0
                self._checkpoint(shard_id, batch[-1])
                continue
            if failed_at > 0:  # the records before the first reported failure are done
                self._checkpoint(shard_id, batch[failed_at - 1])
                batch = pending[0] = batch[failed_at:]
            if self.bisect and len(batch) > 1:
                half = len(batch) // 2
                pending[0:1] = [batch[:half], batch[half:]]
                continue
            attempts += 1
            condition = self._give_up(attempts, batch)
            if condition is not None:
                await self._fail(shard_id, batch, condition, attempts, result)
                pending.pop(0)
                attempts = 0
                self._checkpoint(shard_id, batch[-1])
                continue
            await asyncio.sleep(min(MAX_RETRY_PAUSE_S, 0.05 * 2**attempts))
        self.owner.store.set_position(
            self.uuid, shard_id, fetched[-1]["dynamodb"]["SequenceNumber"]
        )

    def _checkpoint(self, shard_id: str, record: dict[str, Any]) -> None:
        self.owner.store.set_position(self.uuid, shard_id, record["dynamodb"]["SequenceNumber"])

    def _give_up(self, attempts: int, batch: list[dict[str, Any]]) -> str | None:
        if self.max_age_s != -1:
            oldest = float(batch[0]["dynamodb"].get("ApproximateCreationDateTime") or 0)
            if self.owner.clock.now() - oldest > self.max_age_s:
                return "RecordAgeExceeded"
        if self.max_retries != -1 and attempts > self.max_retries:
            return "RetryAttemptsExhausted"
        return None

    async def _invoke(
        self, batch: list[dict[str, Any]]
    ) -> tuple[InvocationResult, int | None] | None:
        """The result and the index of the first failed record (None: all succeeded);
        None when the function could not be run at all."""
        payload = json.dumps({"Records": batch}).encode()
        try:
            result = await self.owner.invoke(self.scope, self.config["FunctionArn"], payload)
        except Throttled:
            self.last_result = "PROBLEM: Function call throttled"
            return None
        except ServiceError as error:
            self.last_result = f"PROBLEM: {error.message}"
            return None
        if result.function_error is not None:
            self.last_result = "PROBLEM: Function call failed"
            return result, 0
        self.last_result = "OK"
        if not self.report_failures:
            return result, None
        sequences = [r["dynamodb"]["SequenceNumber"] for r in batch]
        failed = esm_models.batch_failures(result.payload, sequences)
        if failed is None:
            return result, 0
        if not failed:
            return result, None
        return result, min(i for i, seq in enumerate(sequences) if seq in failed)

    async def _fail(
        self,
        shard_id: str,
        batch: list[dict[str, Any]],
        condition: str,
        attempts: int,
        result: InvocationResult,
    ) -> None:
        if self.destination is None:
            return
        record = esm_models.stream_failure_record(
            request_id=new_uuid(),
            function_arn=str(self.config["FunctionArn"]),
            condition=condition,
            invoke_count=attempts,
            status_code=200,
            executed_version=result.executed_version or "$LATEST",
            function_error=result.function_error,
            now=self.owner.clock.now(),
            shard_id=shard_id,
            stream_arn=self.stream_arn,
            records=batch,
        )
        try:
            await self.owner.send_to_destination(self.scope, self.destination, json.dumps(record))
        except ServiceError as error:
            log.warning("on-failure destination %s refused a record: %s", self.destination, error)
