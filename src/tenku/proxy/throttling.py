"""API Gateway's request throttling: token buckets (a steady rate with a burst) for
stages, routes and usage plans, and usage-plan quotas per day, week or month.

A bucket starts full (`burst` tokens) and refills at `rate` tokens a second; a request
takes one token or is refused (429). Quotas count requests per API key and period,
calendar-aligned in UTC as AWS's usage plans are. Time comes from the injected clock, so
tests can move it. State lives in the `Throttles` object its data plane owns; a restart
starts every bucket full and every quota afresh (AWS's counters are not exact either).
Must not: do I/O.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field

from tenku.core.clock import Clock


@dataclass
class _Bucket:
    tokens: float
    at: float


def quota_period_start(now: float, period: str) -> float:
    """Where the quota period containing `now` began (UTC days, ISO weeks, months)."""
    t = time.gmtime(now)
    day = calendar.timegm((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0))
    if period == "DAY":
        return float(day)
    if period == "WEEK":
        return float(day - t.tm_wday * 86400)
    return float(calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0)))


@dataclass
class Throttles:
    clock: Clock
    _buckets: dict[tuple[str, ...], _Bucket] = field(default_factory=dict)
    _quotas: dict[tuple[str, ...], tuple[float, int]] = field(default_factory=dict)

    def allow(self, key: tuple[str, ...], rate: float | None, burst: int | None) -> bool:
        """Take a token from `key`'s bucket; False when it is empty. No limit: True."""
        if rate is None and burst is None:
            return True
        rate = float(rate if rate is not None else burst or 0)
        burst_size = float(burst if burst is not None else max(rate, 1.0))
        if rate <= 0 or burst_size <= 0:
            return False  # a limit of 0 refuses everything, as AWS does
        now = self.clock.now()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(burst_size, now)
        else:
            bucket.tokens = min(burst_size, bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def within_quota(self, key: tuple[str, ...], limit: int, period: str) -> bool:
        """Count one request against `key`'s quota; False once it is used up."""
        start = quota_period_start(self.clock.now(), period)
        began, used = self._quotas.get(key, (start, 0))
        if began != start:
            used = 0
        if used >= limit:
            self._quotas[key] = (start, used)
            return False
        self._quotas[key] = (start, used + 1)
        return True
