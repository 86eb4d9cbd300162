"""Timestamp conversions between the wire formats and Tenku's float epoch seconds.

Owns: parsing ISO 8601, RFC 822 and epoch-number timestamps to float epoch seconds,
and formatting float seconds (or datetimes) back as the protocol asks.
Must not: know about shapes or protocols beyond the three named formats.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

# Fixed English names: strftime's %a/%b follow the process locale, HTTP dates must not.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_ISO_RE = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?\s*"
    r"(?:([Zz])|([+-])(\d\d):?(\d\d))?$"
)


def to_epoch(value: float | int | datetime) -> float:
    """Float epoch seconds from what a service may put in a result."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    return float(value)


def parse_timestamp(text: str) -> float:
    """Float epoch seconds from ISO 8601, RFC 822 or an epoch number; ValueError if none."""
    text = text.strip()
    if not text:
        raise ValueError("empty timestamp")
    if text[0].isdigit() and "-" not in text and ":" not in text:
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return value
    match = _ISO_RE.match(text)
    if match:
        year, month, day, hour, minute, second, frac, _z, sign, off_h, off_m = match.groups()
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
        epoch = moment.timestamp() + (float("0." + frac) if frac else 0.0)
        if sign:
            offset = int(off_h) * 3600 + int(off_m) * 60
            epoch += -offset if sign == "+" else offset
        return epoch
    from email.utils import parsedate_to_datetime  # rare path; email.utils imports slowly

    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"unrecognised timestamp {text!r}") from exc
    return to_epoch(parsed)


def format_iso8601(value: float | int | datetime) -> str:
    """`2026-01-01T00:00:00.000Z`: the form query and rest-xml answers use."""
    epoch = to_epoch(value)
    millis = round(epoch * 1000)
    moment = datetime.fromtimestamp(millis // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}Z"


def format_rfc822(value: float | int | datetime) -> str:
    """`Thu, 01 Jan 2026 00:00:00 GMT`: the form HTTP headers use."""
    t = time.gmtime(int(to_epoch(value)))
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


def format_epoch(value: float | int | datetime) -> float | int:
    """Epoch seconds for JSON bodies, whole seconds as ints, else millisecond precision."""
    epoch = to_epoch(value)
    if epoch == int(epoch):
        return int(epoch)
    return round(epoch, 3)


def format_timestamp(value: float | int | datetime, fmt: str) -> str | float | int:
    """Format by a model `timestampFormat` ("iso8601", "rfc822", "unixTimestamp")."""
    if fmt == "iso8601":
        return format_iso8601(value)
    if fmt == "rfc822":
        return format_rfc822(value)
    return format_epoch(value)
