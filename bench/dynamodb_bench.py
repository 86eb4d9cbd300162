"""DynamoDB benchmark: Tenku against moto_server and ministack in the same run.

Throughput (wrk, 16 keep-alive connections) and latency (wrk, one connection, one request
in flight) of PutItem, GetItem, Query returning 100 items and TransactWriteItems of two
updates; then, Tenku only, the same Query on a table of 1,000 items and on one of
1,000,000 (``--big``), to show its cost does not grow with the table. Results go to
``bench/results/dynamodb.md`` and ``dynamodb.json``; progress lines to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

import sqs_wrk
from sqs_common import HOST, machine_info, parse_response
from sqs_report import _ratio
from sqs_servers import SERVERS, Server, start

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
LUA = os.path.join(HERE, "dynamodb_wrk.lua")
AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=0000000000000000000000000000000000000000000000000000000000000000"
)
OPS = ("put", "get", "query", "transact")
LABELS = {
    "put": "PutItem",
    "get": "GetItem",
    "query": "Query, 100 items",
    "transact": "TransactWriteItems, 2 updates",
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def encode(port: int, op: str, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = (
        "POST / HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        f"X-Amz-Target: DynamoDB_20120810.{op}\r\n"
        "X-Amz-Date: 20260101T000000Z\r\n"
        f"Authorization: {AUTH}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Conn:
    """One keep-alive HTTP/1.1 connection, one request in flight; reconnects on close."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(self, op: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        self.writer.write(encode(self.port, op, payload))
        buf = bytearray()
        while True:
            chunk = await self.reader.read(1 << 16)
            if not chunk:
                raise ConnectionError("closed before a full response")
            buf += chunk
            parsed = parse_response(buf)
            if parsed is not None:
                resp = parsed[0]
                if resp.close:
                    self.writer.close()
                    self.writer = None
                return resp.status, resp.json()


def call(port: int, op: str, payload: dict[str, Any]) -> dict[str, Any]:
    async def once() -> tuple[int, dict[str, Any]]:
        conn = Conn(port)
        try:
            return await conn.call(op, payload)
        finally:
            if conn.writer is not None:
                conn.writer.close()

    status, body = asyncio.run(once())
    if status != 200:
        raise RuntimeError(f"{op} -> {status}: {str(body)[:300]}")
    return body


def create_table(port: int, name: str) -> None:
    call(port, "CreateTable", {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    })  # fmt: skip


def item(pk: str, sk: int, **extra: dict[str, str]) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, "v": {"S": "x" * 32}, **extra}


def load(port: int, table: str, items: list[dict[str, Any]] | Any, connections: int = 16) -> float:
    """BatchWriteItem (25 a request) from `connections` connections; returns items/s."""
    chunks: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()

    async def worker() -> None:
        conn = Conn(port)
        while not chunks.empty():
            chunk = chunks.get_nowait()
            requests = [{"PutRequest": {"Item": it}} for it in chunk]
            while requests:
                status, body = await conn.call(
                    "BatchWriteItem", {"RequestItems": {table: requests}}
                )
                if status != 200:
                    raise RuntimeError(f"BatchWriteItem -> {status}: {str(body)[:300]}")
                requests = body.get("UnprocessedItems", {}).get(table, [])
        if conn.writer is not None:
            conn.writer.close()

    async def run() -> int:
        batch: list[dict[str, Any]] = []
        count = 0
        for it in items:
            batch.append(it)
            count += 1
            if len(batch) == 25:
                chunks.put_nowait(batch)
                batch = []
        if batch:
            chunks.put_nowait(batch)
        await asyncio.gather(*(worker() for _ in range(connections)))
        return count

    t0 = time.perf_counter()
    count = asyncio.run(run())
    return count / (time.perf_counter() - t0)


def fill_big(port: int, table: str, total: int) -> float:
    """`total` items: the Query partition "q" (100 items) plus partitions of 100 others."""

    def gen() -> Any:
        for sk in range(100):
            yield item("q", sk)
        for i in range(total - 100):
            yield item(f"f{i // 100}", i % 100)

    return load(port, table, gen())


def seed(port: int, table: str) -> None:
    """The data the wrk script reads: g0..g999, partition q (100), t0..t999 with n = 0."""
    items = [item(f"g{i}", 0) for i in range(1000)]
    items += [item("q", sk) for sk in range(100)]
    items += [item(f"t{i}", 0, n={"N": "0"}) for i in range(1000)]
    load(port, table, items)
    got = call(port, "Query", {
        "TableName": table, "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "q"}},
    })  # fmt: skip
    if got.get("Count") != 100:
        raise RuntimeError(f"seeded Query returned {got.get('Count')} items")


def wrk(server: Server, op: str, table: str, connections: int, seconds: float) -> dict[str, float]:
    return sqs_wrk.run_wrk(server.port, table, op, connections, seconds, server.pid)


def summarise(runs: list[dict[str, float]], prefix: str, out: dict[str, Any]) -> None:
    """Best rate / best p50 / best p99 and the spread (min..max) over the repetitions."""
    rates = [r["rps"] for r in runs]
    out[f"{prefix}_rate"] = max(rates)
    out[f"{prefix}_rate_reps"] = rates
    for q in ("p50_ms", "p99_ms"):
        # A run in which no request completed (moto at times) has no latency: wrk says 0.
        values = [r[q] for r in runs if r["requests"]]
        out[f"{prefix}_{q}"] = min(values, default=0.0)
        out[f"{prefix}_{q}_reps"] = values
    out[f"{prefix}_errors"] = sum(r["errors"] for r in runs)
    out[f"{prefix}_server_cpu"] = statistics.median(r["server_cpu_pct"] for r in runs)
    out[f"{prefix}_loadgen_cpu"] = statistics.median(r["loadgen_cpu_pct"] for r in runs)


def bench_server(name: str, cfg: argparse.Namespace) -> dict[str, Any]:
    log(f"{name}: starting")
    server = start(SERVERS[name])
    out: dict[str, Any] = {"loadavg_start": os.getloadavg()}
    try:
        create_table(server.port, "bench")
        seed(server.port, "bench")
        log(f"{name}: seeded; warm-up")
        for op in OPS:
            wrk(server, op, "bench", 16, 1)
        runs: dict[str, list[dict[str, float]]] = {}
        for rep in range(cfg.reps):
            for op in OPS:
                for conns in (16, 1):
                    run = wrk(server, op, "bench", conns, cfg.seconds)
                    runs.setdefault(f"{op}_c{conns}", []).append(run)
                    log(
                        f"{name} rep {rep + 1} {op} c{conns}: {run['rps']:,.0f}/s "
                        f"p50 {run['p50_ms']:.2f} p99 {run['p99_ms']:.2f} ms "
                        f"err {run['errors']:.0f} cpu {run['server_cpu_pct']:.0f}%"
                    )
        for key, reps in runs.items():
            summarise(reps, key, out)
        if name == "tenku" and cfg.big:
            out["size"] = bench_size(server, cfg)
        out["loadavg_end"] = os.getloadavg()
    finally:
        server.stop()
    return out


def bench_size(server: Server, cfg: argparse.Namespace) -> dict[str, Any]:
    """The same Query on a 1k-item and on a `cfg.big`-item table, c1 and c16."""
    create_table(server.port, "small")
    create_table(server.port, "big")
    rate = fill_big(server.port, "small", 1000)
    log(f"tenku: small table filled ({rate:,.0f} items/s); filling {cfg.big:,} items")
    t0 = time.perf_counter()
    rate = fill_big(server.port, "big", cfg.big)
    out: dict[str, Any] = {"fill_rate": rate, "fill_s": time.perf_counter() - t0}
    log(f"tenku: big table filled at {rate:,.0f} items/s in {out['fill_s']:.0f} s")
    for table in ("small", "big"):
        wrk(server, "query", table, 16, 1)
    runs: dict[str, list[dict[str, float]]] = {}
    for _ in range(cfg.reps):
        for table in ("small", "big"):
            for conns in (1, 16):
                run = wrk(server, "query", table, conns, cfg.seconds)
                runs.setdefault(f"{table}_c{conns}", []).append(run)
                log(
                    f"tenku query {table} c{conns}: {run['rps']:,.0f}/s "
                    f"p50 {run['p50_ms']:.2f} p99 {run['p99_ms']:.2f} ms"
                )
    for key, reps in runs.items():
        summarise(reps, key, out)
    return out


def _spread(m: dict[str, Any], key: str, fmt: str) -> str:
    reps = m.get(f"{key}_reps") or []
    if len(reps) < 2:
        return ""
    return f" ({fmt.format(min(reps))}..{fmt.format(max(reps))})"


REQUIREMENTS = {
    "put_c16_rate": ("≥ 5,000/s and ≥ 20x moto", 5000.0),
    "get_c16_rate": ("≥ 10,000/s and ≥ 20x moto", 10000.0),
    "put_c1_p50_ms": ("< 1 ms", 1.0),
    "get_c1_p50_ms": ("< 1 ms", 1.0),
}


def _requirement(key: str, metrics: dict[str, dict[str, Any]]) -> str:
    if key not in REQUIREMENTS:
        return ""
    text, bound = REQUIREMENTS[key]
    value = metrics.get("tenku", {}).get(key)
    if not isinstance(value, int | float):
        return text
    if key.endswith("_ms"):
        ok = value < bound
    else:
        moto = metrics.get("moto", {}).get(key)
        ok = value >= bound and (not moto or value / moto >= 20)
    return f"{text} {'✅' if ok else '❌'}"


def render(
    info: dict[str, Any], cfg: argparse.Namespace, metrics: dict[str, dict[str, Any]]
) -> str:
    servers = list(metrics)
    peers = [s for s in servers if s != "tenku" and "tenku" in servers]
    head = ["Metric", *servers, *(f"Tenku/{p}" for p in peers), "Requirement (Tenku)"]
    lines = [
        f"DynamoDB benchmark — {info['cores']} cores, {info['cpu_model']}; best of {cfg.reps} "
        f"runs of {cfg.seconds:g} s (min..max in brackets)",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for op in OPS:
        rows = [
            (f"{LABELS[op]}, c16 (req/s)", f"{op}_c16_rate", "{:,.0f}"),
            (f"{LABELS[op]}, c16 p50 / p99 (ms)", f"{op}_c16_p50_ms|{op}_c16_p99_ms", "{:.2f}"),
            (f"{LABELS[op]}, c1 p50 / p99 (ms)", f"{op}_c1_p50_ms|{op}_c1_p99_ms", "{:.2f}"),
        ]
        for label, key, fmt in rows:
            cells = [label]
            for s in servers:
                m = metrics[s]
                # wrk reports 0 ms when no request of the run completed (moto's slow ops).
                parts = [fmt.format(m[k]) if m.get(k) else "-" for k in key.split("|")]
                cell = " / ".join(parts)
                if "|" not in key:
                    cell += _spread(m, key, fmt)
                cells.append(cell)
            first = key.split("|")[0]
            cells += [
                _ratio(metrics["tenku"].get(first), metrics[p].get(first) or None) for p in peers
            ]
            cells.append(_requirement(first, metrics))
            lines.append("| " + " | ".join(cells) + " |")
    errors = {s: sum(v for k, v in m.items() if k.endswith("_errors")) for s, m in metrics.items()}
    lines += ["", "Non-2xx answers / socket errors in the load runs: "
              + ", ".join(f"{s} {n:.0f}" for s, n in errors.items())]  # fmt: skip
    size = metrics.get("tenku", {}).get("size")
    if size:
        lines += [
            "",
            f"Query (100 items of one partition) by table size, Tenku; big table filled with "
            f"BatchWriteItem from 16 connections at {size['fill_rate']:,.0f} items/s "
            f"({size['fill_s']:.0f} s)",
            "",
            f"| Metric (Tenku) | 1k items | {cfg.big:,} items | big / 1k |",
            "|---|---|---|---|",
        ]
        for label, suffix, fmt in (
            ("Query c1 p50 (ms)", "c1_p50_ms", "{:.2f}"),
            ("Query c1 p99 (ms)", "c1_p99_ms", "{:.2f}"),
            ("Query c16 (req/s)", "c16_rate", "{:,.0f}"),
            ("Query c16 p50 (ms)", "c16_p50_ms", "{:.2f}"),
        ):
            a, b = size[f"small_{suffix}"], size[f"big_{suffix}"]
            lines.append(
                f"| {label} | {fmt.format(a)}{_spread(size, 'small_' + suffix, fmt)} "
                f"| {fmt.format(b)}{_spread(size, 'big_' + suffix, fmt)} | {_ratio(b, a)} |"
            )
    return "\n".join(lines)


def rerender(path: str) -> str:
    """The table again from a saved dynamodb.json (after a change to the rendering)."""
    with open(path) as f:
        saved = json.load(f)
    return render(saved["machine"], argparse.Namespace(**saved["config"]), saved["servers"])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--servers", default="tenku,moto,ministack")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--big", type=int, default=1_000_000, help="items in the big table (0: skip)")
    p.add_argument("--quick", action="store_true", help="2 reps of 2 s, 100k big table")
    p.add_argument("--render", metavar="JSON", help="only print the table of a saved run")
    args = p.parse_args(argv)
    if args.quick:
        args.reps, args.seconds, args.big = 2, 2.0, 100_000
    return args


def main(argv: list[str] | None = None) -> None:
    cfg = parse_args(argv)
    if cfg.render:
        print(rerender(cfg.render))
        return
    info = machine_info()
    sqs_wrk.LUA = LUA  # reuse run_wrk with the DynamoDB script
    metrics = {name: bench_server(name, cfg) for name in cfg.servers.split(",")}
    text = render(info, cfg, metrics)
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "dynamodb.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(RESULTS, "dynamodb.json"), "w") as f:
        json.dump({"machine": info, "config": vars(cfg), "servers": metrics}, f, indent=1)


if __name__ == "__main__":
    main()
