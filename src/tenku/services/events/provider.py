"""The EventBridge API: one method per operation of botocore's `events` model.

The operations live in mixins by feature area (buses, rules and targets, PutEvents,
archives and replays, connections and API destinations); this class assembles them and
owns the background work: the deliverer (outbox -> targets), replays waiting to run,
the archive retention sweep, and scheduled rules (looked at every second and whenever
the clock jumps).
Must not: import another service; reach one except through `ApiCaller`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from tenku.core.clock import Clock
from tenku.core.events import ClockAdvanced, EventBus
from tenku.core.ids import new_uuid
from tenku.core.periodic import Periodic
from tenku.core.scope import Scope
from tenku.services.events.archives import ArchivesMixin
from tenku.services.events.base import iso_time
from tenku.services.events.buses import BusesMixin
from tenku.services.events.connections import ConnectionsMixin
from tenku.services.events.delivery import Deliverer
from tenku.services.events.putevents import PutEventsMixin
from tenku.services.events.rules import RulesMixin
from tenku.services.events.schedule import next_fire
from tenku.services.events.store import DEFAULT_BUS
from tenku.storage import Storage

log = logging.getLogger("tenku.events")

SWEEP_INTERVAL_SECONDS = 60.0
SCHEDULE_TICK_SECONDS = 1.0  # scheduled rules are looked at every second (and on a clock jump)


class EventsProvider(BusesMixin, RulesMixin, PutEventsMixin, ArchivesMixin, ConnectionsMixin):
    def __init__(self, storage: Storage, clock: Clock, bus: EventBus) -> None:
        super().__init__(storage, clock)
        self.deliverer = Deliverer(self.outbox, clock, lambda: self.api, self.http_request)
        self._sweeper = Periodic(SWEEP_INTERVAL_SECONDS, self.expire_archives)
        self._scheduled = Periodic(SCHEDULE_TICK_SECONDS, self._fire_scheduled)
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe = bus.subscribe(ClockAdvanced, self._clock_advanced)
        self._next_fires: dict[tuple[Scope, str], float] = {}

    def _fire_scheduled(self) -> None:
        self.fire_due_schedules()

    def _clock_advanced(self, _event: ClockAdvanced) -> None:
        self.fire_due_schedules()
        self.deliverer.wake()

    async def start(self) -> None:
        self.deliverer.start()
        self._sweeper.start()
        self._scheduled.start()
        for scope, name in self.pending_replays():  # replays a restart interrupted
            self.replay_started(scope, name)

    async def stop(self) -> None:
        self._unsubscribe()
        self._sweeper.stop()
        self._scheduled.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.deliverer.stop()

    def wake_delivery(self) -> None:
        self.deliverer.wake()

    def replay_started(self, scope: Scope, name: str) -> None:
        async def run() -> None:
            await asyncio.sleep(0)  # after StartReplay's answer is committed
            try:
                self.run_replay(scope, name)
            except Exception:
                log.exception("replay %s failed", name)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- scheduled rules -----------------------------------------------------------------------
    def fire_due_schedules(self) -> int:
        """Route a "Scheduled Event" for every scheduled rule whose time has come; returns
        how many fired. A clock jump over several occurrences fires the rule once (with
        the first missed time): a rule does not catch up on times it missed."""
        now = self.clock.now()
        fired = 0
        for scope, rule in self.store.scheduled_rules():
            assert rule.schedule is not None
            key = (scope, rule.name)
            due = self._next_fires.get(key)
            if due is None:
                due = self._next_fires[key] = next_fire(rule.schedule, now) or float("inf")
            if due > now:
                continue
            self._next_fires[key] = next_fire(rule.schedule, now) or float("inf")
            event: dict[str, Any] = {
                "version": "0",
                "id": new_uuid(),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": scope.account,
                "time": iso_time(due),
                "region": scope.region,
                "resources": [self.rule_arn(scope, DEFAULT_BUS, rule.name)],
                "detail": {},
            }
            arn = self.rule_arn(scope, DEFAULT_BUS, rule.name)
            with self.db.transaction():
                self.outbox.add(
                    scope,
                    (
                        (arn, json.dumps(t), json.dumps(event))
                        for t in self.store.targets(scope, DEFAULT_BUS, rule.name)
                    ),
                    self.now_ms(),
                )
            fired += 1
        if fired:
            self.deliverer.wake()
        return fired
