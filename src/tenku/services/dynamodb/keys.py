"""DynamoDB key values: their validity rules and an order-preserving byte encoding.

Owns: the empty/size rules for partition and sort key values (with DynamoDB's
messages) and `sort_key_bytes`, which turns an S, N or B value into bytes whose plain
byte-wise order (memcmp, as SQLite compares BLOBs) is DynamoDB's key order.
Must not: know key schemas (whether a value's type matches the table's attribute
definition is the caller's check).
"""

from __future__ import annotations

from typing import Any

from tenku.services.dynamodb.errors import validation
from tenku.services.dynamodb.values import number_parts, type_of, value_size

MAX_PARTITION_KEY_SIZE = 2048  # bytes
MAX_SORT_KEY_SIZE = 1024  # bytes

# Number encoding: a class byte puts negatives < zero < positives.
_NEGATIVE, _ZERO, _POSITIVE = b"\x01", b"\x02", b"\x03"
_EXPONENT_BIAS = 130  # adjusted exponents -130..125 become bytes 0..255
_TERMINATOR = 0xFF  # ends a negative number's digits; above every inverted pair byte


def validate_key_value(av: dict[str, Any], *, partition: bool, name: str = "") -> None:
    """Reject key values DynamoDB refuses: empty S or B, or too large.

    A partition key value may have at most 2048 bytes, a sort key value 1024. `name`
    is the key attribute's name, which DynamoDB quotes in the empty-value message.
    The value must already have passed `values.validate_value`.
    """
    kind = type_of(av)
    payload = av[kind]
    if kind == "S" and payload == "":
        raise validation(
            "One or more parameter values are not valid. The AttributeValue for a key "
            f"attribute cannot contain an empty string value. Key: {name}"
        )
    if kind == "B" and len(payload) == 0:
        raise validation(
            "One or more parameter values are not valid. The AttributeValue for a key "
            f"attribute cannot contain an empty binary value. Key: {name}"
        )
    size = value_size(av)
    if partition and size > MAX_PARTITION_KEY_SIZE:
        # Sic: DynamoDB's message has no space in "of2048".
        raise validation(
            "One or more parameter values were invalid: Size of hashkey has exceeded "
            f"the maximum size limit of{MAX_PARTITION_KEY_SIZE} bytes"
        )
    if not partition and size > MAX_SORT_KEY_SIZE:
        raise validation(
            "One or more parameter values were invalid: Aggregated size of all range keys "
            f"has exceeded the size limit of {MAX_SORT_KEY_SIZE} bytes"
        )


def _number_bytes(text: str) -> bytes:
    """Order-preserving bytes of a number string (assumed valid: in DynamoDB's range).

    Positive: class, biased adjusted exponent, then the significant digits in pairs
    (one byte 0..99 per pair, an odd last digit padded with 0). With trailing zeros
    stripped, a shorter digit string that is a prefix of a longer one is the smaller
    number, which is exactly how bytes compare. Negative: the exponent and pair bytes
    inverted so larger magnitudes sort first, plus a terminator byte above every
    inverted pair so a shorter magnitude (a greater negative number) sorts last.
    """
    negative, digits, exponent = number_parts(text)
    if not digits:
        return _ZERO
    adjusted = exponent + len(digits) - 1
    biased = adjusted + _EXPONENT_BIAS
    if not 0 <= biased <= 255 or len(digits) > 38:
        raise ValueError(f"number out of DynamoDB's range: {text}")
    if len(digits) % 2:
        digits += "0"
    pairs = [int(digits[i : i + 2]) for i in range(0, len(digits), 2)]
    if not negative:
        return _POSITIVE + bytes([biased, *pairs])
    return _NEGATIVE + bytes([255 - biased, *(254 - pair for pair in pairs), _TERMINATOR])


def sort_key_bytes(av: dict[str, Any]) -> bytes:
    """Bytes whose byte-wise order is DynamoDB's order for values of one key type.

    S: UTF-8 (byte order is code point order); B: the raw bytes; N: see
    `_number_bytes`. Encodings of different types are not comparable with each other
    (a key attribute has one type). Other types raise ValueError: they are never keys.
    """
    kind = type_of(av)
    payload = av[kind]
    if kind == "S":
        return bytes(payload.encode("utf-8", "surrogatepass"))
    if kind == "B":
        return bytes(payload)
    if kind == "N":
        return _number_bytes(payload)
    raise ValueError(f"{kind} values cannot be key values")
