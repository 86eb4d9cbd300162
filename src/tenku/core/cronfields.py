"""The six fields of an AWS cron expression: parsing them and listing the days they match.

AWS's cron is Quartz-like, without seconds: `minutes hours day-of-month month day-of-week
year`. Each field takes `*`, a value, a range `a-b` (it may wrap: `FRI-MON`, `22-2`), an
increment `a/n`, `*/n` or `a-b/n`, and comma-separated lists of those. Months take
JAN-DEC and days of the week SUN-SAT (1-7, SUN = 1), case-insensitively; years run
1970-2199. Day-of-month also takes `L` (last day), `LW` (last weekday) and `nW` (the
weekday nearest day n, never crossing into another month); day-of-week takes `L`
(Saturday, the last day of the week), `nL` (the last day n of the month: `5L`, `FRIL`)
and `n#k` (the k-th day n of the month: `3#2` is the second Tuesday). Exactly one of
day-of-month and day-of-week is `?`.

Must not: know time zones or instants (`schedules.py` turns days and times into
instants); do I/O.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable

MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
DAY_NAMES = {
    name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)
}
FIRST_YEAR, LAST_YEAR = 1970, 2199

# Which days of one month a day field matches: (year, month) -> sorted day numbers.
DayRule = Callable[[int, int], list[int]]


class CronSyntaxError(ValueError):
    """A field does not follow AWS's cron syntax (the caller words the AWS error)."""


def parse_values(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """The set a plain field (`*`, values, ranges, increments, lists) stands for."""
    if not text:
        raise CronSyntaxError("empty field")
    found: set[int] = set()
    for term in text.split(","):
        found |= _parse_term(term, low, high, names)
    return found


def _parse_term(term: str, low: int, high: int, names: dict[str, int] | None) -> set[int]:
    base, slash, step_text = term.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) < 1:
            raise CronSyntaxError(f"bad increment {term!r}")
        step = int(step_text)
    if base == "*":
        first, last = low, high
    elif "-" in base:
        start_text, _, end_text = base.partition("-")
        first, last = _value(start_text, low, high, names), _value(end_text, low, high, names)
    else:
        first = _value(base, low, high, names)
        last = high if slash else first  # `5/10`: from 5 to the end of the range
    return set(_walk(first, last, step, low, high))


def _walk(first: int, last: int, step: int, low: int, high: int) -> list[int]:
    """first, first+step, ... up to last; a range whose end is below its start wraps."""
    span = last - first if last >= first else (high - first) + (last - low) + 1
    size = high - low + 1
    return [low + (first - low + offset) % size for offset in range(0, span + 1, step)]


def _value(text: str, low: int, high: int, names: dict[str, int] | None) -> int:
    if names is not None and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise CronSyntaxError(f"bad value {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise CronSyntaxError(f"{value} is outside {low}-{high}")
    return value


# -- day of month --------------------------------------------------------------------------
def day_of_month_rule(text: str) -> DayRule:
    """The rule of a day-of-month field other than `?`."""
    upper = text.upper()
    if upper == "L":
        return lambda year, month: [_days_in(year, month)]
    if upper == "LW":
        return lambda year, month: [_last_weekday(year, month)]
    if upper.endswith("W"):
        day = _value(upper[:-1], 1, 31, None)
        return lambda year, month: _nearest_weekday(year, month, day)
    days = sorted(parse_values(text, 1, 31))
    return lambda year, month: [d for d in days if d <= _days_in(year, month)]


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _aws_weekday(year: int, month: int, day: int) -> int:
    """AWS's day-of-week number (SUN = 1 ... SAT = 7); Python's Monday is 0."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _last_weekday(year: int, month: int) -> int:
    last = _days_in(year, month)
    weekday = _aws_weekday(year, month, last)
    return last - {7: 1, 1: 2}.get(weekday, 0)


def _nearest_weekday(year: int, month: int, day: int) -> list[int]:
    last = _days_in(year, month)
    if day > last:
        return []  # `31W` in a 30-day month matches nothing
    weekday = _aws_weekday(year, month, day)
    if weekday == 7:  # Saturday: the Friday before, or Monday when that leaves the month
        return [day - 1 if day > 1 else day + 2]
    if weekday == 1:  # Sunday: the Monday after, or Friday when that leaves the month
        return [day + 1 if day < last else day - 2]
    return [day]


# -- day of week ---------------------------------------------------------------------------
def day_of_week_rule(text: str) -> DayRule:
    """The rule of a day-of-week field other than `?`."""
    upper = text.upper()
    if upper == "L":
        return _weekdays_rule({7})
    if "#" in upper:
        day_text, _, nth_text = upper.partition("#")
        weekday = _value(day_text, 1, 7, DAY_NAMES)
        if not nth_text.isdigit() or not 1 <= int(nth_text) <= 5:
            raise CronSyntaxError(f"bad #n in {text!r}")
        nth = int(nth_text)
        return lambda year, month: _nth_weekday(year, month, weekday, nth)
    if upper.endswith("L"):
        weekday = _value(upper[:-1], 1, 7, DAY_NAMES)
        return lambda year, month: _last_of_weekday(year, month, weekday)
    return _weekdays_rule(parse_values(upper, 1, 7, DAY_NAMES))


def _weekdays_rule(weekdays: set[int]) -> DayRule:
    def rule(year: int, month: int) -> list[int]:
        return [
            day
            for day in range(1, _days_in(year, month) + 1)
            if _aws_weekday(year, month, day) in weekdays
        ]

    return rule


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> list[int]:
    first = 1 + (weekday - _aws_weekday(year, month, 1)) % 7
    day = first + 7 * (nth - 1)
    return [day] if day <= _days_in(year, month) else []


def _last_of_weekday(year: int, month: int, weekday: int) -> list[int]:
    last = _days_in(year, month)
    return [last - (_aws_weekday(year, month, last) - weekday) % 7]
