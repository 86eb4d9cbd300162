"""The platform's words: START/END/REPORT lines, error documents, memory readings.

Owns Lambda's exact log and error formats so the engine only assembles them. Must not
touch processes beyond reading /proc.
"""

from __future__ import annotations

import json
import math
import os
import time


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def billed(duration_ms: float) -> int:
    return max(1, math.ceil(duration_ms))


def report_line(
    request_id: str, duration_ms: float, memory_mb: int, max_used_mb: int, init_ms: float | None
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms"
        f"\tBilled Duration: {billed(duration_ms)} ms\tMemory Size: {memory_mb} MB"
        f"\tMax Memory Used: {max_used_mb} MB"
    )
    if init_ms is not None:
        line += f"\tInit Duration: {init_ms:.2f} ms"
    return line


def timeout_message(request_id: str, timeout_s: float) -> str:
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
    return f"{stamp} {request_id} Task timed out after {timeout_s:.2f} seconds"


def error_document(error_type: str | None, message: str) -> bytes:
    doc: dict[str, str] = {}
    if error_type is not None:
        doc["errorType"] = error_type
    doc["errorMessage"] = message
    return json.dumps(doc).encode()


def exit_error(request_id: str, status: str) -> bytes:
    return error_document(
        "Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited with error: {status}"
    )


def out_of_memory_error(request_id: str, status: str) -> bytes:
    return error_document(
        "Runtime.OutOfMemory",
        f"RequestId: {request_id} Error: Runtime exited with error: {status}",
    )


def too_large_error(size: int) -> bytes:
    return error_document(
        "Function.ResponseSizeTooLarge",
        f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
        "(6291556 bytes).",
    )


def max_memory_mb(pid: int | None) -> int:
    """Peak resident memory (VmHWM) of the process and its descendants, in MB."""
    if pid is None:
        return 0
    total_kb = 0
    stack = [pid]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        total_kb += _hwm_kb(current)
        stack.extend(_children(current))
    return max(1, round(total_kb / 1024)) if total_kb else 0


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                kids.extend(int(x) for x in fh.read().split())
    except (OSError, ValueError):
        pass
    return kids
