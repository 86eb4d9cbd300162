"""How EventBridge compares numbers in patterns: fixed point, six decimals, +-5e9.

A number in a numeric pattern (and any number compared against one) is turned into an
integer count of millionths. Values outside -5,000,000,000..5,000,000,000 or with more
than six decimals are refused with the same words AWS uses; an event value that cannot
be converted simply never matches a numeric condition.
Must not: parse JSON or know about operators.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FIVE_BILLION = 5_000_000_000
SCALE = 1_000_000
LIMIT = FIVE_BILLION * SCALE
# The bounds are Java doubles in AWS's message, hence "5.0E9".
RANGE_MESSAGE = "Value must be between -5.0E9 and 5.0E9, inclusive"


class NumberError(ValueError):
    """A number AWS refuses in a pattern; str() is AWS's message."""


def comparable(text: str) -> int:
    """`text` (a JSON number) as millionths; NumberError when AWS would refuse it."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise NumberError(f"Invalid number: {text}") from None
    if not number.is_finite():
        raise NumberError(f"Invalid number: {text}")
    stripped = number.normalize()
    exponent = stripped.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > 6:
        rounded = float(stripped.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))
        raise NumberError(
            f"Only values upto 6 decimals are supported{_java_decimal(stripped)} {text}"
            f" {_java_hex(rounded)}"
        )
    scaled = int(stripped * SCALE)
    if scaled < -LIMIT or scaled > LIMIT:
        raise NumberError(RANGE_MESSAGE)
    return scaled


def comparable_or_none(text: str) -> int | None:
    try:
        return comparable(text)
    except NumberError:
        return None


def as_double(text: str) -> float:
    """The value as a double, as the range bounds are first compared."""
    return float(text)


def _java_decimal(number: Decimal) -> str:
    # Java's BigDecimal.toString and Python's Decimal.__str__ follow the same
    # "to-scientific-string" rules, so they agree digit for digit.
    return str(number)


def _java_hex(value: float) -> str:
    """Java's Double.toHexString: no padding zeros, exponent without '+'."""
    if value == 0:
        return "-0x0.0p0" if math.copysign(1, value) < 0 else "0x0.0p0"
    text = value.hex()  # e.g. '0x1.8000000000000p+3'
    sign = "-" if text.startswith("-") else ""
    mantissa, exponent = text.lstrip("-")[2:].split("p")
    whole, _, fraction = mantissa.partition(".")
    fraction = fraction.rstrip("0") or "0"
    return f"{sign}0x{whole}.{fraction}p{int(exponent)}"
