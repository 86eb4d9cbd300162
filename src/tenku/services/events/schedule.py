"""Schedule expressions of rules: `rate(...)` and `cron(...)` (UTC), validated as AWS does.

Firing is deliberately not done here: the next fire time comes from one function,
`next_fire(expression, after_epoch)`, which the cron engine shared with EventBridge
Scheduler provides (`tenku.core.schedules.next_fire`, written separately). Until that
module exists `next_fire` answers None and scheduled rules never fire; the firing loop
(`provider.fire_due_schedules`) is not started. Wiring both is left to the lead.
Must not: compute cron occurrences itself.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

SCHEDULE_MODULE = "tenku.core.schedules"

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\(([^()]*)\)")
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"


def _field(values: str, extra: str = "") -> re.Pattern[str]:
    """A comma list of values, ranges (a-b) and increments (a/b or */b)."""
    atom = f"(?:{values})"
    item = rf"(?:\*|{atom}(?:-{atom})?)(?:/\d+)?"
    if extra:
        item = f"(?:{item}|{extra})"
    return re.compile(rf"{item}(?:,{item})*", re.IGNORECASE)


_NUM = r"\d{1,4}"
_FIELDS = (
    (_field(_NUM), 0, 59),  # minutes
    (_field(_NUM), 0, 23),  # hours
    (_field(_NUM, r"\?|L|LW|\d{1,2}W"), 1, 31),  # day of month
    (_field(rf"{_NUM}|{_MONTHS}"), 1, 12),  # month
    (_field(rf"{_NUM}|{_DAYS}", rf"\?|L|(?:{_NUM}|{_DAYS})L|(?:{_NUM}|{_DAYS})#[1-5]"), 1, 7),
    (_field(_NUM), 1970, 2199),  # year
)


def valid_schedule(expression: str) -> bool:
    rate = _RATE.fullmatch(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        return value > 0 and (unit.endswith("s") == (value != 1))
    cron = _CRON.fullmatch(expression)
    if not cron:
        return False
    fields = cron.group(1).split()
    if len(fields) != 6:
        return False
    for text, (pattern, low, high) in zip(fields, _FIELDS, strict=True):
        if not pattern.fullmatch(text):
            return False
        for number in re.findall(r"(?<![/#])\b\d+\b", text):
            if not low <= int(number) <= high:
                return False
    day_of_month, day_of_week = fields[2], fields[4]
    return (day_of_month == "?") != (day_of_week == "?")


def next_fire(expression: str, after_epoch: float) -> float | None:
    """When a rule with `expression` fires next after `after_epoch` (None: not known)."""
    try:
        module = importlib.import_module(SCHEDULE_MODULE)
    except ImportError:
        return None
    compute: Callable[[str, float], float | None] = module.next_fire
    return compute(expression, after_epoch)
