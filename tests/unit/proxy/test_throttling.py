"""Token buckets and usage-plan quotas on an injected clock."""

from __future__ import annotations

import calendar

from tenku.core.clock import ManualClock
from tenku.proxy.throttling import Throttles, quota_period_start


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    clock = ManualClock(1000.0)
    throttles = Throttles(clock)
    key = ("api", "stage", "GET /x")
    assert [throttles.allow(key, 1.0, 3) for _ in range(4)] == [True, True, True, False]
    clock.advance(0.5)
    assert throttles.allow(key, 1.0, 3) is False  # half a token
    clock.advance(0.5)
    assert throttles.allow(key, 1.0, 3) is True
    clock.advance(100)
    assert [throttles.allow(key, 1.0, 3) for _ in range(4)] == [True, True, True, False]


def test_no_limit_and_zero_limits() -> None:
    throttles = Throttles(ManualClock(0.0))
    assert all(throttles.allow(("k",), None, None) for _ in range(100))
    assert throttles.allow(("z",), 0.0, 0) is False
    assert throttles.allow(("r",), 10.0, None) is True  # burst defaults to the rate


def test_quota_counts_per_calendar_period() -> None:
    start = calendar.timegm((2026, 11, 28, 23, 59, 0))  # a Saturday
    clock = ManualClock(float(start))
    throttles = Throttles(clock)
    assert [throttles.within_quota(("q",), 2, "DAY") for _ in range(3)] == [True, True, False]
    clock.advance(120)  # past midnight UTC: a new day
    assert throttles.within_quota(("q",), 2, "DAY") is True
    assert quota_period_start(start, "WEEK") == calendar.timegm((2026, 11, 23, 0, 0, 0))
    assert quota_period_start(start, "MONTH") == calendar.timegm((2026, 11, 1, 0, 0, 0))
