"""The conditions a compiled pattern is made of, and the value checks behind them.

`Cond` is one condition on a field's value (its `kind` says how `a`..`d` are read);
the helpers build the conditions whose values need checking or converting: exact
strings (an IP address matches that address in any spelling), cidr ranges (refused
with AWS's words, without a parser position, as AWS reports them) and numeric ranges.
Must not: parse JSON or evaluate events.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, NamedTuple

from tenku.patterns.numbers import NumberError, as_double, comparable

IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")


class Cond(NamedTuple):
    """One condition on a field's value; `kind` says how `a`..`d` are read."""

    kind: str
    a: Any = None
    b: Any = None
    c: Any = None
    d: Any = None


Branch = dict[str, list[Cond]]


class InvalidPattern(Exception):
    """A pattern AWS refuses; `reason` is the text after "Reason: "."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def string_cond(kind: str, value: str) -> Cond:
    return Cond(kind, value.lower() if kind == "eic" else value)


def exact_string(value: str) -> Cond:
    """An exact string; one that reads as an IP address matches that address in any form."""
    address = parse_ip(value)
    if address is not None:
        return Cond("range_ip", address.version, int(address), int(address))
    return Cond("exact_s", value)


def parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not (IPV4.fullmatch(value) or IPV6.fullmatch(value)):
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def cidr_range(text: str) -> tuple[int, int, int]:
    """(low, high, IP version) of a cidr pattern, refusing what AWS refuses (no position)."""
    parts = text.split("/")
    while parts and parts[-1] == "" and len(parts) > 1:  # Java's split drops trailing blanks
        parts.pop()
    if len(parts) != 2:
        raise InvalidPattern("Malformed CIDR, one '/' required")
    try:
        bits = int(parts[1])
    except ValueError:
        raise InvalidPattern("Malformed CIDR, mask bits must be an integer") from None
    if bits < 0:
        raise InvalidPattern("Malformed CIDR, mask bits must not be negative")
    host = parts[0]
    if not (IPV4.fullmatch(host) or IPV6.fullmatch(host)):
        raise InvalidPattern(f"Nonstandard IP address: {host}")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise InvalidPattern(f"Invalid IP address: {host}") from None
    width = address.max_prefixlen
    if bits > width - 1:
        raise InvalidPattern(f"IPv{address.version} mask bits must be < {width}")
    # AWS's range starts at the address as written, not at the network's first address.
    low = int(address)
    return low, low | ((1 << (width - bits)) - 1), address.version


def numeric_range(bottom: str | None, open_bottom: bool, top: str | None, open_top: bool) -> Cond:
    """A numeric range; the bounds are compared as doubles before being converted."""
    low_double = as_double(bottom) if bottom is not None else -5e9
    high_double = as_double(top) if top is not None else 5e9
    if low_double >= high_double:
        raise NumberError("Bottom must be less than top")
    low = comparable(bottom) if bottom is not None else comparable("-5000000000")
    high = comparable(top) if top is not None else comparable("5000000000")
    return Cond("range", low, open_bottom, high, open_top)
