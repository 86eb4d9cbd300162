"""Firing: a heap of every schedule's next due time, and a task that fires them when the
injected clock reaches them.

The heap holds (due, schedule id, version); an entry whose version is no longer the
schedule's (it was updated, disabled or deleted) is dropped when it surfaces. The task
sleeps until the earliest due time, and wakes at once when told (`wake()`: a schedule
changed, or the clock jumped: `ClockAdvanced`).
Firing a schedule moves every occurrence that has come due into the outbox, each with
its own scheduled time, in one transaction with the schedule's new next firing time
(`store.fire`). Catch-up is capped: when the clock jumps (or Tenku was down) past many
occurrences, only those scheduled within the target's MaximumEventAgeInSeconds before
now are delivered (older ones AWS would have dropped as too old to deliver), and of
those at most the latest `CATCH_UP_LIMIT`; skipped ones are logged.
Must not: call targets (the delivery does) or import another service.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Callable

from tenku.core.clock import Clock
from tenku.core.ids import new_uuid
from tenku.services.scheduler import models
from tenku.services.scheduler.models import StoredSchedule
from tenku.services.scheduler.store import Occurrence, SchedulerStore

log = logging.getLogger("tenku.scheduler")

CATCH_UP_LIMIT = 100  # occurrences delivered per schedule for one jump of the clock
MAX_SLEEP_S = 30.0  # look again at least this often, whatever the heap says


class Firing:
    def __init__(self, store: SchedulerStore, clock: Clock, on_fired: Callable[[], None]) -> None:
        self.store = store
        self.clock = clock
        self.on_fired = on_fired  # new outbox rows: the delivery should look
        self._heap: list[tuple[float, int, int]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        for schedule_id, version, due in self.store.pending():
            heapq.heappush(self._heap, (due, schedule_id, version))
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def track(self, schedule: StoredSchedule) -> None:
        """Watch a created or updated schedule (disabled ones are not watched)."""
        if schedule.next_due is not None and schedule.enabled:
            heapq.heappush(self._heap, (schedule.next_due, schedule.id, schedule.version))
            self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                self.fire_due()
            except Exception:  # a broken schedule must not stop every other one
                log.exception("scheduler: firing failed")
            delay = MAX_SLEEP_S
            if self._heap:
                delay = min(max(self._heap[0][0] - self.clock.now(), 0.0), MAX_SLEEP_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    def fire_due(self) -> None:
        """Fire every schedule whose next occurrence is due."""
        now = self.clock.now()
        fired = False
        while self._heap and self._heap[0][0] <= now:
            _due, schedule_id, version = heapq.heappop(self._heap)
            schedule = self.store.schedule_by_id(schedule_id)
            if schedule is None or schedule.version != version or not schedule.enabled:
                continue
            if schedule.next_fire is None or schedule.next_due is None:
                continue
            if schedule.next_due > now:  # already fired further by an earlier entry
                heapq.heappush(self._heap, (schedule.next_due, schedule.id, schedule.version))
                continue
            fired |= self._fire(schedule, now)
        if fired:
            self.on_fired()

    def _fire(self, schedule: StoredSchedule, now: float) -> bool:
        spec, arn = schedule.spec, schedule.arn
        max_age = int(spec["Target"]["RetryPolicy"]["MaximumEventAgeInSeconds"])
        oldest = now - max_age
        due_times: list[tuple[float, float]] = []
        skipped = 0
        scheduled: float | None = schedule.next_fire
        while scheduled is not None:
            due = models.due_time(arn, spec, scheduled)
            if due > now:
                break
            if scheduled < oldest:
                skipped += 1
                scheduled = models.fire_after(spec, max(scheduled, oldest - 1), schedule.anchor)
                continue
            due_times.append((scheduled, due))
            scheduled = models.fire_after(spec, scheduled, schedule.anchor)
        if len(due_times) > CATCH_UP_LIMIT:
            skipped += len(due_times) - CATCH_UP_LIMIT
            due_times = due_times[-CATCH_UP_LIMIT:]
        if skipped:
            log.warning("scheduler: %s skipped %d+ occurrences past the catch-up cap", arn, skipped)
        ends = scheduled is None
        occurrences = [
            Occurrence(at, due, new_uuid(), ends and index == len(due_times) - 1)
            for index, (at, due) in enumerate(due_times)
        ]
        next_due = models.due_time(arn, spec, scheduled) if scheduled is not None else None
        self.store.fire(schedule, occurrences, scheduled, next_due)
        if next_due is not None:
            heapq.heappush(self._heap, (next_due, schedule.id, schedule.version))
        elif ends and not occurrences and spec["ActionAfterCompletion"] == "DELETE":
            self.store.delete_if_unchanged(schedule.id, schedule.version)
        return bool(occurrences)
