"""The schedule-expression engine: parsing, validation and next-fire instants.

Instants are written in UTC ISO form; each case is (expression, time zone, after, the
next firing instants expected after `after`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tenku.core.schedules import (
    InvalidTimezoneError,
    ScheduleExpressionError,
    local_instant,
    parse,
)


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def iso(instant: float | None) -> str | None:
    if instant is None:
        return None
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def upcoming(expression: str, zone: str, after: str, count: int) -> list[str | None]:
    schedule = parse(expression, zone)
    found: list[str | None] = []
    instant: float | None = at(after)
    for _ in range(count):
        assert instant is not None
        instant = schedule.next_after(instant)
        found.append(iso(instant))
        if instant is None:
            break
    return found


CRON_CASES = [
    # -- plain fields, UTC ---------------------------------------------------------------
    (
        "cron(0 10 * * ? *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-01T10:00:00", "2024-01-02T10:00:00"],
    ),
    ("cron(0 10 * * ? *)", "UTC", "2024-01-01T10:00:00", ["2024-01-02T10:00:00"]),
    ("cron(0 10 * * ? *)", "UTC", "2024-01-01T09:59:59", ["2024-01-01T10:00:00"]),
    (
        "cron(15 10 ? * 6L 2022-2023)",
        "UTC",
        "2022-01-01T00:00:00",
        ["2022-01-28T10:15:00", "2022-02-25T10:15:00"],
    ),
    (
        "cron(0/15 * * * ? *)",
        "UTC",
        "2024-01-01T00:07:00",
        [
            "2024-01-01T00:15:00",
            "2024-01-01T00:30:00",
            "2024-01-01T00:45:00",
            "2024-01-01T01:00:00",
        ],
    ),
    (
        "cron(*/20 * * * ? *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-01T00:20:00", "2024-01-01T00:40:00", "2024-01-01T01:00:00"],
    ),
    (
        "cron(5/20 * * * ? *)",
        "UTC",
        "2024-01-01T00:00:00",
        [
            "2024-01-01T00:05:00",
            "2024-01-01T00:25:00",
            "2024-01-01T00:45:00",
            "2024-01-01T01:05:00",
        ],
    ),
    (
        "cron(0 8-10 * * ? *)",
        "UTC",
        "2024-01-01T00:00:00",
        [
            "2024-01-01T08:00:00",
            "2024-01-01T09:00:00",
            "2024-01-01T10:00:00",
            "2024-01-02T08:00:00",
        ],
    ),
    (
        "cron(0 22-2 * * ? *)",
        "UTC",
        "2024-01-01T21:00:00",
        [
            "2024-01-01T22:00:00",
            "2024-01-01T23:00:00",
            "2024-01-02T00:00:00",
            "2024-01-02T01:00:00",
            "2024-01-02T02:00:00",
            "2024-01-02T22:00:00",
        ],
    ),
    (
        "cron(0 12 1,15 * ? *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-01T12:00:00", "2024-01-15T12:00:00", "2024-02-01T12:00:00"],
    ),
    (
        "cron(0 0 31 * ? *)",
        "UTC",
        "2024-01-31T00:00:00",
        ["2024-03-31T00:00:00", "2024-05-31T00:00:00"],
    ),
    (
        "cron(0 0 29 2 ? *)",
        "UTC",
        "2021-01-01T00:00:00",
        ["2024-02-29T00:00:00", "2028-02-29T00:00:00"],
    ),
    ("cron(0 0 30 2 ? *)", "UTC", "2021-01-01T00:00:00", [None]),
    (
        "cron(0 0 1 JAN,JUL ? *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-07-01T00:00:00", "2025-01-01T00:00:00"],
    ),
    (
        "cron(0 0 1 nov-feb ? *)",
        "UTC",
        "2024-03-01T00:00:00",
        [
            "2024-11-01T00:00:00",
            "2024-12-01T00:00:00",
            "2025-01-01T00:00:00",
            "2025-02-01T00:00:00",
            "2025-11-01T00:00:00",
        ],
    ),
    (
        "cron(0 0 1 */4 ? *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-05-01T00:00:00", "2024-09-01T00:00:00", "2025-01-01T00:00:00"],
    ),
    (
        "cron(0 18 ? * MON-FRI *)",
        "UTC",
        "2024-01-05T19:00:00",
        ["2024-01-08T18:00:00", "2024-01-09T18:00:00"],
    ),
    ("cron(0 18 ? * 2-6 *)", "UTC", "2024-01-05T19:00:00", ["2024-01-08T18:00:00"]),
    (
        "cron(0 9 ? * SUN *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-07T09:00:00", "2024-01-14T09:00:00"],
    ),
    ("cron(0 9 ? * 1 *)", "UTC", "2024-01-01T00:00:00", ["2024-01-07T09:00:00"]),
    ("cron(0 9 ? * 7 *)", "UTC", "2024-01-01T00:00:00", ["2024-01-06T09:00:00"]),
    (
        "cron(0 9 ? * FRI-MON *)",
        "UTC",
        "2024-01-01T10:00:00",
        [
            "2024-01-05T09:00:00",
            "2024-01-06T09:00:00",
            "2024-01-07T09:00:00",
            "2024-01-08T09:00:00",
            "2024-01-12T09:00:00",
        ],
    ),
    (
        "cron(0 9 ? * sat,sun *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-06T09:00:00", "2024-01-07T09:00:00", "2024-01-13T09:00:00"],
    ),
    ("cron(0 0 ? * * *)", "UTC", "2024-01-01T00:00:00", ["2024-01-02T00:00:00"]),
    (
        "cron(0 0 * * ? 2030)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2030-01-01T00:00:00", "2030-01-02T00:00:00"],
    ),
    ("cron(0 0 1 1 ? 2030-2031)", "UTC", "2030-06-01T00:00:00", ["2031-01-01T00:00:00", None]),
    ("cron(0 0 1 1 ? 2199)", "UTC", "2024-01-01T00:00:00", ["2199-01-01T00:00:00", None]),
    (
        "cron(0 0 1 1 ? 2020/5)",
        "UTC",
        "2021-01-01T00:00:00",
        ["2025-01-01T00:00:00", "2030-01-01T00:00:00"],
    ),
    ("cron(0 0 1 1 ? 1970-1971)", "UTC", "2024-01-01T00:00:00", [None]),
    (
        "cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)",
        "UTC",
        "2024-01-01T08:14:00",
        ["2024-01-01T08:15:00", "2024-01-02T08:00:00"],
    ),
    (
        "cron(30-30 13-13 ? * 2,4,6 *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-01T13:30:00", "2024-01-03T13:30:00", "2024-01-05T13:30:00"],
    ),
    (
        "cron(1-31/30 1-1 ? * 1,7 *)",
        "UTC",
        "2024-01-06T00:00:00",
        ["2024-01-06T01:01:00", "2024-01-06T01:31:00", "2024-01-07T01:01:00"],
    ),
    ("cron(59 23 31 12 ? *)", "UTC", "2024-12-31T23:59:00", ["2025-12-31T23:59:00"]),
    # -- L, W and # ------------------------------------------------------------------------
    (
        "cron(0 12 L * ? *)",
        "UTC",
        "2024-01-01T00:00:00",
        [
            "2024-01-31T12:00:00",
            "2024-02-29T12:00:00",
            "2024-03-31T12:00:00",
            "2024-04-30T12:00:00",
        ],
    ),
    (
        "cron(0 12 L 2 ? *)",
        "UTC",
        "2023-01-01T00:00:00",
        ["2023-02-28T12:00:00", "2024-02-29T12:00:00"],
    ),
    (
        "cron(0 12 LW * ? *)",
        "UTC",
        "2024-03-01T00:00:00",
        [
            "2024-03-29T12:00:00",
            "2024-04-30T12:00:00",
            "2024-05-31T12:00:00",
            "2024-06-28T12:00:00",
        ],
    ),
    (
        "cron(0 12 15W * ? *)",
        "UTC",
        "2024-06-01T00:00:00",
        [
            "2024-06-14T12:00:00",
            "2024-07-15T12:00:00",
            "2024-08-15T12:00:00",
            "2024-09-16T12:00:00",
        ],
    ),
    (
        "cron(0 12 1W * ? *)",
        "UTC",
        "2024-06-01T00:00:00",
        [
            "2024-06-03T12:00:00",
            "2024-07-01T12:00:00",
            "2024-08-01T12:00:00",
            "2024-09-02T12:00:00",
        ],
    ),
    (
        "cron(0 12 31W * ? *)",
        "UTC",
        "2024-08-01T00:00:00",
        ["2024-08-30T12:00:00", "2024-10-31T12:00:00"],
    ),
    (
        "cron(0 12 30W 6 ? *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-06-28T12:00:00", "2025-06-30T12:00:00"],
    ),
    (
        "cron(0 10 ? * 3#2 *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-09T10:00:00", "2024-02-13T10:00:00", "2024-03-12T10:00:00"],
    ),
    (
        "cron(0 10 ? * MON#1 *)",
        "UTC",
        "2024-01-01T10:00:00",
        ["2024-02-05T10:00:00", "2024-03-04T10:00:00"],
    ),
    (
        "cron(0 10 ? * 6#5 *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-03-29T10:00:00", "2024-05-31T10:00:00"],
    ),
    (
        "cron(0 10 ? * FRIL *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-26T10:00:00", "2024-02-23T10:00:00", "2024-03-29T10:00:00"],
    ),
    (
        "cron(0 10 ? * 1L *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-28T10:00:00", "2024-02-25T10:00:00"],
    ),
    (
        "cron(0 10 ? * L *)",
        "UTC",
        "2024-01-01T00:00:00",
        ["2024-01-06T10:00:00", "2024-01-13T10:00:00"],
    ),
    # -- time zones ------------------------------------------------------------------------
    (
        "cron(0 9 * * ? *)",
        "Asia/Tokyo",
        "2024-05-01T01:00:00",
        ["2024-05-02T00:00:00", "2024-05-03T00:00:00"],
    ),
    ("cron(0 9 * * ? *)", "Asia/Tokyo", "2024-04-30T23:59:00", ["2024-05-01T00:00:00"]),
    ("cron(0 0 * * ? *)", "Asia/Kolkata", "2024-01-01T00:00:00", ["2024-01-01T18:30:00"]),
    (
        "cron(0 9 * * ? *)",
        "Australia/Sydney",
        "2024-04-05T00:00:00",
        ["2024-04-05T22:00:00", "2024-04-06T23:00:00", "2024-04-07T23:00:00"],
    ),
    (
        "cron(0 9 1 * ? *)",
        "Europe/London",
        "2024-01-01T00:00:00",
        [
            "2024-01-01T09:00:00",
            "2024-02-01T09:00:00",
            "2024-03-01T09:00:00",
            "2024-04-01T08:00:00",
        ],
    ),
    # America/New_York across the March change (2024-03-10, 02:00 EST -> 03:00 EDT)
    (
        "cron(0 9 * * ? *)",
        "America/New_York",
        "2024-03-08T00:00:00",
        [
            "2024-03-08T14:00:00",
            "2024-03-09T14:00:00",
            "2024-03-10T13:00:00",
            "2024-03-11T13:00:00",
        ],
    ),
    (
        "cron(30 2 * * ? *)",
        "America/New_York",
        "2024-03-08T00:00:00",
        ["2024-03-08T07:30:00", "2024-03-09T07:30:00", "2024-03-11T06:30:00"],
    ),
    (
        "cron(0 * 10 3 ? 2024)",
        "America/New_York",
        "2024-03-10T05:00:00",
        ["2024-03-10T06:00:00", "2024-03-10T07:00:00", "2024-03-10T08:00:00"],
    ),
    (
        "cron(0 3 * * ? *)",
        "America/New_York",
        "2024-03-09T12:00:00",
        ["2024-03-10T07:00:00", "2024-03-11T07:00:00"],
    ),
    # ... and the November change (2024-11-03, 02:00 EDT -> 01:00 EST)
    (
        "cron(0 9 * * ? *)",
        "America/New_York",
        "2024-11-01T00:00:00",
        [
            "2024-11-01T13:00:00",
            "2024-11-02T13:00:00",
            "2024-11-03T14:00:00",
            "2024-11-04T14:00:00",
        ],
    ),
    (
        "cron(30 1 * * ? *)",
        "America/New_York",
        "2024-11-02T00:00:00",
        ["2024-11-02T05:30:00", "2024-11-03T05:30:00", "2024-11-04T06:30:00"],
    ),
    (
        "cron(0/30 1 3 11 ? 2024)",
        "America/New_York",
        "2024-11-03T00:00:00",
        ["2024-11-03T05:00:00", "2024-11-03T05:30:00", None],
    ),
    (
        "cron(0 * 3 11 ? 2024)",
        "America/New_York",
        "2024-11-03T04:00:00",
        ["2024-11-03T05:00:00", "2024-11-03T07:00:00", "2024-11-03T08:00:00"],
    ),
    # a start inside the repeated hour's second pass does not fire its first pass again
    ("cron(45 1 * * ? *)", "America/New_York", "2024-11-03T06:10:00", ["2024-11-04T06:45:00"]),
]


@pytest.mark.parametrize(("expression", "zone", "after", "expected"), CRON_CASES)
def test_cron_next_fire_times(
    expression: str, zone: str, after: str, expected: list[str | None]
) -> None:
    assert upcoming(expression, zone, after, len(expected)) == expected


RATE_CASES = [
    ("rate(1 minute)", 0.0, "2024-01-01T00:00:30", ["2024-01-01T00:01:00", "2024-01-01T00:02:00"]),
    (
        "rate(5 minutes)",
        at("2024-01-01T00:02:00"),
        "2024-01-01T00:00:00",
        ["2024-01-01T00:02:00", "2024-01-01T00:07:00"],
    ),
    ("rate(5 minutes)", at("2024-01-01T00:02:00"), "2024-01-01T00:07:00", ["2024-01-01T00:12:00"]),
    (
        "rate(2 hours)",
        at("2024-01-01T00:00:00"),
        "2024-01-01T03:00:00",
        ["2024-01-01T04:00:00", "2024-01-01T06:00:00"],
    ),
    ("rate(1 hour)", 0.0, "2024-01-01T03:59:59", ["2024-01-01T04:00:00"]),
    (
        "rate(1 day)",
        at("2024-03-09T14:00:00"),
        "2024-03-09T14:00:00",
        ["2024-03-10T14:00:00", "2024-03-11T14:00:00"],
    ),
    ("rate(3 days)", at("2024-01-01T12:00:00"), "2024-01-01T12:00:00", ["2024-01-04T12:00:00"]),
    ("rate(2 minute)", 0.0, "2024-01-01T00:00:00", ["2024-01-01T00:02:00"]),
    ("rate(1 days)", 0.0, "2024-01-01T00:00:00", ["2024-01-02T00:00:00"]),
]


@pytest.mark.parametrize(("expression", "anchor", "after", "expected"), RATE_CASES)
def test_rate_counts_from_its_anchor(
    expression: str, anchor: float, after: str, expected: list[str]
) -> None:
    schedule = parse(expression, "America/New_York")
    assert schedule.kind == "rate"
    found, instant = [], at(after)
    for _ in expected:
        next_instant = schedule.next_after(instant, anchor=anchor)
        assert next_instant is not None
        found.append(iso(next_instant))
        instant = next_instant
    assert found == expected


AT_CASES = [
    ("at(2024-06-01T12:00:00)", "UTC", "2024-06-01T12:00:00"),
    ("at(2024-06-01T12:00:00)", "Asia/Tokyo", "2024-06-01T03:00:00"),
    ("at(2024-01-15T09:30:45)", "America/New_York", "2024-01-15T14:30:45"),
    ("at(2024-07-15T09:30:00)", "America/New_York", "2024-07-15T13:30:00"),
    ("at(2024-03-10T02:30:00)", "America/New_York", "2024-03-10T07:30:00"),  # in the gap
    ("at(2024-11-03T01:30:00)", "America/New_York", "2024-11-03T05:30:00"),  # first pass
    ("at(2024-02-29T00:00:00)", "UTC", "2024-02-29T00:00:00"),
]


@pytest.mark.parametrize(("expression", "zone", "expected"), AT_CASES)
def test_at_fires_once(expression: str, zone: str, expected: str) -> None:
    schedule = parse(expression, zone)
    assert schedule.kind == "at"
    instant = schedule.next_after(at("2020-01-01T00:00:00"))
    assert iso(instant) == expected
    assert instant is not None
    assert schedule.next_after(instant) is None
    assert schedule.next_after(instant - 0.5) == instant


INVALID = [
    "cron(0 1 * * * *)",  # neither day field is ?
    "cron(0 1 ? * ? *)",  # both are
    "cron(7 20 * * NOT *)",
    "cron(INVALID)",
    "cron(0 dummy ? * MON-FRI *)",
    "cron(71 8 1 * ? *)",
    "cron()",
    "cron(0 24 * * ? *)",
    "cron(0 0 32 * ? *)",
    "cron(0 0 0 * ? *)",
    "cron(0 0 1 13 ? *)",
    "cron(0 0 1 0 ? *)",
    "cron(0 0 ? * 8 *)",
    "cron(0 0 ? * 0 *)",
    "cron(0 0 1 * ? 1969)",
    "cron(0 0 1 * ? 2200)",
    "cron(0 0 1 * ?)",
    "cron(0 0 1 * ? * *)",
    "cron(0  0 1 * ? *)",
    "cron(0/0 * * * ? *)",
    "cron(*/x * * * ? *)",
    "cron(0 0 1-x * ? *)",
    "cron(0 0 L-2 * ? *)",
    "cron(0 0 32W * ? *)",
    "cron(0 0 ? * 3#6 *)",
    "cron(0 0 ? * 8#1 *)",
    "cron(0 0 ? * 8L *)",
    "cron(0 0 1, * ? *)",
    "cron(? 0 1 * ? *)",
    "cron(0 0 1 ? * ?)",
    "cron (0 0 1 * ? *)",
    "Cron(0 0 1 * ? *)",
    "rate(10 seconds)",
    "rate(10 years)",
    "rate()",
    "rate(10)",
    "rate(10 minutess)",
    "rate(foo minutes)",
    "rate(-10 minutes)",
    "rate(0 minutes)",
    "rate( 10 minutes )",
    " rate(10 minutes)",
    "rate(10 minutes) ",
    "rate(1.5 hours)",
    "rate(10 Minutes)",
    "at(2021-12-31T23:59:59Z)",
    "at(2021-12-31)",
    "at(2021-02-30T00:00:00)",
    "at(2021-12-31T24:00:00)",
    "at(2021-12-31 23:59:59)",
    "at()",
    "every 5 minutes",
    "",
]


@pytest.mark.parametrize("expression", INVALID)
def test_invalid_expressions_get_awss_message(expression: str) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse(expression)
    assert raised.value.message == f"Invalid Schedule Expression {expression}."
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(2 hour)",
        "at(2030-01-01T00:00:00)",
        "cron(0 0 1 * * *)",
    ],
)
def test_events_dialect_is_stricter(expression: str) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse(expression, dialect="events")
    assert raised.value.message == "Parameter ScheduleExpression is not valid."


@pytest.mark.parametrize(
    "expression", ["rate(1 minute)", "rate(5 minutes)", "rate(1 day)", "cron(0 12 * * ? *)"]
)
def test_events_dialect_accepts_what_rules_accept(expression: str) -> None:
    assert parse(expression, dialect="events").expression == expression


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "EST5EDT/x", "../etc/passwd", "utc "])
def test_unknown_time_zone(zone: str) -> None:
    with pytest.raises(InvalidTimezoneError) as raised:
        parse("rate(1 minute)", zone)
    assert raised.value.message == f"Invalid ScheduleExpressionTimezone {zone}."


def test_kinds_and_attributes() -> None:
    schedule = parse("cron(0 9 * * ? *)", "Asia/Tokyo")
    assert (schedule.kind, schedule.expression, schedule.timezone) == (
        "cron",
        "cron(0 9 * * ? *)",
        "Asia/Tokyo",
    )
    assert parse("rate(5 minutes)").kind == "rate"
    assert parse("at(2030-01-01T00:00:00)").kind == "at"


def test_occurrences_lists_a_window() -> None:
    schedule = parse("cron(0 */6 * * ? *)")
    found = [
        iso(t) for t in schedule.occurrences(at("2024-01-01T00:00:00"), at("2024-01-02T00:00:00"))
    ]
    assert found == [
        "2024-01-01T06:00:00",
        "2024-01-01T12:00:00",
        "2024-01-01T18:00:00",
        "2024-01-02T00:00:00",
    ]


def test_local_instant_marks_skipped_and_repeated_times() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    assert local_instant(datetime(2024, 3, 10, 2, 30), zone) is None
    assert iso(local_instant(datetime(2024, 11, 3, 1, 30), zone)) == "2024-11-03T05:30:00"


def test_next_fire_is_fast_for_sparse_and_dense_schedules() -> None:
    dense = parse("cron(* * ? * * *)", "America/New_York")
    sparse = parse("cron(0 0 29 2 ? 2196)", "Asia/Tokyo")
    never = parse("cron(0 0 31 4 ? *)")
    started = time.perf_counter()
    instant = at("2024-01-01T00:00:00")
    for _ in range(1440):
        found = dense.next_after(instant)
        assert found is not None
        instant = found
    assert iso(sparse.next_after(at("2024-01-01T00:00:00"))) == "2196-02-28T15:00:00"
    assert never.next_after(0) is None
    assert time.perf_counter() - started < 2.0
