"""Queue registry: looks queues up by URL, name or ARN (with a write-through cache),
creates, reconfigures and deletes them, and checks redrive targets.
"""

from __future__ import annotations

import json

from tenku.core.clock import Clock
from tenku.core.context import RequestContext
from tenku.core.scope import Arn, Scope
from tenku.services.sqs import models
from tenku.services.sqs.errors import invalid_parameter, queue_does_not_exist, sqs_error
from tenku.services.sqs.models import Queue
from tenku.services.sqs.store import SqsStore

FIFO_DEFAULTS = {
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}


class QueueRegistry:
    def __init__(self, store: SqsStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        # Every write to a queue row goes through this registry, so the cache is exact.
        self._cache: dict[tuple[Scope, str], Queue] = {}

    def get(self, scope: Scope, name: str) -> Queue | None:
        key = (scope, name)
        queue = self._cache.get(key)
        if queue is None:
            queue = self.store.get_queue(scope, name)
            if queue is not None:
                self._cache[key] = queue
        return queue

    def require(self, scope: Scope, name: str) -> Queue:
        queue = self.get(scope, name)
        if queue is None:
            raise queue_does_not_exist()
        return queue

    def by_url(self, ctx: RequestContext, url: str | None) -> Queue:
        if not url:
            raise sqs_error("MissingParameter", "The request must contain the parameter QueueUrl.")
        parsed = models.parse_queue_url(url)
        if parsed is None:
            raise sqs_error("InvalidAddress", f"The address {url} is not valid for this endpoint.")
        account, name = parsed
        return self.require(Scope(account, ctx.scope.region), name)

    def by_arn(self, arn: str) -> Queue | None:
        parsed = Arn.parse(arn)
        if parsed is None or parsed.service != "sqs":
            return None
        return self.get(parsed.scope, parsed.resource)

    def all_in(self, scope: Scope, prefix: str = "") -> list[Queue]:
        return self.store.list_queues(scope, prefix)

    def create(
        self, scope: Scope, name: str, attributes: dict[str, str], tags: dict[str, str]
    ) -> Queue:
        fifo = str(attributes.get("FifoQueue", "")).lower() == "true"
        models.validate_queue_name(name, fifo)
        normalized = models.normalize_queue_attributes(attributes, fifo=fifo, creating=True)
        if normalized.get("FifoQueue") == "false":
            del normalized["FifoQueue"]
        check_tags(tags)
        existing = self.get(scope, name)
        if existing is not None:
            differing = [
                key
                for key, value in normalized.items()
                if existing.attributes.get(key, models.DEFAULTS.get(key)) != value
            ]
            if differing:
                raise sqs_error(
                    "QueueNameExists",
                    "A queue already exists with the same name and a different value for "
                    f"attribute(s) {', '.join(differing)}",
                )
            return existing
        now = self.clock.now()
        deleted = self.store.deleted_at(scope, name)
        if deleted is not None and now - deleted < models.DELETE_RECREATE_SECONDS:
            raise sqs_error(
                "QueueDeletedRecently",
                "You must wait 60 seconds after deleting a queue before you can create another "
                "with the same name.",
            )
        stored = {**models.DEFAULTS, **(FIFO_DEFAULTS if fifo else {}), **normalized}
        self._check_redrive(scope, name, stored)
        queue = self.store.create_queue(scope, name, stored, dict(tags), now)
        self._cache[(scope, name)] = queue
        return queue

    def set_attributes(self, queue: Queue, attributes: dict[str, str]) -> None:
        normalized = models.normalize_queue_attributes(attributes, fifo=queue.fifo, creating=False)
        merged = dict(queue.attributes)
        for key, value in normalized.items():
            if value == "" and key in (
                "Policy",
                "RedrivePolicy",
                "RedriveAllowPolicy",
                "KmsMasterKeyId",
            ):
                merged.pop(key, None)
            else:
                merged[key] = value
        self._check_redrive(queue.scope, queue.name, merged)
        queue.attributes = merged
        queue.modified = self.clock.now()
        self.store.save_queue(queue)

    def save(self, queue: Queue) -> None:
        self.store.save_queue(queue)

    def delete(self, queue: Queue) -> None:
        self.store.delete_queue(queue, self.clock.now())
        self._cache.pop((queue.scope, queue.name), None)

    def _check_redrive(self, scope: Scope, name: str, attributes: dict[str, str]) -> None:
        raw = attributes.get("RedrivePolicy")
        if not raw:
            return
        target_arn = json.loads(raw)["deadLetterTargetArn"]
        target = self.by_arn(target_arn)
        if target is None:
            raise invalid_parameter("RedrivePolicy", raw, "Dead letter target does not exist.")
        fifo = attributes.get("FifoQueue") == "true"
        if target.fifo != fifo:
            raise invalid_parameter(
                "RedrivePolicy",
                raw,
                "Dead-letter target owner should be same as source queue type (FIFO or standard).",
            )
        if not models.redrive_allowed(target, scope.arn("sqs", name)):
            raise invalid_parameter(
                "RedrivePolicy",
                raw,
                "Dead letter target does not allow this queue as a source (RedriveAllowPolicy).",
            )

    def dead_letter_sources(self, dlq: Queue) -> list[Queue]:
        sources = []
        for queue in self.store.list_queues(dlq.scope):
            redrive = queue.redrive
            if redrive and redrive[0] == dlq.arn:
                sources.append(queue)
        return sources


def check_tags(tags: dict[str, str]) -> None:
    if len(tags) > 50:
        raise invalid_parameter("Tags", len(tags), "Too many tags added for queue (max 50).")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or len(str(value)) > 256:
            raise invalid_parameter(
                "Tags", key, "Tag keys must be 1 to 128 and values 0 to 256 characters long."
            )
