"""Per-route request counts for API Gateway, the figures CloudWatch shows for an API:
`Count`, `4XXError`, `5XXError` and `Latency`, kept per minute.

Each data plane owns one `RouteMetrics`; `record` is called once per request. Nothing is
stored: the counters are what a later metrics service reads (`snapshot`), and a restart
starts them afresh, as a metric would show a gap.
Must not: do I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MINUTES_KEPT = 24 * 60  # a day of one-minute buckets per route


@dataclass
class _Bucket:
    count: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    latency_ms_sum: float = 0.0
    latency_ms_max: float = 0.0


@dataclass
class RouteMetrics:
    # (api id, stage, route or resource + method) -> minute (epoch // 60) -> bucket
    routes: dict[tuple[str, str, str], dict[int, _Bucket]] = field(default_factory=dict)

    def record(
        self,
        api_id: str,
        stage: str,
        route: str,
        status: int,
        at: float,
        latency_ms: float,
    ) -> None:
        minutes = self.routes.setdefault((api_id, stage, route), {})
        minute = int(at // 60)
        bucket = minutes.get(minute)
        if bucket is None:
            bucket = minutes[minute] = _Bucket()
            for old in [m for m in minutes if m <= minute - MINUTES_KEPT]:
                del minutes[old]
        bucket.count += 1
        if 400 <= status < 500:
            bucket.errors_4xx += 1
        elif status >= 500:
            bucket.errors_5xx += 1
        bucket.latency_ms_sum += latency_ms
        bucket.latency_ms_max = max(bucket.latency_ms_max, latency_ms)

    def snapshot(self, api_id: str | None = None) -> list[dict[str, Any]]:
        """Every route's minutes, as plain values (newest minute last)."""
        out: list[dict[str, Any]] = []
        for (api, stage, route), minutes in sorted(self.routes.items()):
            if api_id is not None and api != api_id:
                continue
            out.append(
                {
                    "apiId": api,
                    "stage": stage,
                    "route": route,
                    "minutes": [
                        {
                            "minute": minute * 60,
                            "Count": b.count,
                            "4XXError": b.errors_4xx,
                            "5XXError": b.errors_5xx,
                            "LatencyAverage": b.latency_ms_sum / b.count,
                            "LatencyMaximum": b.latency_ms_max,
                        }
                        for minute, b in sorted(minutes.items())
                    ],
                }
            )
        return out
