"""Schedule expressions: `rate()`, `cron()` and `at()`, and when they fire.

The API, used by EventBridge Scheduler and by EventBridge rules:

    schedule = parse("cron(0 9 * * ? *)", "Asia/Tokyo")   # raises ScheduleExpressionError
    schedule.kind                                          # "rate" | "cron" | "at"
    schedule.next_after(epoch_seconds, anchor=created)     # first instant > t, or None
    schedule.occurrences(after, until, anchor=created)     # every instant in (after, until]

`ScheduleExpressionError` (a `ValueError`) carries AWS's message in `.message`:
`Invalid Schedule Expression {expression}.` for Scheduler (`dialect="scheduler"`, the
default) and `Parameter ScheduleExpression is not valid.` for EventBridge rules
(`dialect="events"`, which also refuses `at()` and requires `rate(1 unit)` singular and
`rate(n units)` plural, as the rules documentation says). Scheduler accepts either
form of the unit whatever the value (AWS stores `rate(2 minute)` as given). An unknown
time zone raises `InvalidTimezoneError`.

Semantics (AWS's Scheduler user guide, "Schedule types" and "Daylight saving time"):
- `rate(n unit)` fires at `anchor + k * n units` for k = 0, 1, ... A day is 24 hours of
  elapsed time whatever daylight saving does (AWS: "days represents a 24-hour duration").
  Scheduler anchors at the StartDate, or at creation when there is none (so a schedule
  without a StartDate fires at once); `anchor` defaults to the epoch.
- `cron(...)` is evaluated on the wall clock of the schedule's IANA time zone; see
  `cronfields.py` for the syntax. When clocks spring forward, an occurrence whose local
  time does not exist that day is skipped (`cron(30 2 * * ? *)` in America/New_York
  does not fire on the March change day). When clocks fall back, a local time that
  happens twice fires once, at its first (daylight-time) instant.
- `at(yyyy-mm-ddThh:mm:ss)` fires once at that local time. AWS documents nothing for an
  `at()` inside a spring-forward gap; Tenku fires it at the same offset from the start
  of the gap after the change (02:30 on the change day in New York fires at 03:30 EDT).

`next_after` never scans minute by minute: it walks the cron's years and months, asks
each month for its matching days, and tries the matching times of a day in order, so
the cost is bounded by the number of months until the next match (at most 2,760).
Must not: do I/O, or read the clock (callers pass instants in).
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tenku.core import cronfields
from tenku.core.cronfields import CronSyntaxError, DayRule

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_AT = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)")
_CRON = re.compile(r"cron\((.*)\)", re.DOTALL)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MAX_RATE_VALUE = 1_000_000_000  # a bound of our own: beyond it, the schedule never recurs


class ScheduleExpressionError(ValueError):
    """A schedule expression or time zone AWS would refuse; `message` is AWS's wording."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTimezoneError(ScheduleExpressionError):
    """The time zone is not an IANA zone name."""


def parse(expression: str, timezone: str = "UTC", *, dialect: str = "scheduler") -> Schedule:
    """The schedule `expression` describes, evaluated in `timezone`."""
    zone = _zone(timezone)

    def invalid() -> ScheduleExpressionError:
        if dialect == "events":
            return ScheduleExpressionError("Parameter ScheduleExpression is not valid.")
        return ScheduleExpressionError(f"Invalid Schedule Expression {expression}.")

    rate = _RATE.fullmatch(expression)
    if rate is not None:
        value, unit = int(rate.group(1)), rate.group(2)
        if not 1 <= value <= MAX_RATE_VALUE:
            raise invalid()
        if dialect == "events" and unit.endswith("s") != (value != 1):
            raise invalid()
        return RateSchedule(expression, timezone, value * _UNIT_SECONDS[unit.rstrip("s")])
    at = _AT.fullmatch(expression)
    if at is not None and dialect != "events":
        try:
            year, month, day, hour, minute, second = (int(part) for part in at.groups())
            local = datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise invalid() from None
        instant = local.replace(tzinfo=zone).astimezone(UTC).timestamp()
        return AtSchedule(expression, timezone, instant)
    cron = _CRON.fullmatch(expression)
    if cron is not None:
        try:
            return CronSchedule(expression, timezone, zone, cron.group(1))
        except CronSyntaxError:
            raise invalid() from None
    raise invalid()


def _zone(name: str) -> tzinfo:
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # Wording chosen without a source: AWS's message for this case is not documented.
        raise InvalidTimezoneError(f"Invalid ScheduleExpressionTimezone {name}.") from None


class Schedule(ABC):
    """A parsed schedule; subclasses say when it fires."""

    kind = ""

    def __init__(self, expression: str, timezone: str) -> None:
        self.expression = expression
        self.timezone = timezone

    @abstractmethod
    def next_after(self, epoch_seconds: float, *, anchor: float = 0.0) -> float | None:
        """The first firing instant strictly after `epoch_seconds`, or None if none is
        left. `anchor` is where a rate schedule's occurrences are counted from."""

    def occurrences(self, after: float, until: float, *, anchor: float = 0.0) -> Iterator[float]:
        """Every firing instant in (after, until], in order."""
        instant = self.next_after(after, anchor=anchor)
        while instant is not None and instant <= until:
            yield instant
            instant = self.next_after(instant, anchor=anchor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.expression!r}, {self.timezone!r})"


class RateSchedule(Schedule):
    kind = "rate"

    def __init__(self, expression: str, timezone: str, interval_seconds: int) -> None:
        super().__init__(expression, timezone)
        self.interval_seconds = interval_seconds

    def next_after(self, epoch_seconds: float, *, anchor: float = 0.0) -> float | None:
        if epoch_seconds < anchor:
            return anchor
        steps = math.floor((epoch_seconds - anchor) / self.interval_seconds) + 1
        return anchor + steps * self.interval_seconds


class AtSchedule(Schedule):
    kind = "at"

    def __init__(self, expression: str, timezone: str, instant: float) -> None:
        super().__init__(expression, timezone)
        self.instant = instant

    def next_after(self, epoch_seconds: float, *, anchor: float = 0.0) -> float | None:
        return self.instant if self.instant > epoch_seconds else None


class CronSchedule(Schedule):
    kind = "cron"

    def __init__(self, expression: str, timezone: str, zone: tzinfo, fields_text: str) -> None:
        super().__init__(expression, timezone)
        self.zone = zone
        fields = fields_text.split(" ")
        if len(fields) != 6:
            raise CronSyntaxError("a cron expression has six fields")
        minute, hour, day_of_month, month, day_of_week, year = fields
        self.minutes = sorted(cronfields.parse_values(minute, 0, 59))
        self.hours = sorted(cronfields.parse_values(hour, 0, 23))
        self.months = sorted(cronfields.parse_values(month, 1, 12, cronfields.MONTH_NAMES))
        self.years = sorted(
            cronfields.parse_values(year, cronfields.FIRST_YEAR, cronfields.LAST_YEAR)
        )
        # AWS: one of day-of-month and day-of-week must be `?`, and only one.
        if (day_of_month == "?") == (day_of_week == "?"):
            raise CronSyntaxError("exactly one of day-of-month and day-of-week must be ?")
        self.day_rule: DayRule = (
            cronfields.day_of_week_rule(day_of_week)
            if day_of_month == "?"
            else cronfields.day_of_month_rule(day_of_month)
        )
        self._day_cache: dict[tuple[int, int], list[int]] = {}

    def next_after(self, epoch_seconds: float, *, anchor: float = 0.0) -> float | None:
        # Local wall time maps to instants monotonically once skipped times are dropped
        # and repeated ones take their first instant, so the first local match (from
        # the local day and time of `epoch_seconds` on) that lies after it is the answer.
        start = datetime.fromtimestamp(epoch_seconds, self.zone)
        first_day = (start.year, start.month, start.day)
        for year in self.years:
            if year < start.year:
                continue
            for month in self.months:
                if (year, month) < (start.year, start.month):
                    continue
                for day in self._days(year, month):
                    if (year, month, day) < first_day:
                        continue
                    earliest = (
                        (start.hour, start.minute) if (year, month, day) == first_day else (0, 0)
                    )
                    found = self._first_time_of_day(year, month, day, earliest, epoch_seconds)
                    if found is not None:
                        return found
        return None

    def _days(self, year: int, month: int) -> list[int]:
        key = (year, month)
        days = self._day_cache.get(key)
        if days is None:
            if len(self._day_cache) > 512:
                self._day_cache.clear()
            days = self._day_cache[key] = self.day_rule(year, month)
        return days

    def _first_time_of_day(
        self, year: int, month: int, day: int, earliest: tuple[int, int], after: float
    ) -> float | None:
        for hour in self.hours[bisect_left(self.hours, earliest[0]) :]:
            minutes = self.minutes
            if hour == earliest[0]:
                minutes = minutes[bisect_left(minutes, earliest[1]) :]
            for minute in minutes:
                instant = local_instant(datetime(year, month, day, hour, minute), self.zone)
                if instant is not None and instant > after:
                    return instant
        return None


def local_instant(wall: datetime, zone: tzinfo) -> float | None:
    """The instant of a naive wall-clock time in `zone`: None when that time does not
    exist (a spring-forward gap), the first instant when it happens twice."""
    if zone is UTC:
        return wall.replace(tzinfo=UTC).timestamp()
    moment = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return moment.timestamp()
