"""Message move tasks: moving messages out of a dead-letter queue, back to their source
queues or to a chosen destination, at a bounded rate, in the background.

Task state lives in storage, so a task that was running when Tenku stopped resumes on
the next start.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from tenku.core.clock import Clock
from tenku.core.ids import new_uuid
from tenku.services.sqs.delivery import Delivery
from tenku.services.sqs.errors import invalid_parameter, sqs_error
from tenku.services.sqs.models import Queue
from tenku.services.sqs.queues import QueueRegistry
from tenku.services.sqs.store import SqsStore

DEFAULT_RATE = 500  # messages per second when the caller sets no limit
MAX_RATE = 500


class MoveTasks:
    def __init__(
        self, store: SqsStore, queues: QueueRegistry, delivery: Delivery, clock: Clock
    ) -> None:
        self.store = store
        self.queues = queues
        self.delivery = delivery
        self.clock = clock
        self._running: dict[str, asyncio.Task[None]] = {}

    def start(self, source_arn: str, destination_arn: str | None, rate: int | None) -> str:
        source = self.queues.by_arn(source_arn)
        if source is None:
            raise sqs_error(
                "ResourceNotFoundException",
                "The resource that you specified for the SourceArn parameter doesn't exist.",
            )
        if not self.queues.dead_letter_sources(source):
            raise invalid_parameter(
                "SourceArn", source_arn, "Source queue must be configured as a Dead Letter Queue."
            )
        if destination_arn is not None and self.queues.by_arn(destination_arn) is None:
            raise sqs_error(
                "ResourceNotFoundException",
                "The resource that you specified for the DestinationArn parameter doesn't exist.",
            )
        if rate is not None and not 1 <= rate <= MAX_RATE:
            raise invalid_parameter(
                "MaxNumberOfMessagesPerSecond",
                rate,
                f"MaxNumberOfMessagesPerSecond must be between 1 and {MAX_RATE}.",
            )
        if any(t["status"] in ("RUNNING", "CANCELLING") for t in self.store.move_tasks(source_arn)):
            raise sqs_error(
                "UnsupportedOperation",
                "There is already a task running. Only one active task is allowed for a source "
                "queue arn at a given time.",
            )
        visible, in_flight, delayed = self.store.counts(source.id, int(self.clock.now() * 1000))
        handle = base64.b64encode(
            json.dumps({"taskId": new_uuid(), "sourceArn": source_arn}).encode()
        ).decode()
        task = {
            "handle": handle,
            "account": source.scope.account,
            "region": source.scope.region,
            "source_arn": source_arn,
            "destination_arn": destination_arn,
            "rate": rate,
            "status": "RUNNING",
            "moved": 0,
            "to_move": visible + in_flight + delayed,
            "failure": None,
            "started": self.clock.now(),
        }
        self.store.save_move_task(task)
        self._launch(task)
        return handle

    def resume(self) -> None:
        for task in self.store.move_tasks():
            if task["status"] in ("RUNNING", "CANCELLING"):
                self._launch(task)

    def _launch(self, task: dict[str, Any]) -> None:
        self._running[task["handle"]] = asyncio.create_task(self._run(task))

    async def stop(self) -> None:
        for running in self._running.values():
            running.cancel()
        self._running.clear()

    async def _run(self, task: dict[str, Any]) -> None:
        rate = task["rate"] or DEFAULT_RATE
        while True:
            current = self._find(task["handle"])
            if current is None:
                return
            if current["status"] == "CANCELLING":
                current["status"] = "CANCELLED"
                self.store.save_move_task(current)
                return
            source = self.queues.by_arn(current["source_arn"])
            if source is None:
                current["status"], current["failure"] = (
                    "FAILED",
                    "AWS.SimpleQueueService.NonExistentQueue",
                )
                self.store.save_move_task(current)
                return
            batch = max(1, rate // 10)
            moved = self._move_some(source, current, batch)
            current["moved"] += moved
            if moved == 0:
                current["status"] = "COMPLETED"
            self.store.save_move_task(current)
            if moved == 0:
                return
            await asyncio.sleep(0.1)

    def _move_some(self, source: Queue, task: dict[str, Any], limit: int) -> int:
        now_ms = int(self.clock.now() * 1000)
        moved = 0
        with self.store.db.transaction():
            for message in self.store.visible_messages(source.id, now_ms, limit):
                target_arn = task["destination_arn"] or message.dlq_source
                target = self.queues.by_arn(target_arn) if target_arn else None
                if target is None:
                    continue
                self.delivery.transfer(
                    source, message, target, now_ms, sent_ms=now_ms, dead_letter=False
                )
                moved += 1
        return moved

    def _find(self, handle: str) -> dict[str, Any] | None:
        for task in self.store.move_tasks():
            if task["handle"] == handle:
                return task
        return None

    def list(self, source_arn: str, max_results: int | None) -> list[dict[str, Any]]:
        if max_results is not None and not 1 <= max_results <= 10:
            raise invalid_parameter(
                "MaxResults", max_results, "MaxResults must be between 1 and 10."
            )
        if self.queues.by_arn(source_arn) is None:
            raise sqs_error(
                "ResourceNotFoundException",
                "The resource that you specified for the SourceArn parameter doesn't exist.",
            )
        results = []
        for task in self.store.move_tasks(source_arn)[: max_results or 1]:
            entry: dict[str, Any] = {
                "Status": task["status"],
                "SourceArn": task["source_arn"],
                "ApproximateNumberOfMessagesMoved": task["moved"],
                "ApproximateNumberOfMessagesToMove": task["to_move"],
                "StartedTimestamp": int(task["started"] * 1000),
            }
            if task["status"] == "RUNNING":
                entry["TaskHandle"] = task["handle"]
            if task["destination_arn"]:
                entry["DestinationArn"] = task["destination_arn"]
            if task["rate"]:
                entry["MaxNumberOfMessagesPerSecond"] = task["rate"]
            if task["failure"]:
                entry["FailureReason"] = task["failure"]
            results.append(entry)
        return results

    def cancel(self, handle: str) -> int:
        task = self._find(handle)
        if task is None:
            raise sqs_error("ResourceNotFoundException", "Task does not exist.")
        if task["status"] != "RUNNING":
            raise sqs_error("UnsupportedOperation", "Only active tasks can be cancelled.")
        task["status"] = "CANCELLING"
        self.store.save_move_task(task)
        return int(task["moved"])
