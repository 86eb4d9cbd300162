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
SLICE_ROWS = 64  # lines written per loop turn by the timer's flush


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
        loop.call_later(FLUSH_DELAY_S, self._flush_slice)

    def flush(self) -> None:
        """Write every waiting line (what a reader needs first)."""
        self._scheduled = False
        if not self._pending:
            return
        pending, self._pending = self._pending, defaultdict(list)
        now = int(self.clock.now() * 1000)
        for key, events in pending.items():
            group_id, stream = self._stream(key, now)
            self.store.append(group_id, stream, events, now)

    def _flush_slice(self) -> None:
        """The timer's flush: at most SLICE_ROWS lines per loop turn, the rest on the
        next turns, so that requests are served between slices (one write of a whole
        50 ms of output held every request up for milliseconds)."""
        self._scheduled = False
        now = int(self.clock.now() * 1000)
        room = SLICE_ROWS
        while self._pending and room > 0:
            key = next(iter(self._pending))
            events = self._pending[key]
            chunk = events[:room]
            del events[:room]
            if not events:
                del self._pending[key]
            group_id, stream = self._stream(key, now)
            self.store.append(group_id, stream, chunk, now)
            room -= len(chunk)
        if self._pending and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_slice)

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
