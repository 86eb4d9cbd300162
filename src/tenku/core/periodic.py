"""`Periodic`: run a housekeeping function every N seconds (retention sweeps and such).

It only schedules; the function does the work. Must be started inside the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Periodic:
    def __init__(self, interval_s: float, work: Callable[[], None]) -> None:
        self.interval_s = interval_s
        self.work = work
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            self.work()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
