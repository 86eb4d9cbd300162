"""Lambda benchmark: Tenku against the peers that can run a function without Docker.

Per server (one at a time, started like in the SQS benchmark): cold start to first
response per runtime, warm Invoke latency from one keep-alive raw client (and the
platform overhead: round trip minus the REPORT Duration), warm throughput with wrk at
16 connections and the number of environments that created. See bench/README.md.

    .venv/bin/python bench/lambda_bench.py            # about 2-3 minutes
    .venv/bin/python bench/lambda_bench.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from typing import Any

import boto3
import sqs_wrk
from botocore.config import Config as BotoConfig
from lambda_common import Client, cmdline, descendants, invoke_request, packages, write_lua
from sqs_common import HOST, cpu_seconds, machine_info
from sqs_report import Row, _cell, _check, _ratio
from sqs_servers import SERVERS, Server, start

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
RUNTIMES = ("python3.11", "nodejs20.x", "provided.al2023")
SETTLE_S = 3.0
BIG_MB = 1769  # the memory size Lambda gives one full vCPU
RUNS = 3  # throughput runs per function; the best is reported, the range beside it
SHORT = {"python3.11": "py", "nodejs20.x": "node", "provided.al2023": "provided"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def client_for(server: Server) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=f"http://{HOST}:{server.port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=BotoConfig(retries={"max_attempts": 1}, read_timeout=120),
    )


def create(lam: Any, name: str, pkg: dict, role: str = ROLE, memory: int = 128) -> None:
    lam.create_function(FunctionName=name, Role=role, MemorySize=memory, Timeout=30, **pkg)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = lam.get_function_configuration(FunctionName=name).get("State", "Active")
        if state != "Pending":
            return
        time.sleep(0.01)


def cold_starts(
    server: Server, lam: Any, pkgs: dict, n: int, runtimes: tuple[str, ...] = RUNTIMES
) -> dict:
    """n x (create a function, time its first Invoke with LogType=Tail, delete it)."""
    out: dict[str, Any] = {}
    for runtime in runtimes:
        rtts, inits, errors = [], [], []
        deadline = time.monotonic() + 120
        for i in range(n):
            if time.monotonic() > deadline:
                break
            name = f"cold-{SHORT[runtime]}-{i}"
            create(lam, name, pkgs[runtime])
            client = Client(server.port)
            try:
                res = client.send(invoke_request(server.port, name, tail=True))
            finally:
                client.close()
            if res.status != 200 or res.function_error or b'"ok"' not in res.body:
                errors.append(f"{res.status} {res.body[:200]!r}")
            else:
                rtts.append(res.rtt_ms)
                if res.init_ms is not None:
                    inits.append(res.init_ms)
            lam.delete_function(FunctionName=name)
        key = SHORT[runtime]
        out[f"cold_{key}_ms"] = statistics.median(rtts) if rtts else None
        out[f"cold_{key}_min_ms"] = min(rtts) if rtts else None
        out[f"cold_{key}_init_ms"] = statistics.median(inits) if inits else None
        out[f"cold_{key}_samples"] = rtts
        out[f"cold_{key}_errors"] = errors
        log(
            f"  cold {runtime}: median {out[f'cold_{key}_ms']} ms over {len(rtts)}, "
            f"init {out[f'cold_{key}_init_ms']}, errors {len(errors)}"
        )
    return out


def warm_latency(server: Server, name: str, count: int, key: str, max_s: float = 60) -> dict:
    """count sequential invokes (plain), then count/2 with LogType=Tail for the overhead."""
    client = Client(server.port)
    plain = invoke_request(server.port, name)
    tail = invoke_request(server.port, name, tail=True)
    deadline = time.monotonic() + max_s  # warm-up included
    for _ in range(min(50, count)):  # warm-up
        if time.monotonic() > deadline:
            break
        client.send(plain)
    rtts, errors = [], 0
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        res = client.send(plain)
        errors += res.status != 200 or res.function_error
        rtts.append(res.rtt_ms)
    overheads, durations = [], []
    for _ in range(count // 2):
        if time.monotonic() > deadline:
            break
        res = client.send(tail)
        if res.duration_ms is not None:
            durations.append(res.duration_ms)
            overheads.append(res.rtt_ms - res.duration_ms)
    client.close()
    log(f"  warm {key}: p50 {pct(rtts, 0.5):.3f} p99 {pct(rtts, 0.99):.3f} ms, n={len(rtts)}")
    return {
        f"warm_{key}_n": len(rtts),
        f"warm_{key}_errors": errors,
        f"warm_{key}_p50_ms": pct(rtts, 0.5),
        f"warm_{key}_p99_ms": pct(rtts, 0.99),
        f"warm_{key}_duration_p50_ms": pct(durations, 0.5) if durations else None,
        f"warm_{key}_overhead_p50_ms": pct(overheads, 0.5) if overheads else None,
        f"warm_{key}_overhead_p99_ms": pct(overheads, 0.99) if overheads else None,
    }


def env_pids(server: Server) -> set[int]:
    return {p for p in descendants(server.pid) if cmdline(p)}


def _cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:
        return 0.0


def throughput(server: Server, name: str, key: str, seconds: float) -> dict:
    before = env_pids(server)
    sqs_wrk.run_wrk(server.port, name, "invoke", 16, 1, server.pid)  # warm-up
    kids = env_pids(server)
    # Best of RUNS runs: this VM's noise only ever slows a run down (other tenants).
    best: dict | None = None
    rates: list[float] = []
    for _ in range(RUNS):
        kids_cpu0 = sum(_cpu(p) for p in kids)
        t0 = time.perf_counter()
        attempt = sqs_wrk.run_wrk(server.port, name, "invoke", 16, seconds, server.pid)
        attempt_kids = (sum(_cpu(p) for p in kids) - kids_cpu0) / (time.perf_counter() - t0)
        rates.append(attempt["rps"])
        if best is None or attempt["rps"] > best["rps"]:
            best, kids_cpu = attempt, attempt_kids
    assert best is not None
    run = best
    created = env_pids(server) - before
    log(
        f"  c16 {key}: {run['rps']:,.0f}/s p50 {run['p50_ms']:.2f} p99 {run['p99_ms']:.2f} ms, "
        f"errors {run['errors']}, new processes {len(created)}, CPU server "
        f"{run['server_cpu_pct']:.0f}% envs {100 * kids_cpu:.0f}% wrk {run['loadgen_cpu_pct']:.0f}%"
    )
    return {
        f"tput_{key}_rate": run["rps"],
        f"tput_{key}_range": f"{min(rates):,.0f}..{max(rates):,.0f}",
        f"tput_{key}_p50_ms": run["p50_ms"],
        f"tput_{key}_p99_ms": run["p99_ms"],
        f"tput_{key}_errors": run["errors"],
        f"tput_{key}_server_cpu": run["server_cpu_pct"],
        f"tput_{key}_loadgen_cpu": run["loadgen_cpu_pct"],
        f"tput_{key}_envs_cpu": 100 * kids_cpu,
        f"tput_{key}_envs": len(created),
        f"tput_{key}_env_cmds": sorted({cmdline(p)[:120] for p in created}),
    }


def bench_server(name: str, cfg: argparse.Namespace, pkgs: dict) -> dict:
    log(f"{name}: starting")
    server = start(SERVERS[name])
    m: dict[str, Any] = {"startup_ms": server.startup_s * 1000, "loadavg_start": os.getloadavg()}
    try:
        lam = client_for(server)
        settle(lam)
        m.update(cold_starts(server, lam, pkgs, cfg.cold))
        # Warm rows at 1769 MB (one full vCPU: Tenku caps an environment's CPU at
        # MemorySize/1769 of a core after init, like Lambda), and python at 128 MB too.
        warm = [(r, BIG_MB, SHORT[r]) for r in RUNTIMES] + [("python3.11", 128, "py128")]
        for runtime, memory, key in warm:
            fn = f"warm-{key}"
            create(lam, fn, pkgs[runtime], memory=memory)
            count = cfg.warm if key.startswith("py") else cfg.warm // 4
            m.update(warm_latency(server, fn, count, key))
        for _, _, key in warm:
            m.update(throughput(server, f"warm-{key}", key, cfg.seconds))
    finally:
        m["loadavg_end"] = os.getloadavg()
        server.stop()
    if name == "tenku":  # the same Python cold start without the forking parent
        m.update(exec_cold_start(cfg, pkgs))
    return m


def settle(lam: Any) -> None:
    """Cold starts are measured on a server that has been up a moment, as in daily use:
    one Lambda call, then SETTLE_S (Tenku builds its Lambda engine and its Python zygote,
    which preloads boto3, in that time; the other servers get the same pause)."""
    lam.list_functions()
    time.sleep(SETTLE_S)


def exec_cold_start(cfg: argparse.Namespace, pkgs: dict) -> dict:
    spec = SERVERS["tenku"]
    exec_spec = replace(spec, env=lambda port: {**spec.env(port), "TENKU_PYTHON_FORK": "0"})
    log("tenku (TENKU_PYTHON_FORK=0): starting")
    server = start(exec_spec)
    try:
        lam = client_for(server)
        settle(lam)
        out = cold_starts(server, lam, pkgs, cfg.cold, runtimes=("python3.11",))
    finally:
        server.stop()
    return {f"{k.replace('cold_py', 'cold_py_exec')}": v for k, v in out.items()}


def moto_check(pkgs: dict) -> dict:
    """moto_server: create a Python function and try one Invoke; record what happens."""
    log("moto: starting (capability check only)")
    server = start(SERVERS["moto"])
    try:
        ep = f"http://{HOST}:{server.port}"
        kw = dict(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        iam = boto3.client("iam", endpoint_url=ep, **kw)
        role = iam.create_role(
            RoleName="lambda-role",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        lam = client_for(server)
        create(lam, "moto-py", pkgs["python3.11"], role=role)
        client = Client(server.port, timeout=60)
        t0 = time.perf_counter()
        res = client.send(invoke_request(server.port, "moto-py", tail=True))
        client.close()
        result = {
            "status": res.status,
            "function_error": res.function_error,
            "body": res.body[:300].decode(errors="replace"),
            "log": res.log[:300],
            "seconds": time.perf_counter() - t0,
        }
    except Exception as exc:  # report whatever moto does
        result = {"exception": f"{type(exc).__name__}: {exc}"[:400]}
    finally:
        server.stop()
    log(f"  moto invoke: {result}")
    return result


ROWS = [
    Row(
        "Cold start python3.11, forked from the zygote, median of N (ms)",
        "cold_py_ms",
        "{:.1f}",
        "≤ 10 ms",
        "le:10",
    ),
    Row("  Init Duration python3.11 (ms)", "cold_py_init_ms", "{:.1f}"),
    Row(
        "Cold start python3.11, exec'd (TENKU_PYTHON_FORK=0), median (ms)",
        "cold_py_exec_ms",
        "{:.1f}",
        "≤ 250 ms",
        "le:250",
    ),
    Row("Cold start nodejs20.x, median of N (ms)", "cold_node_ms", "{:.1f}"),
    Row("  Init Duration nodejs20.x (ms)", "cold_node_init_ms", "{:.1f}"),
    Row(
        "Cold start provided.al2023 (C), median (ms)",
        "cold_provided_ms",
        "{:.1f}",
        "≤ 20 ms",
        "le:20",
    ),
    Row("  Init Duration provided.al2023 (ms)", "cold_provided_init_ms", "{:.1f}"),
    Row("Warm Invoke python 1769 MB, round trip p50 (ms)", "warm_py_p50_ms", "{:.3f}"),
    Row("Warm Invoke python 1769 MB, round trip p99 (ms)", "warm_py_p99_ms", "{:.3f}"),
    Row("  REPORT Duration p50 (ms)", "warm_py_duration_p50_ms", "{:.3f}"),
    Row(
        "  Overhead = round trip - Duration, p50 (ms)",
        "warm_py_overhead_p50_ms",
        "{:.3f}",
        "≤ 1 ms",
        "le:1",
    ),
    Row(
        "  Overhead = round trip - Duration, p99 (ms)",
        "warm_py_overhead_p99_ms",
        "{:.3f}",
        "≤ 5 ms",
        "le:5",
    ),
    Row(
        "Warm Invoke python 128 MB, p50 / p99 (ms)", "warm_py128_p50_ms|warm_py128_p99_ms", "{:.3f}"
    ),
    Row(
        "  Overhead 128 MB p50 / p99 (ms)",
        "warm_py128_overhead_p50_ms|warm_py128_overhead_p99_ms",
        "{:.3f}",
    ),
    Row(
        "Warm Invoke nodejs 1769 MB, p50 / p99 (ms)", "warm_node_p50_ms|warm_node_p99_ms", "{:.3f}"
    ),
    Row(
        "Warm Invoke provided 1769 MB, p50 / p99 (ms)",
        "warm_provided_p50_ms|warm_provided_p99_ms",
        "{:.3f}",
    ),
    Row(
        "Throughput python 1769 MB, c16 (invokes/s)",
        "tput_py_rate",
        "{:,.0f}",
        "≥ 5,000",
        "ge:5000",
    ),
    Row("  range of the runs (invokes/s)", "tput_py_range", "{}"),
    Row("  c16 p50 / p99 (ms)", "tput_py_p50_ms|tput_py_p99_ms", "{:.2f}"),
    Row("  environments created", "tput_py_envs", "{:d}"),
    # 128 MB gets Lambda's CPU share (7% of a vCPU per environment, enforced by cgroups
    # where the machine allows): its rate is the functions' limit, not the platform's.
    Row("Throughput python 128 MB, c16 (invokes/s)", "tput_py128_rate", "{:,.0f}"),
    Row("  c16 p50 / p99 (ms)", "tput_py128_p50_ms|tput_py128_p99_ms", "{:.2f}"),
    Row("  environments created", "tput_py128_envs", "{:d}"),
    Row("Throughput nodejs 1769 MB, c16 (invokes/s)", "tput_node_rate", "{:,.0f}"),
    Row("  environments created", "tput_node_envs", "{:d}"),
    Row("Throughput provided 1769 MB, c16 (invokes/s)", "tput_provided_rate", "{:,.0f}"),
    Row("  environments created", "tput_provided_envs", "{:d}"),
]


def render(info: dict, cfg: argparse.Namespace, metrics: dict, moto: dict | None) -> str:
    servers = list(metrics)
    peers = [s for s in servers if s != "tenku" and "tenku" in servers]
    head = ["Metric", *servers, *(f"Tenku/{p}" for p in peers), "Requirement (Tenku)"]
    lines = [
        f"Lambda benchmark — {info['cores']} cores, {info['cpu_model']}; N = {cfg.cold} cold "
        f"starts per runtime, {cfg.warm} warm invokes, wrk -t1 -c16, best of {RUNS} runs of "
        f"{cfg.seconds:g} s",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for row in ROWS:
        cells = [row.label, *(_cell(metrics[s], row) for s in servers)]
        key = row.key.split("|")[0]
        cells += [_ratio(metrics["tenku"].get(key), metrics[p].get(key)) for p in peers]
        cells.append(_check(row, metrics))
        lines.append("| " + " | ".join(cells) + " |")
    loads = ", ".join(
        f"{s} {metrics[s]['loadavg_start'][0]:.1f} → {metrics[s]['loadavg_end'][0]:.1f}"
        for s in servers
    )
    lines += ["", f"1-min load average at start → end of each server's runs: {loads}"]
    if moto is not None:
        what = moto.get("exception") or f"HTTP {moto.get('status')}: {moto.get('body', '')}"
        lines += ["", f"moto_server Invoke (python3.11, no Docker): `{what[:300]}`"]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--servers", default="tenku,ministack")
    p.add_argument("--cold", type=int, default=10)
    p.add_argument("--warm", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--skip-moto", action="store_true")
    p.add_argument("--quick", action="store_true", help="3 cold starts, 400 warm, 2 s runs")
    args = p.parse_args(argv)
    if args.quick:
        args.cold, args.warm, args.seconds = 3, 400, 2.0
    return args


def main(argv: list[str] | None = None) -> None:
    cfg = parse_args(argv)
    info = machine_info()
    lua = write_lua()
    sqs_wrk.LUA = lua  # reuse run_wrk with the Lambda script
    work = tempfile.mkdtemp(prefix="lambdabench-")
    pkgs = packages(work)
    metrics: dict[str, dict] = {}
    try:
        for name in cfg.servers.split(","):
            metrics[name] = bench_server(name, cfg, pkgs)
        moto = None if cfg.skip_moto else moto_check(pkgs)
    finally:
        os.unlink(lua)
    text = render(info, cfg, metrics, moto)
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "lambda.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(RESULTS, "lambda.json"), "w") as f:
        json.dump(
            {"machine": info, "config": vars(cfg), "servers": metrics, "moto": moto},
            f,
            indent=1,
            default=str,
        )


if __name__ == "__main__":
    main()
