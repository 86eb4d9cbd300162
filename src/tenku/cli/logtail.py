"""Streaming the stack's function logs to the terminal: `/aws/lambda/<function>` groups
polled with FilterLogEvents (only those that exist: a group appears with a function's
first invocation), each line prefixed with the function's logical id.

Runs on a thread of its own until `stop` is set; the functions it follows are replaced
after every deployment (`follow`).
Must not: fail the session: a Tenku that does not answer just means no lines this turn.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tenku.cli.display import Console

POLL_S = 0.25
GROUPS_EVERY_S = 1.0
LOOK_BACK_MS = 3000


class LogTail:
    def __init__(self, client: Any, console: Console) -> None:
        self.client = client  # a CloudWatch Logs client
        self.console = console
        self.stop = threading.Event()
        self._functions: dict[str, str] = {}  # log group -> logical id
        self._lock = threading.Lock()
        self._existing: set[str] = set()
        self._groups_checked = 0.0
        self._since = int(time.time() * 1000) - 1000
        self._cursor: dict[str, int] = {}
        self._seen: dict[str, dict[str, int]] = {}  # group -> shown event id -> time

    def follow(self, functions: dict[str, str]) -> None:
        """`functions`: physical function name -> the logical id shown as the prefix."""
        with self._lock:
            self._functions = {f"/aws/lambda/{name}": lid for name, lid in functions.items()}

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="tenku-logs", daemon=True)
        thread.start()
        return thread

    def run(self) -> None:
        while not self.stop.wait(POLL_S):
            try:
                self.poll_once()
            except Exception:  # a poll that fails is retried next turn
                continue

    def poll_once(self) -> None:
        with self._lock:
            functions = dict(self._functions)
        if time.monotonic() - self._groups_checked > GROUPS_EVERY_S or not self._existing:
            self._existing = self._log_groups()
            self._groups_checked = time.monotonic()
        for group, logical_id in sorted(functions.items()):
            if group in self._existing:
                self._poll_group(group, logical_id)

    def _log_groups(self) -> set[str]:
        found: set[str] = set()
        kwargs: dict[str, Any] = {"logGroupNamePrefix": "/aws/lambda/"}
        while True:
            page = self.client.describe_log_groups(**kwargs)
            found.update(g["logGroupName"] for g in page.get("logGroups") or [])
            if not page.get("nextToken"):
                return found
            kwargs["nextToken"] = page["nextToken"]

    def _poll_group(self, group: str, logical_id: str) -> None:
        # Lines can land a little after lines with later timestamps (two invocations of
        # one function at once): each turn looks back LOOK_BACK_MS, and the ids already
        # shown are remembered for that long.
        newest = self._cursor.get(group, self._since)
        seen = self._seen.setdefault(group, {})
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "startTime": max(self._since, newest - LOOK_BACK_MS),
        }
        while True:
            page = self.client.filter_log_events(**kwargs)
            for event in page.get("events") or []:
                event_id = event["eventId"]
                if event_id in seen:
                    continue
                stamp = int(event["timestamp"])
                seen[event_id] = stamp
                newest = max(newest, stamp)
                self.console.log(logical_id, str(event.get("message") or ""))
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        self._cursor[group] = newest
        horizon = newest - 2 * LOOK_BACK_MS
        for event_id in [e for e, stamp in seen.items() if stamp < horizon]:
            del seen[event_id]
