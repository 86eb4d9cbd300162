"""The in-process event bus and the facts that cross service lines on it.

Services publish facts (a message arrived, the clock moved); other parts subscribe
(long polls, event-source pollers). Delivery is synchronous and in-process: handlers
must be quick and must not raise; anything slow belongs in a task the handler starts.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from tenku.core.scope import Scope

log = logging.getLogger("tenku.events")

E = TypeVar("E")
Handler = Callable[[Any], None]


class MessageArrived(NamedTuple):
    """A queue got a message that may be receivable now or soon."""

    scope: Scope
    queue_arn: str


class ClockAdvanced(NamedTuple):
    """The clock jumped forward; anything waiting on time should look again."""

    seconds: float


class ShuttingDown(NamedTuple):
    """Tenku is stopping: answer long-held requests now instead of at their deadline."""


class LogEvent(NamedTuple):
    """A line a function (or Tenku) wrote to a log group/stream."""

    scope: Scope
    group: str
    stream: str
    timestamp_ms: int
    message: str


class DynamoDBStreamRecord(NamedTuple):
    """An item of a table with a stream enabled changed; `record` is the stream record
    as DynamoDB Streams' GetRecords returns it (binary values as bytes)."""

    scope: Scope
    table_arn: str
    stream_arn: str
    record: dict[str, Any]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call `handler` for every event of `event_type`; returns an unsubscribe function."""
        self._handlers[event_type].append(handler)

        def unsubscribe() -> None:
            handlers = self._handlers[event_type]
            if handler in handlers:
                handlers.remove(handler)

        return unsubscribe

    def publish(self, event: object) -> None:
        for handler in tuple(self._handlers.get(type(event), ())):
            try:
                handler(event)
            except Exception:  # a bad subscriber must not break the publisher
                log.exception("event handler failed for %r", event)
