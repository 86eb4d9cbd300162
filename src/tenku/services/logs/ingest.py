"""Ingesting log lines from the event bus (every function's output) in batches.

Lines arrive one at a time, several per invocation; writing each alone cost a fifth of
the server's time per invoke, and a batch per event-loop turn still a tenth under load.
Here they wait in memory for up to `FLUSH_DELAY_S` (CloudWatch itself shows lines
seconds late), or until any Logs API call needs them, then each stream's lines go in
with one insert, its group and stream ids remembered between batches.
Must not: answer API calls.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from tenku.core.clock import Clock
from tenku.core.events import LogEvent
from tenku.core.scope import Scope
from tenku.services.logs.store import LogsStore, Stream

StreamKey = tuple[Scope, str, str]
FLUSH_DELAY_S = 0.05


class LogIngest:
    def __init__(self, store: LogsStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._pending: dict[StreamKey, list[tuple[int, str]]] = defaultdict(list)
        # Only ids are used from the remembered Stream, so its other fields may be stale.
        self._ids: dict[StreamKey, tuple[int, Stream]] = {}
        self._scheduled = False

    def add(self, event: LogEvent) -> None:
        self._pending[(event.scope, event.group, event.stream)].append(
            (event.timestamp_ms, event.message)
        )
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a direct caller): write at once
            self.flush()
            return
        self._scheduled = True
        loop.call_later(FLUSH_DELAY_S, self.flush)

    def flush(self) -> None:
        """Write every waiting line."""
        self._scheduled = False
        if not self._pending:
            return
        pending, self._pending = self._pending, defaultdict(list)
        now = int(self.clock.now() * 1000)
        for key, events in pending.items():
            group_id, stream = self._stream(key, now)
            self.store.append(group_id, stream, events, now)

    def forget(self) -> None:
        """Drop remembered ids (a group or stream was deleted)."""
        self.flush()
        self._ids.clear()

    def _stream(self, key: StreamKey, now: int) -> tuple[int, Stream]:
        scope, group_name, stream_name = key
        known = self._ids.get(key)
        if known is not None:
            return known
        group = self.store.group(scope, group_name)
        group_id = group.id if group else self.store.create_group(scope, group_name, now, {})
        found = self.store.stream(group_id, stream_name)
        if found is None:
            self.store.create_stream(group_id, stream_name, now)
            found = self.store.stream(group_id, stream_name)
        assert found is not None
        self._ids[key] = (group_id, found)
        return group_id, found
