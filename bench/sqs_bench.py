"""SQS benchmark: Tenku against moto_server and ministack, all in one run on one machine.

Measures per server: start-up time to the first answered ListQueues, idle memory,
SendMessage and SendMessageBatch throughput and latency (``wrk`` + ``sqs_wrk.lua``),
ReceiveMessage+DeleteMessage pairs/s (the raw-socket client in ``sqs_load.py``), and for
Tenku the same figures again with 1,000,000 messages queued.

Usage:
    .venv/bin/python bench/sqs_bench.py [--quick] [--servers tenku,moto,ministack]
                                        [--skip-million]

Writes bench/results/sqs.md and bench/results/sqs.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass

import sqs_load
from sqs_common import cpu_seconds, create_queue, machine_info, memory_kb, queue_depth
from sqs_report import cpu_table, main_table, million_table
from sqs_servers import SERVERS, Server, start
from sqs_wrk import run_wrk

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


@dataclass
class Config:
    starts: int = 10
    seconds: float = 5.0
    warmup: float = 1.0
    connections: tuple[int, ...] = (16, 64)
    load_processes: int = 2
    load_connections: int = 8  # per process: 2 x 8 = 16 connections
    million: int = 1_000_000
    repeats: int = 3  # every throughput run; the median is reported


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- start-up and memory


def measure_startup(name: str, cfg: Config) -> dict[str, float]:
    """Start the server ``cfg.starts`` times; time to first ListQueues and idle memory.

    One unmeasured start first fills the bytecode cache (see ``sqs_servers.PYCACHE``).
    """
    start(SERVERS[name]).stop()
    times, rss, pss, private = [], [], [], []
    for _ in range(cfg.starts):
        server = start(SERVERS[name])
        try:
            time.sleep(0.5)  # let it settle after start-up + the one (probe) request
            mem = memory_kb(server.pid)
        finally:
            server.stop()
        times.append(server.startup_s * 1000)
        rss.append(mem["VmRSS"] / 1024)
        pss.append(mem.get("Pss", 0) / 1024)
        private.append(mem.get("Private", 0) / 1024)
        time.sleep(0.2)
    log(f"{name}: start-up median {statistics.median(times):.0f} ms, RSS {rss[0]:.1f} MB")
    return {
        "startup_median_ms": statistics.median(times),
        "startup_min_ms": min(times),
        "startup_all_ms": times,
        "idle_rss_mb": statistics.median(rss),
        "idle_pss_mb": statistics.median(pss),
        "idle_private_mb": statistics.median(private),
    }


# ----------------------------------------------------------------- throughput runs


def wrk_run(server: Server, key: str, op: str, conns: int, cfg: Config, url: str) -> dict:
    """One measured wrk run on the queue at ``url``."""
    r = run_wrk(server.port, url, op, conns, cfg.seconds, server.pid)
    per_req = 10 if op == "batch" else 1
    if r["errors"]:
        log(f"  {key}: {r['errors']} errors ({r['err_status']} non-2xx)")
    log(
        f"  {key}: {r['rps'] * per_req:,.0f} msg/s, p50 {r['p50_ms']:.2f} ms, "
        f"server CPU {r['server_cpu_pct']:.0f}%, wrk CPU {r['loadgen_cpu_pct']:.0f}%"
    )
    return {
        f"{key}_rate": r["rps"] * per_req,
        f"{key}_p50_ms": r["p50_ms"],
        f"{key}_p99_ms": r["p99_ms"],
        f"{key}_errors": r["errors"],
        f"{key}_server_cpu": r["server_cpu_pct"],
        f"{key}_loadgen_cpu": r["loadgen_cpu_pct"],
    }


def send_runs(server: Server, cfg: Config, rep: int) -> dict:
    """SendMessage and SendMessageBatch runs, each on a fresh queue (depth 0 at start)."""
    out: dict = {}
    warm = create_queue(server.port, f"warm-{rep}")
    for op in ("send", "batch"):
        run_wrk(server.port, warm, op, cfg.connections[0], cfg.warmup)  # warm-up
        for conns in cfg.connections:
            key = f"{op}_c{conns}"
            url = create_queue(server.port, f"{key}-{rep}")
            out |= wrk_run(server, key, op, conns, cfg, url)
    return out


def fill(server: Server, url: str, count: int, cfg: Config) -> float:
    """Send ``count`` messages with SendMessageBatch; returns messages/s."""
    r = sqs_load.run(
        "fill",
        server.port,
        url,
        processes=cfg.load_processes,
        connections=cfg.load_connections,
        fill_count=count,
    )
    if r.errors:
        raise RuntimeError(f"fill failed: {r.errors} errors, first: {r.first_error}")
    return r.pairs / r.seconds


def recv_run(server: Server, key: str, mode: str, url: str, cfg: Config) -> dict:
    cpu0 = _cpu(server)
    t0 = time.time()
    r = _load(server, mode, url, cfg, cfg.seconds, cfg.warmup)
    server_cpu = 100 * (_cpu(server) - cpu0) / (time.time() - t0)
    if r.errors or r.drained_early:
        log(f"  {key}: errors={r.errors} drained_early={r.drained_early} {r.first_error}")
    ms = [1000 * sqs_load.percentile(lat, p) for lat in (r.recv_lat, r.del_lat) for p in (50, 99)]
    log(
        f"  {key}: {r.rate:,.0f} msg/s over {r.seconds:.1f} s, recv p50 {ms[0]:.2f} ms, "
        f"server CPU {server_cpu:.0f}%, client CPU {r.client_cpu_pct:.0f}%"
    )
    return {
        f"{key}_rate": r.rate,
        f"{key}_requests_per_s": r.requests / (r.seconds + cfg.warmup),
        f"{key}_recv_p50_ms": ms[0],
        f"{key}_recv_p99_ms": ms[1],
        f"{key}_del_p50_ms": ms[2],
        f"{key}_del_p99_ms": ms[3],
        f"{key}_errors": r.errors,
        f"{key}_drained_early": r.drained_early,
        f"{key}_window_s": r.seconds,
        f"{key}_server_cpu": server_cpu,
        f"{key}_loadgen_cpu": r.client_cpu_pct,
    }


def _load(
    server: Server, mode: str, url: str, cfg: Config, seconds: float, warmup: float
) -> sqs_load.LoadResult:
    return sqs_load.run(
        mode,
        server.port,
        url,
        processes=cfg.load_processes,
        connections=cfg.load_connections,
        seconds=seconds,
        warmup=warmup,
    )


def _cpu(server: Server) -> float:
    return cpu_seconds(server.pid)


def prefilled_recv_run(server: Server, key: str, mode: str, cfg: Config, rep: int) -> dict:
    """Receive+delete on a queue prefilled with about what the run will consume.

    Pilots of 1 s on 200, 2,000, then 20,000 queued messages (stopping at the first that
    does not drain the queue) estimate the rate; the queue is then topped up to 2x what
    the warm-up plus measured window should consume. Keeping the depth close to the need
    matters for peers whose per-call cost grows with queue depth (moto, ministack).
    """
    url = create_queue(server.port, f"{key}-{rep}")
    batch = 200
    while True:
        fill(server, url, batch, cfg)
        pilot = _load(server, mode, url, cfg, seconds=1.0, warmup=0.0)
        if not pilot.drained_early or batch >= 20_000:
            break
        batch *= 10
    need = math.ceil(max(pilot.rate, 20) * (cfg.seconds + cfg.warmup) * 2)
    top_up = min(need, 300_000) - queue_depth(server.port, url)
    if top_up > 0:
        fill(server, url, top_up, cfg)
    return recv_run(server, key, mode, url, cfg)


def median_of(reps: list[dict]) -> dict:
    """Per-key median over repetitions; rates also keep every repetition's value."""
    out: dict = {}
    for key in reps[0]:
        values = [r[key] for r in reps]
        if isinstance(values[0], bool):
            out[key] = any(values)
        elif isinstance(values[0], int | float):
            out[key] = statistics.median(values)
            if key.endswith("_rate"):
                out[f"{key}_reps"] = values
        else:
            out[key] = values[0]
    return out


def throughput(server: Server, cfg: Config) -> dict:
    """All empty-queue runs, ``cfg.repeats`` times in turn; medians are reported."""
    reps = []
    for rep in range(cfg.repeats):
        log(f"  -- repetition {rep + 1}/{cfg.repeats}")
        out = send_runs(server, cfg, rep)
        out |= prefilled_recv_run(server, "recv1", "recv1", cfg, rep)
        out |= prefilled_recv_run(server, "recv10", "recv10", cfg, rep)
        reps.append(out)
    return median_of(reps)


def million(server: Server, cfg: Config) -> dict:
    """Fill one queue with ``cfg.million`` messages, then repeat the runs on it."""
    url = create_queue(server.port, "million")
    log(f"  filling {cfg.million:,} messages ...")
    rate = fill(server, url, cfg.million, cfg)
    depth = queue_depth(server.port, url)
    log(f"  filled at {rate:,.0f} msg/s; depth {depth:,}")
    reps = []
    for rep in range(cfg.repeats):
        log(f"  -- 1M repetition {rep + 1}/{cfg.repeats}")
        out = wrk_run(server, "send_c16", "send", 16, cfg, url)
        out |= recv_run(server, "recv1", "recv1", url, cfg)
        out |= recv_run(server, "recv10", "recv10", url, cfg)
        reps.append(out)
    return median_of(reps) | {
        "fill_rate": rate,
        "depth_before": depth,
        "depth_after": queue_depth(server.port, url),
    }


# ------------------------------------------------------------------------- driver


def bench_server(name: str, cfg: Config, do_million: bool) -> tuple[dict, dict | None]:
    log(f"== {name}")
    metrics = measure_startup(name, cfg)
    server = start(SERVERS[name])
    try:
        metrics |= throughput(server, cfg)
        metrics["peak_rss_mb"] = memory_kb(server.pid)["VmHWM"] / 1024
        full = million(server, cfg) if do_million else None
        if full is not None:
            full["peak_rss_mb"] = memory_kb(server.pid)["VmHWM"] / 1024
    finally:
        server.stop()
    return metrics, full


def render(info: dict, cfg: Config, metrics: dict, servers: list[str], full: dict | None) -> str:
    notes = "\n".join(f"- **{s}**: {SERVERS[s].note}" for s in servers)
    parts = [
        "# SQS benchmark",
        "",
        f"Machine: {info['cores']} cores, `{info['cpu_model']}` — server and load generator "
        "share these cores. All traffic on 127.0.0.1.",
        f"Run: {time.strftime('%Y-%m-%d %H:%M:%S')}, {cfg.starts} starts per server, "
        f"median of {cfg.repeats} x {cfg.seconds:g} s runs, each after {cfg.warmup:g} s "
        "warm-up; sends via "
        "`wrk -t1`, receive+delete via the raw-socket client (2 processes x 8 connections).",
        "",
        notes,
        "",
        main_table(metrics, servers),
        "",
        "CPU use during the throughput runs (100% = one core):",
        "",
        cpu_table(metrics, servers),
    ]
    if full is not None:
        parts += [
            "",
            f"## Tenku with {full['depth_before']:,} messages queued",
            "",
            f"Filled with SendMessageBatch at {full['fill_rate']:,.0f} msg/s "
            f"(raw client, 16 connections). Peers skipped (see README). "
            f"Depth after the runs: {full['depth_after']:,}. "
            f"Peak RSS afterwards: {full['peak_rss_mb']:.0f} MB.",
            "",
            million_table({"empty": metrics["tenku"], "full": full}),
        ]
    return "\n".join(parts) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="3 starts, 1 x 2 s runs, 100k fill")
    p.add_argument("--servers", default="tenku,moto,ministack")
    p.add_argument("--skip-million", action="store_true")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(servers) - set(SERVERS)
    if unknown:
        raise SystemExit(f"unknown servers: {', '.join(sorted(unknown))}")
    cfg = Config()
    if args.quick:
        cfg = Config(starts=3, seconds=2.0, warmup=0.5, million=100_000, repeats=1)
    info = machine_info()
    metrics: dict[str, dict] = {}
    full = None
    for name in servers:
        do_million = name == "tenku" and not args.skip_million
        metrics[name], tenku_full = bench_server(name, cfg, do_million)
        full = tenku_full or full
    report = render(info, cfg, metrics, servers, full)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, "sqs.md"), "w") as f:
        f.write(report)
    with open(os.path.join(RESULTS_DIR, "sqs.json"), "w") as f:
        json.dump(
            {"machine": info, "config": cfg.__dict__, "servers": metrics, "tenku_million": full},
            f,
            indent=2,
        )
    print(report)


if __name__ == "__main__":
    main()
