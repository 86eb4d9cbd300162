"""Markdown rendering of the SQS benchmark results (tables with Tenku/peer ratios)."""

from __future__ import annotations

import math
from dataclasses import dataclass

PEERS = ("moto", "ministack")


@dataclass
class Row:
    label: str
    key: str  # key into each server's metrics dict
    fmt: str = "{:,.0f}"
    requirement: str = ""  # human text, e.g. "≥ 5,000"
    check: str = ""  # "le:150", "lt:40", "ge:5000", "ratio_ge:moto:20"


MAIN_ROWS = [
    Row("Start-up, median of N (ms)", "startup_median_ms", "{:,.0f}", "≤ 150 ms", "le:150"),
    Row("Start-up, min of N (ms)", "startup_min_ms", "{:,.0f}"),
    Row("Idle RSS (MB)", "idle_rss_mb", "{:.1f}", "< 40 MB", "lt:40"),
    Row("Idle PSS (MB)", "idle_pss_mb", "{:.1f}"),
    Row("Idle private (MB)", "idle_private_mb", "{:.1f}"),
    Row(
        "SendMessage, c16 (msg/s)",
        "send_c16_rate",
        "{:,.0f}",
        "≥ 5,000 and ≥ 20x moto",
        "ge:5000;ratio_ge:moto:20",
    ),
    Row("SendMessage, c16 p50 (ms)", "send_c16_p50_ms", "{:.2f}"),
    Row("SendMessage, c16 p99 (ms)", "send_c16_p99_ms", "{:.2f}"),
    Row("SendMessage, c64 (msg/s)", "send_c64_rate", "{:,.0f}"),
    Row("SendMessage, c64 p50 (ms)", "send_c64_p50_ms", "{:.2f}"),
    Row("SendMessage, c64 p99 (ms)", "send_c64_p99_ms", "{:.2f}"),
    Row("SendMessageBatch x10, c16 (msg/s)", "batch_c16_rate", "{:,.0f}", "≥ 30,000", "ge:30000"),
    Row("SendMessageBatch x10, c64 (msg/s)", "batch_c64_rate", "{:,.0f}"),
    Row("Receive(1)+Delete, c16 (pairs/s)", "recv1_rate", "{:,.0f}", "≥ 2,500", "ge:2500"),
    Row("Receive(1) p50 / p99 (ms)", "recv1_recv_p50_ms|recv1_recv_p99_ms", "{:.2f}"),
    Row("Delete p50 / p99 (ms)", "recv1_del_p50_ms|recv1_del_p99_ms", "{:.2f}"),
    Row("Receive(10)+DeleteBatch, c16 (msg/s)", "recv10_rate", "{:,.0f}"),
    Row("Peak RSS after the load runs (MB)", "peak_rss_mb", "{:.1f}"),
]


def _fmt(value: object, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, str):
        return value
    return fmt.format(value)


def _cell(m: dict, row: Row) -> str:
    """One value, or "a / b" for a row whose key names two metrics."""
    return " / ".join(_fmt(m.get(k), row.fmt) for k in row.key.split("|"))


def _ratio(a: object, b: object) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
        return "-"
    r = a / b
    return f"{r:,.1f}x" if r >= 10 else f"{r:.2f}x"


def _check(row: Row, metrics: dict[str, dict]) -> str:
    if not row.check:
        return ""
    value = metrics.get("tenku", {}).get(row.key)
    if not isinstance(value, int | float):
        return row.requirement + " (n/a)"
    ok = True
    for cond in row.check.split(";"):
        kind, *args = cond.split(":")
        if kind == "le":
            ok &= value <= float(args[0])
        elif kind == "lt":
            ok &= value < float(args[0])
        elif kind == "ge":
            ok &= value >= float(args[0])
        elif kind == "ratio_ge":
            peer = metrics.get(args[0], {}).get(row.key)
            if isinstance(peer, int | float) and peer:
                ok &= value / peer >= float(args[1])
    return f"{row.requirement} {'✅' if ok else '❌'}"


def main_table(metrics: dict[str, dict], servers: list[str]) -> str:
    peers = [p for p in PEERS if p in servers and "tenku" in servers]
    head = ["Metric", *servers, *(f"Tenku/{p}" for p in peers), "Requirement (Tenku)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in MAIN_ROWS:
        cells = [row.label]
        cells += [_cell(metrics.get(s, {}), row) for s in servers]
        for p in peers:
            key = row.key.split("|")[0]  # "p50 / p99" rows: the ratio of the p50s
            cells.append(_ratio(metrics["tenku"].get(key), metrics.get(p, {}).get(key)))
        cells.append(_check(row, metrics))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_table(metrics: dict[str, dict], servers: list[str]) -> str:
    runs = [
        ("SendMessage c16", "send_c16"),
        ("SendMessage c64", "send_c64"),
        ("SendMessageBatch c16", "batch_c16"),
        ("SendMessageBatch c64", "batch_c64"),
        ("Receive(1)+Delete", "recv1"),
        ("Receive(10)+DeleteBatch", "recv10"),
    ]
    head = ["Run", *(f"{s} server / load gen" for s in servers)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, key in runs:
        cells = [label]
        for s in servers:
            m = metrics.get(s, {})
            srv, gen = m.get(f"{key}_server_cpu"), m.get(f"{key}_loadgen_cpu")
            cells.append("-" if srv is None else f"{srv:.0f}% / {gen:.0f}%")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def million_table(m: dict) -> str:
    rows = [
        ("SendMessage, c16 (msg/s)", "send_c16_rate", "{:,.0f}"),
        ("SendMessage, c16 p50 (ms)", "send_c16_p50_ms", "{:.2f}"),
        ("SendMessage, c16 p99 (ms)", "send_c16_p99_ms", "{:.2f}"),
        ("Receive(1)+Delete, c16 (pairs/s)", "recv1_rate", "{:,.0f}"),
        ("Receive(1) p50 (ms)", "recv1_recv_p50_ms", "{:.2f}"),
        ("Receive(1) p99 (ms)", "recv1_recv_p99_ms", "{:.2f}"),
        ("Delete p50 (ms)", "recv1_del_p50_ms", "{:.2f}"),
        ("Delete p99 (ms)", "recv1_del_p99_ms", "{:.2f}"),
        ("Receive(10)+DeleteBatch, c16 (msg/s)", "recv10_rate", "{:,.0f}"),
    ]
    empty, full = m["empty"], m["full"]
    lines = [
        "| Metric (Tenku) | empty queue | 1M queue | 1M / empty |",
        "|---|---|---|---|",
    ]
    for label, key, fmt in rows:
        a, b = empty.get(key), full.get(key)
        lines.append(f"| {label} | {_fmt(a, fmt)} | {_fmt(b, fmt)} | {_ratio(b, a)} |")
    return "\n".join(lines)
