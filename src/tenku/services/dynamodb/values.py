"""DynamoDB attribute values: numbers, validation, canonical form, equality, order and size.

Owns: the wire form of one attribute value (a dict with exactly one of S, N, B, SS, NS,
BS, M, L, NULL, BOOL), DynamoDB's number rules (38 significant digits, magnitude
1E-130 .. 9.99..E+125, canonical plain-notation rendering), structural validation with
DynamoDB's own messages, equality and ordering as conditions use them, and the item
size arithmetic behind the 400 KB limit.
Must not: know tables, key schemas or expressions (key rules live in `keys.py`).

Blobs: the JSON protocol layer decodes base64, so B and BS payloads are `bytes` here
(`bytearray`/`memoryview` are accepted and copied to `bytes`).
"""

from __future__ import annotations

import base64
import decimal
import re
from decimal import Decimal
from typing import Any

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.errors import validation

TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
MAX_ITEM_SIZE = 400 * 1024  # bytes; DynamoDB's item size limit
MAX_DEPTH = 32  # nesting levels of a document, the top-level attribute being level 1

# Exact arithmetic on valid numbers: a sum of 1E+125 and 1E-130 needs 256 digits.
NUMBER_CONTEXT = decimal.Context(
    prec=512, Emax=999_999, Emin=-999_999, rounding=decimal.ROUND_HALF_EVEN, traps=[]
)

_INVALID = "One or more parameter values were invalid: "
EMPTY_VALUE = (
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
)
MANY_TYPES = (
    "Supplied AttributeValue has more than one datatypes set, "
    "must contain exactly one of the supported datatypes"
)
NESTING = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)
NOT_A_NUMBER = "The parameter cannot be converted to a numeric value"
OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)
TOO_PRECISE = "Attempting to store more than 38 significant digits in a Number"

# Java BigDecimal's grammar (what DynamoDB accepts): optional sign, digits with an
# optional point (either side may be empty, not both), optional signed exponent.
# ASCII digits only: Python's \d would also accept other scripts' digits.
_NUMBER = re.compile(r"([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?")
_INT32 = 2**31 - 1


# -- numbers -----------------------------------------------------------------------


def number_parts(text: str) -> tuple[bool, str, int]:
    """(negative, digits, exponent) with value = ±int(digits) * 10**exponent.

    `digits` carries no leading or trailing zeros; zero is (False, "", 0). No range
    checks here, only syntax.
    """
    if not isinstance(text, str) or not text:
        raise validation(NOT_A_NUMBER)
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise validation(f"{NOT_A_NUMBER}: {text}")
    sign, whole, frac, only_frac, exp_text = match.groups()
    if only_frac is not None:
        whole, frac = "", only_frac
    frac = frac or ""
    exponent = 0
    if exp_text:
        # Java parses the exponent into an int; beyond that the text is not a number
        # (and Python refuses int() of very long digit strings anyway).
        if len(exp_text.lstrip("+-").lstrip("0")) > 10:
            raise validation(f"{NOT_A_NUMBER}: {text}")
        exponent = int(exp_text)
        if abs(exponent) > _INT32:
            raise validation(f"{NOT_A_NUMBER}: {text}")
    digits = (whole + frac).lstrip("0")
    if not digits:
        return False, "", 0
    stripped = digits.rstrip("0")
    return sign == "-", stripped, exponent - len(frac) + (len(digits) - len(stripped))


def _check_range(digits: str, exponent: int) -> None:
    if not digits:
        return  # zero is always representable
    adjusted = exponent + len(digits) - 1  # power of ten of the leading digit
    if adjusted > 125:
        raise validation(OVERFLOW)
    if adjusted < -130:
        raise validation(UNDERFLOW)
    if len(digits) > 38:
        raise validation(TOO_PRECISE)


def _render(negative: bool, digits: str, exponent: int) -> str:
    """Plain notation, as DynamoDB returns numbers (never an exponent)."""
    if not digits:
        return "0"
    if exponent >= 0:
        text = digits + "0" * exponent
    else:
        point = len(digits) + exponent  # digits left of the decimal point
        text = digits[:point] + "." + digits[point:] if point > 0 else "0." + "0" * -point + digits
    return "-" + text if negative else text


def normalize_number(text: str) -> str:
    """Validate a DynamoDB number string and return its canonical form.

    The canonical form is what DynamoDB stores and returns: plain notation without
    leading or trailing zeros ("1.50" -> "1.5", "1e2" -> "100", "-0" -> "0",
    "1E-3" -> "0.001"). Raises DynamoDB's ValidationException for text that is not a
    number, more than 38 significant digits, or a magnitude outside 1E-130 .. <1E+126.
    """
    negative, digits, exponent = number_parts(text)
    _check_range(digits, exponent)
    return _render(negative, digits, exponent)


def number(av_text: str) -> Decimal:
    """The exact `Decimal` value of a number string (validated as `normalize_number`).

    Do arithmetic under `NUMBER_CONTEXT` so that sums of valid numbers stay exact, then
    turn results back into wire text with `decimal_to_number`.
    """
    return Decimal(normalize_number(av_text))


def decimal_to_number(value: Decimal) -> str:
    """Canonical wire text of a computed `Decimal`, with the same range checks as input.

    Why: UpdateExpression arithmetic (SET a = a + :v, ADD) must fail with DynamoDB's
    overflow/underflow/precision messages rather than store an out-of-range number.
    """
    if not value.is_finite():
        raise validation(f"{NOT_A_NUMBER}: {value}")
    sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite Decimals have an int exponent
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return "0"
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    _check_range(stripped, exponent)
    return _render(sign == 1, stripped, exponent)


def _number_size(text: str) -> int:
    """Stored bytes of a number: base-100 digit pairs aligned on the decimal point.

    DynamoDB documents "1 byte per two significant digits + 1"; measured sizes match
    a base-100 encoding (pairs aligned on the point) plus one byte, and one more byte
    for negative numbers.
    """
    negative, digits, exponent = number_parts(text)
    if not digits:
        return 1
    first = exponent + len(digits) - 1  # power of ten of the leading digit
    pairs = first // 2 - exponent // 2 + 1
    return 1 + pairs + (1 if negative else 0)


# -- validation and canonical form ---------------------------------------------------


def _bad_payload(kind: str) -> ServiceError:
    # The protocol layer rejects wrongly typed members before we see them; this only
    # guards values built elsewhere in Tenku.
    return validation(f"{_INVALID}Invalid payload for AttributeValue type {kind}")


def _blob(payload: Any, kind: str) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, bytearray | memoryview):
        return bytes(payload)
    raise _bad_payload(kind)


def _members(payload: Any, kind: str) -> list[Any]:
    if not isinstance(payload, list):
        raise _bad_payload(kind)
    return payload


def _string_set(payload: Any, depth: int) -> list[str]:
    members = _members(payload, "SS")
    if not members:
        raise validation(f"{_INVALID}An string set  may not be empty")
    for member in members:
        if not isinstance(member, str):
            raise _bad_payload("SS")
    if len(set(members)) != len(members):
        raise validation(f"{_INVALID}Input collection [{', '.join(members)}] contains duplicates.")
    return list(members)


def _number_set(payload: Any, depth: int) -> list[str]:
    members = _members(payload, "NS")
    if not members:
        raise validation(f"{_INVALID}An number set  may not be empty")
    canonical = [normalize_number(member) for member in members]
    # Duplicates are numeric: "1" and "1.0" are the same member.
    if len(set(canonical)) != len(canonical):
        raise validation("Input collection contains duplicates")
    return canonical


def _binary_set(payload: Any, depth: int) -> list[bytes]:
    members = _members(payload, "BS")
    if not members:
        raise validation(f"{_INVALID}Binary sets should not be empty")
    blobs = [_blob(member, "BS") for member in members]
    if len(set(blobs)) != len(blobs):
        shown = ", ".join(base64.b64encode(blob).decode("ascii") for blob in blobs)
        # Sic: DynamoDB's message has no space before "of type".
        raise validation(f"{_INVALID}Input collection [{shown}]of type BS contains duplicates.")
    return blobs


def _map(payload: Any, depth: int) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise _bad_payload("M")
    if payload and depth >= MAX_DEPTH:
        raise validation(NESTING)
    out: dict[str, Any] = {}
    for name, child in payload.items():
        if not isinstance(name, str):
            raise _bad_payload("M")
        out[name] = _canonical(child, depth + 1)
    return out


def _list(payload: Any, depth: int) -> list[Any]:
    members = _members(payload, "L")
    if members and depth >= MAX_DEPTH:
        raise validation(NESTING)
    return [_canonical(child, depth + 1) for child in members]


def _string(payload: Any, depth: int) -> str:
    if not isinstance(payload, str):
        raise _bad_payload("S")
    return payload  # empty strings are fine outside keys (keys.py checks those)


def _num(payload: Any, depth: int) -> str:
    return normalize_number(payload)


def _binary(payload: Any, depth: int) -> bytes:
    return _blob(payload, "B")


def _null(payload: Any, depth: int) -> bool:
    if payload is not True:
        raise validation(f"{_INVALID}Null attribute value types must have the value of true")
    return True


def _bool(payload: Any, depth: int) -> bool:
    if not isinstance(payload, bool):
        raise _bad_payload("BOOL")
    return payload


_CHECKS: dict[str, Any] = {
    "S": _string,
    "N": _num,
    "B": _binary,
    "SS": _string_set,
    "NS": _number_set,
    "BS": _binary_set,
    "M": _map,
    "L": _list,
    "NULL": _null,
    "BOOL": _bool,
}


def _canonical(av: Any, depth: int) -> dict[str, Any]:
    if not isinstance(av, dict):
        raise validation(EMPTY_VALUE)
    # Unknown members and JSON nulls are absent, as the protocol layer treats them.
    present = [(kind, value) for kind, value in av.items() if kind in TYPES and value is not None]
    if not present:
        raise validation(EMPTY_VALUE)
    out: dict[str, Any] = {}
    # DynamoDB reports a bad payload before it notices a second datatype.
    for kind, payload in present:
        out[kind] = _CHECKS[kind](payload, depth)
    if len(out) > 1:
        raise validation(MANY_TYPES)
    return out


def _in_context(path: str, exc: ServiceError) -> ServiceError:
    if path.startswith(":"):
        return validation(
            f"ExpressionAttributeValues contains invalid value: {exc.message} for key {path}"
        )
    return exc


def normalize_value(av: Any, *, path: str = "") -> dict[str, Any]:
    """A validated canonical copy of `av`: numbers (also in NS) in canonical text, blobs
    as `bytes`, unknown/null members dropped; set order is kept.

    Raises like `validate_value`.
    """
    try:
        return _canonical(av, 1)
    except ServiceError as exc:
        wrapped = _in_context(path, exc)
        if wrapped is exc:
            raise
        raise wrapped from None


def validate_value(av: Any, *, path: str = "") -> None:
    """Check one attribute value structurally, with DynamoDB's messages.

    Exactly one datatype; payload types; sets non-empty and without duplicates (NS
    compared numerically); NULL must be true; M and L recursively, at most 32 levels.
    Empty S and B are allowed (key attributes are checked by `keys.validate_key_value`).

    `path` names where the value came from. A placeholder (":v") wraps the message the
    way DynamoDB reports ExpressionAttributeValues ("ExpressionAttributeValues contains
    invalid value: ... for key :v"); any other path leaves it unchanged, as for items.
    """
    normalize_value(av, path=path)


# -- inspection, equality and order ---------------------------------------------------


def type_of(av: dict[str, Any]) -> str:
    """The datatype key of a value ("S", "N", ..., "BOOL")."""
    for kind, payload in av.items():
        if kind in TYPES and payload is not None:
            return kind
    raise validation(EMPTY_VALUE)


def _payload(av: dict[str, Any]) -> tuple[str, Any]:
    kind = type_of(av)
    return kind, av[kind]


def equals(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """DynamoDB equality: same datatype and value; N numerically, sets unordered,
    M and L deeply."""
    kind, left = _payload(a)
    other, right = _payload(b)
    if kind != other:
        return False
    if kind == "N":
        return bool(left == right or number(left) == number(right))
    if kind == "NS":
        return {number(x) for x in left} == {number(x) for x in right}
    if kind == "SS":
        return set(left) == set(right)
    if kind == "BS":
        return {bytes(x) for x in left} == {bytes(x) for x in right}
    if kind == "M":
        return left.keys() == right.keys() and all(equals(left[k], right[k]) for k in left)
    if kind == "L":
        return len(left) == len(right) and all(map(equals, left, right))
    if kind == "B":
        return bytes(left) == bytes(right)
    return bool(left == right)  # S, BOOL, NULL


def compare(a: dict[str, Any], b: dict[str, Any]) -> int | None:
    """Order for <, <=, >, >= and BETWEEN: -1, 0 or 1, or None when not comparable.

    Only two values of the same scalar type S, N or B compare: S by UTF-8 bytes (the
    same order as code points), N numerically, B as unsigned bytes.
    """
    kind, left = _payload(a)
    other, right = _payload(b)
    if kind != other:
        return None
    if kind == "N":
        x, y = number(left), number(right)
        return (x > y) - (x < y)
    if kind == "S":
        ls, rs = str(left), str(right)
        return (ls > rs) - (ls < rs)
    if kind == "B":
        lb, rb = bytes(left), bytes(right)
        return (lb > rb) - (lb < rb)
    return None


# -- sizes ------------------------------------------------------------------------------


def _utf8_len(text: str) -> int:
    # surrogatepass: a lone surrogate from JSON must not crash the size arithmetic.
    return len(text.encode("utf-8", "surrogatepass"))


def value_size(av: dict[str, Any]) -> int:
    """Bytes a value counts for DynamoDB's item size (attribute name not included).

    S: UTF-8 length; B: raw length; N: see `_number_size`; BOOL, NULL: 1; sets: the
    sum of their members; M and L: 3 bytes plus, per element, 1 byte and its size
    (and for M the UTF-8 length of its key).
    """
    kind, payload = _payload(av)
    if kind == "S":
        return _utf8_len(payload)
    if kind == "N":
        return _number_size(payload)
    if kind == "B":
        return len(payload)
    if kind == "SS":
        return sum(_utf8_len(member) for member in payload)
    if kind == "NS":
        return sum(_number_size(member) for member in payload)
    if kind == "BS":
        return sum(len(member) for member in payload)
    if kind == "M":
        return 3 + sum(1 + _utf8_len(k) + value_size(v) for k, v in payload.items())
    if kind == "L":
        return 3 + sum(1 + value_size(child) for child in payload)
    return 1  # BOOL, NULL


def item_size(item: dict[str, dict[str, Any]]) -> int:
    """An item's size for the 400 KB limit: per attribute, name length + value size."""
    return sum(_utf8_len(name) + value_size(av) for name, av in item.items())
