"""What `tenku up`, `deploy` and `destroy` print: one line per stack event, the change
set's changes, endpoints, outputs, function log lines; from several threads at once
without tearing lines.

Colours only when stdout is a terminal (click strips them otherwise).
Must not: call any API.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import click

_STATUS_COLOUR = (("FAILED", "red"), ("ROLLBACK", "red"), ("COMPLETE", "green"))
_ACTION_MARK = {"Add": "+", "Modify": "~", "Remove": "-", "Import": ">", "Dynamic": "?"}


def time_since_process_start() -> float:
    """The `time.monotonic()` at which this process started (Linux: from /proc), so
    that `Ready in` counts the interpreter's start-up too; now elsewhere."""
    try:
        with open("/proc/self/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime") as uptime:
            up_s = float(uptime.read().split()[0])
        import os

        started_s = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return time.monotonic() - max(0.0, up_s - started_s)
    except (OSError, ValueError, IndexError):
        return time.monotonic()


class Console:
    def __init__(self, started: float | None = None) -> None:
        self.started = time.monotonic() if started is None else started
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def line(self, text: str = "", *, err: bool = False) -> None:
        with self._lock:
            click.echo(text, err=err)

    def stack_event(self, event: dict[str, Any]) -> None:
        status = str(event.get("ResourceStatus") or "")
        colour = next((c for word, c in _STATUS_COLOUR if word in status), "yellow")
        reason = str(event.get("ResourceStatusReason") or "")
        text = (
            f"  {self.elapsed():6.2f}s  {click.style(f'{status:<20}', fg=colour)} "
            f"{event.get('ResourceType', ''):<34} {event.get('LogicalResourceId', '')}"
        )
        if reason and ("FAILED" in status or "ROLLBACK" in status):
            text += f"  {click.style(reason, fg='red')}"
        self.line(text)

    def change(self, change: dict[str, Any]) -> None:
        action = str(change.get("Action") or "")
        mark = _ACTION_MARK.get(action, "?")
        replace = "  (replacement)" if change.get("Replacement") == "True" else ""
        self.line(
            f"  {mark} {action:<7} {change.get('ResourceType', ''):<34} "
            f"{change.get('LogicalResourceId', '')}{replace}"
        )

    def log(self, source: str, message: str) -> None:
        prefix = click.style(f"[{source}]", fg="cyan")
        with self._lock:
            for text in message.rstrip("\n").split("\n"):
                click.echo(f"{prefix} {text}")

    def heading(self, text: str) -> None:
        self.line(click.style(text, bold=True))

    def error(self, text: str) -> None:
        self.line(click.style(text, fg="red"), err=True)
