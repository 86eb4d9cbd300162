"""Schedule expressions of rules: `rate(...)` and `cron(...)` in UTC, as EventBridge
rules take them (no `at(...)`, AWS's singular/plural rate units), evaluated by the
schedule engine shared with EventBridge Scheduler (`tenku.core.schedules`).
Must not: compute cron occurrences itself.
"""

from __future__ import annotations

import functools

from tenku.core.schedules import Schedule, ScheduleExpressionError, parse


@functools.lru_cache(maxsize=1024)
def _schedule(expression: str) -> Schedule | None:
    try:
        return parse(expression, "UTC", dialect="events")
    except ScheduleExpressionError:
        return None


def valid_schedule(expression: str) -> bool:
    return _schedule(expression) is not None


def next_fire(expression: str, after_epoch: float) -> float | None:
    """When a rule with `expression` fires next after `after_epoch` (None: never)."""
    schedule = _schedule(expression)
    return schedule.next_after(after_epoch) if schedule is not None else None
