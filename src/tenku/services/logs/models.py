"""Pure CloudWatch Logs logic: ARNs, retention values, tokens and PutLogEvents checks.

Must not touch storage or the bus; everything here is a function of its arguments.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from typing import Any, NamedTuple

from tenku.core.scope import Arn, Scope
from tenku.services.logs.errors import invalid_parameter, invalid_token

RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)  # fmt: skip
DAY_MS = 86_400_000
TOO_NEW_MS = 2 * 3_600_000
TOO_OLD_MS = 14 * DAY_MS
MAX_BATCH_SPAN_MS = DAY_MS
EVENT_OVERHEAD_BYTES = 26


class Cursor(NamedTuple):
    """A position in timestamp order: (timestamp ms, event row id)."""

    timestamp: int
    event_id: int


START = Cursor(0, 0)


def group_arn(scope: Scope, name: str) -> str:
    return scope.arn("logs", f"log-group:{name}")


def stream_arn(scope: Scope, group: str, stream: str) -> str:
    return scope.arn("logs", f"log-group:{group}:log-stream:{stream}")


def group_from_arn(arn: str) -> tuple[Scope, str]:
    """The scope and log group name an ARN (with or without `:*`) names."""
    parsed = Arn.parse(arn)
    if parsed is None or parsed.service != "logs" or not parsed.resource.startswith("log-group:"):
        raise invalid_parameter(f"Invalid resource arn: {arn}")
    name = parsed.resource[len("log-group:") :]
    if name.endswith(":*"):
        name = name[:-2]
    return parsed.scope, name


def group_name(log_group_name: str | None, log_group_identifier: str | None) -> str:
    """The group a request names, by name or by `logGroupIdentifier` (name or ARN)."""
    if log_group_name and log_group_identifier:
        raise invalid_parameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if log_group_name:
        return log_group_name
    if log_group_identifier:
        if log_group_identifier.startswith("arn:"):
            return group_from_arn(log_group_identifier)[1]
        return log_group_identifier
    raise invalid_parameter("Should provide either name or ARN of LogGroup")


def check_retention(days: int) -> None:
    if days not in RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in RETENTION_DAYS)
        raise invalid_parameter(
            f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{allowed}]"
        )


def event_id(cursor: Cursor) -> str:
    """A 56-digit event id, sortable like AWS's."""
    return f"{cursor.timestamp:020d}{cursor.event_id:036d}"


def sequence_token(count: int) -> str:
    return f"49{count:054d}"


def stream_token(direction: str, cursor: Cursor) -> str:
    """GetLogEvents' `f/<digits>/s` and `b/<digits>/s` tokens."""
    return f"{direction}/{event_id(cursor)}/s"


def parse_stream_token(token: str) -> tuple[str, Cursor]:
    parts = token.split("/")
    if len(parts) != 3 or parts[0] not in {"f", "b"} or parts[2] != "s":
        raise invalid_token()
    digits = parts[1]
    if len(digits) != 56 or not digits.isdigit():
        raise invalid_token()
    return parts[0], Cursor(int(digits[:20]), int(digits[20:]))


def page_token(cursor: Cursor) -> str:
    return base64.urlsafe_b64encode(f"{cursor.timestamp}:{cursor.event_id}".encode()).decode()


def parse_page_token(token: str) -> Cursor:
    try:
        ts, _, eid = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        return Cursor(int(ts), int(eid))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_token() from None


def name_token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def parse_name_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_token() from None


class Batch(NamedTuple):
    """PutLogEvents' accepted events and the rejected-events report."""

    accepted: list[tuple[int, str]]
    rejected: dict[str, int]


def check_batch(events: list[dict[str, Any]], now_ms: int, retention_days: int | None) -> Batch:
    """Validate order and span, and split off too-new, too-old and expired events."""
    stamps = [int(e["timestamp"]) for e in events]
    if any(b < a for a, b in itertools.pairwise(stamps)):
        raise invalid_parameter(
            "Log events in a single PutLogEvents request must be in chronological order."
        )
    if stamps and stamps[-1] - stamps[0] > MAX_BATCH_SPAN_MS:
        raise invalid_parameter(
            "The batch of log events in a single PutLogEvents request cannot span more "
            "than 24 hours."
        )
    rejected: dict[str, int] = {}
    too_old = [i for i, ts in enumerate(stamps) if ts < now_ms - TOO_OLD_MS]
    if too_old:
        rejected["tooOldLogEventEndIndex"] = too_old[-1]
    if retention_days is not None:
        expired = [i for i, ts in enumerate(stamps) if ts < now_ms - retention_days * DAY_MS]
        if expired:
            rejected["expiredLogEventEndIndex"] = expired[-1]
    too_new = [i for i, ts in enumerate(stamps) if ts > now_ms + TOO_NEW_MS]
    if too_new:
        rejected["tooNewLogEventStartIndex"] = too_new[0]
    low = max(
        rejected.get("tooOldLogEventEndIndex", -1), rejected.get("expiredLogEventEndIndex", -1)
    )
    high = rejected.get("tooNewLogEventStartIndex", len(events))
    accepted = [(stamps[i], str(events[i]["message"])) for i in range(low + 1, high)]
    return Batch(accepted, rejected)


def retention_floor(now_ms: int, retention_days: int | None) -> int:
    """The oldest timestamp still readable under the retention policy."""
    return 0 if retention_days is None else now_ms - retention_days * DAY_MS
