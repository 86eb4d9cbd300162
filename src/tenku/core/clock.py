"""The injectable clock.

Every service reads time through a `Clock`, never `time.time()` directly, so tests and
users can move time forward (SQS visibility, retention, schedules) without waiting.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    """Wall-clock time, shifted by an offset that can only grow (see `advance`)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds


class ManualClock:
    """A clock that stands still until told to move; for unit tests."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.current = start

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds
