"""Run ``wrk`` with ``sqs_wrk.lua`` against one queue and collect its numbers.

wrk runs with one thread (``-t1``): on a 2-core machine shared with the server, a
single event-loop thread is enough to keep 16-64 keep-alive connections busy and leaves
the other core to the server. The CPU wrk used is measured (rusage of the child).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
import time

from sqs_common import HOST, cpu_seconds

LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sqs_wrk.lua")

# Appended to every script run_wrk runs: the one line of results it parses. The scripts
# (SQS, Lambda, DynamoDB) only say what to send.
REPORT_LUA = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p99_us":%d,'
      .. '"mean_us":%.1f,"max_us":%d,"err_connect":%d,"err_read":%d,"err_write":%d,'
      .. '"err_status":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _with_report(script: str) -> str:
    """A temporary copy of `script` with REPORT_LUA appended (the caller removes it)."""
    with open(script) as f:
        text = f.read()
    fd, path = tempfile.mkstemp(prefix="wrk-", suffix=".lua")
    with os.fdopen(fd, "w") as f:
        f.write(text + REPORT_LUA)
    return path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    port: int,
    queue_url: str,
    op: str,
    connections: int,
    seconds: float,
    server_pid: int | None = None,
) -> dict[str, float]:
    """One wrk run; returns requests/s, latency percentiles (ms) and CPU shares."""
    script = _with_report(LUA)
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        script,
        f"http://{HOST}:{port}/",
        "--",
        op,
        queue_url,
    ]
    server_cpu0 = cpu_seconds(server_pid) if server_pid else 0.0
    wrk_cpu0 = _children_cpu()
    t0 = time.perf_counter()
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
    wall = time.perf_counter() - t0
    wrk_cpu = _children_cpu() - wrk_cpu0
    server_cpu = (cpu_seconds(server_pid) - server_cpu0) if server_pid else 0.0
    line = next((ln for ln in out.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk produced no summary:\n{out}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    duration = raw["duration_us"] / 1e6
    errors = sum(v for k, v in raw.items() if k.startswith("err_"))
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / duration,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
        "errors": errors,
        "err_status": raw["err_status"],
        "server_cpu_pct": 100 * server_cpu / wall,
        "loadgen_cpu_pct": 100 * wrk_cpu / wall,
    }
