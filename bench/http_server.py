"""Benchmark Tenku's HttpServer against uvicorn (httptools + uvloop) on a trivial ASGI app.

Measures, for each server in its own process:
  * throughput and latency under ``wrk`` (keep-alive, 16 connections, ~5 s);
  * time from process start to the first 200 response (median of N runs);
  * idle RSS after start-up.

Usage:  .venv/bin/python bench/http_server.py [--seconds 5] [--connections 16] [--runs 10]
Needs ``wrk`` on PATH (apt-get install wrk). The machine's cores are shared with wrk.
"""

from __future__ import annotations

import os
import sys

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")

_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain")],
}
_BODY = {"type": "http.response.body", "body": b"ok"}


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return  # no lifespan: both servers then carry on without it
    await send(_START)
    await send(_BODY)


def _serve(kind: str, port: int) -> None:
    if kind == "tenku":
        sys.path.insert(0, SRC)
        from tenku.gateway.server import run

        run(app, "127.0.0.1", port)
    elif kind == "uvicorn":
        import uvicorn

        uvicorn.run(
            app,
            host="127.0.0.1",
            port=port,
            loop="uvloop",
            http="httptools",
            lifespan="off",
            access_log=False,
            log_level="warning",
        )
    else:
        raise SystemExit(f"unknown server {kind!r}")


def _main() -> None:
    import argparse
    import re
    import signal
    import socket
    import statistics
    import subprocess
    import time

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--servers", default="tenku,uvicorn")
    args = parser.parse_args()

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    def spawn(kind: str, port: int) -> tuple[subprocess.Popen[bytes], float]:
        """Start a server; return it and the seconds until it first answered 200."""
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve", kind, str(port)]
        )
        request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                    sock.sendall(request)
                    if sock.recv(100).startswith(b"HTTP/1.1 200"):
                        return proc, time.perf_counter() - t0
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(f"{kind} server exited with {proc.returncode}") from None
                time.sleep(0.001)

    def stop(proc: subprocess.Popen[bytes]) -> None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def rss_mb(pid: int) -> float:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    results = []
    for kind in args.servers.split(","):
        starts = []
        for _ in range(args.runs):
            proc, elapsed = spawn(kind, free_port())
            starts.append(elapsed * 1000)
            stop(proc)
        port = free_port()
        proc, _ = spawn(kind, port)
        time.sleep(0.2)
        rss = rss_mb(proc.pid)
        url = f"http://127.0.0.1:{port}/"
        subprocess.run(["wrk", "-t1", "-c4", "-d1s", url], capture_output=True, check=True)
        out = subprocess.run(
            ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s",
             "--latency", url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        stop(proc)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        p50 = re.search(r"50%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
        p99 = re.search(r"99%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
        results.append((kind, rps, p50, p99, statistics.median(starts), min(starts), rss,
                        errors.group(0) if errors else ""))  # fmt: skip

    print(f"\nwrk -t{args.threads} -c{args.connections} -d{args.seconds}s; "
          f"start-up = process start to first 200, median of {args.runs}\n")  # fmt: skip
    print(f"{'server':<10}{'req/s':>10}{'p50':>10}{'p99':>10}{'start med':>12}"
          f"{'start min':>12}{'idle RSS':>10}")  # fmt: skip
    for kind, rps, p50, p99, med, low, rss, err in results:
        print(f"{kind:<10}{rps:>10.0f}{p50:>10}{p99:>10}{med:>10.1f}ms{low:>10.1f}ms"
              f"{rss:>8.1f}MB {err}")  # fmt: skip
    if len(results) == 2:
        print(f"\nthroughput ratio {results[0][0]}/{results[1][0]}: "
              f"{results[0][1] / results[1][1]:.2f}x")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        _serve(sys.argv[2], int(sys.argv[3]))
    else:
        _main()
