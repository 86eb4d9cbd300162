"""DynamoDB attribute values: numbers, validation, canonical form, equality, order, size."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.dynamodb import values
from tenku.services.dynamodb.values import (
    NUMBER_CONTEXT,
    compare,
    decimal_to_number,
    equals,
    item_size,
    normalize_number,
    normalize_value,
    number,
    type_of,
    validate_value,
    value_size,
)

INVALID = "One or more parameter values were invalid: "
OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)
PRECISION = "Attempting to store more than 38 significant digits in a Number"
EMPTY = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
MANY = (
    "Supplied AttributeValue has more than one datatypes set, "
    "must contain exactly one of the supported datatypes"
)
NESTING = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)


def message_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ServiceError) as excinfo:
        call(*args, **kwargs)
    assert excinfo.value.code == "ValidationException"
    assert excinfo.value.status == 400
    return excinfo.value.message


# -- numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("0", "0"),
        ("-0", "0"),
        ("0.0", "0"),
        ("+0e10", "0"),
        ("0e999999", "0"),
        ("000", "0"),
        ("1", "1"),
        ("+5", "5"),
        ("00042", "42"),
        ("1.50", "1.5"),
        ("1.0", "1"),
        ("-1.0", "-1"),
        ("1e2", "100"),
        ("1E+2", "100"),
        ("1.5E2", "150"),
        ("-1.23e-5", "-0.0000123"),
        ("1e-3", "0.001"),
        (".5", "0.5"),
        ("5.", "5"),
        ("5.e1", "50"),
        ("0.000100", "0.0001"),
        ("123.456", "123.456"),
        ("-123456789012345678901234567890.12345678", "-123456789012345678901234567890.12345678"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
        ("1000000000000000000000000000000000000000000", "1" + "0" * 42),
        ("1.00000000000000007629769841092E+50", "100000000000000007629769841092" + "0" * 21),
        ("1E-130", "0." + "0" * 129 + "1"),
        ("-1E-130", "-0." + "0" * 129 + "1"),
        ("9.9999999999999999999999999999999999999E+125", "9" * 38 + "0" * 88),
        ("-9.9999999999999999999999999999999999999E+125", "-" + "9" * 38 + "0" * 88),
        ("10E125", None),  # 1E+126: overflow, checked below
    ],
)
def test_normalize_number(text: str, canonical: str | None) -> None:
    if canonical is None:
        assert message_of(normalize_number, text) == OVERFLOW
        return
    assert normalize_number(text) == canonical
    assert normalize_number(canonical) == canonical  # canonical form is a fixed point
    assert Decimal(canonical) == Decimal(text)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "The parameter cannot be converted to a numeric value"),
        ("b", "The parameter cannot be converted to a numeric value: b"),
        (" 5", "The parameter cannot be converted to a numeric value:  5"),
        ("5 ", "The parameter cannot be converted to a numeric value: 5 "),
        ("1e", "The parameter cannot be converted to a numeric value: 1e"),
        ("e5", "The parameter cannot be converted to a numeric value: e5"),
        (".", "The parameter cannot be converted to a numeric value: ."),
        ("-", "The parameter cannot be converted to a numeric value: -"),
        ("+-1", "The parameter cannot be converted to a numeric value: +-1"),
        ("1.2.3", "The parameter cannot be converted to a numeric value: 1.2.3"),
        ("1+2", "The parameter cannot be converted to a numeric value: 1+2"),
        ("NaN", "The parameter cannot be converted to a numeric value: NaN"),
        ("Infinity", "The parameter cannot be converted to a numeric value: Infinity"),
        ("-inf", "The parameter cannot be converted to a numeric value: -inf"),
        ("1_000", "The parameter cannot be converted to a numeric value: 1_000"),
        ("0x10", "The parameter cannot be converted to a numeric value: 0x10"),
        ("\u0661", "The parameter cannot be converted to a numeric value: \u0661"),
        ("1e99999999999", "The parameter cannot be converted to a numeric value: 1e99999999999"),
        ("1e2147483648", "The parameter cannot be converted to a numeric value: 1e2147483648"),
        ("1e126", OVERFLOW),
        ("-1e126", OVERFLOW),
        ("1e2147483647", OVERFLOW),
        ("99999999999999999999999999999999999999e89", OVERFLOW),
        ("99999999999999999999999999999999999999.5e88", PRECISION),
        ("1e-131", UNDERFLOW),
        ("-1e-131", UNDERFLOW),
        ("0.9e-130", UNDERFLOW),
        ("123456789012345678901234567890123456789", PRECISION),
        ("-1.23456789012345678901234567890123456789", PRECISION),
        ("1.00000000000000000000000000000000000001", PRECISION),
    ],
)
def test_normalize_number_errors(text: str, message: str) -> None:
    assert message_of(normalize_number, text) == message


def test_non_string_number_is_not_a_number() -> None:
    assert message_of(normalize_number, 5) == "The parameter cannot be converted to a numeric value"


def test_number_is_exact() -> None:
    assert number("0.1") + number("0.2") == Decimal("0.3")
    big = number("9.9999999999999999999999999999999999999E+125")
    assert big == Decimal("9" * 38 + "e88")
    assert number("1e-130") == Decimal("1E-130")
    assert number("-0") == 0
    assert message_of(number, "x") == "The parameter cannot be converted to a numeric value: x"


def test_decimal_to_number() -> None:
    total = NUMBER_CONTEXT.add(number("1e125"), number("1e-10"))
    assert message_of(decimal_to_number, total) == PRECISION
    assert decimal_to_number(NUMBER_CONTEXT.add(number("0.1"), number("0.2"))) == "0.3"
    assert decimal_to_number(Decimal("-0.000")) == "0"
    assert decimal_to_number(Decimal("1.500E+3")) == "1500"
    big = NUMBER_CONTEXT.add(
        number("9.9999999999999999999999999999999999999E+125"), number("1E+125")
    )
    assert message_of(decimal_to_number, big) == OVERFLOW
    tiny = NUMBER_CONTEXT.multiply(number("1e-100"), number("1e-100"))
    assert message_of(decimal_to_number, tiny) == UNDERFLOW
    assert "numeric value" in message_of(decimal_to_number, Decimal("NaN"))


def test_random_numbers_round_trip() -> None:
    rng = random.Random(1234)
    for _ in range(2000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 38)))
        exponent = rng.randint(-150, 130)
        text = f"{rng.choice(['', '-', '+'])}{digits}e{exponent}"
        value = Decimal(text)
        try:
            canonical = normalize_number(text)
        except ServiceError as exc:
            adjusted = value.adjusted()
            assert value != 0
            assert (adjusted > 125 and exc.message == OVERFLOW) or (
                adjusted < -130 and exc.message == UNDERFLOW
            )
            continue
        assert Decimal(canonical) == value
        assert "e" not in canonical.lower()
        assert canonical == "0" or not canonical.lstrip("-").startswith("00")
        if "." in canonical:
            assert not canonical.endswith("0")


# -- validation -----------------------------------------------------------------------


GOOD_VALUES: list[dict[str, Any]] = [
    {"S": "a"},
    {"S": ""},
    {"N": "1"},
    {"B": b"\x00\xff"},
    {"B": b""},
    {"SS": ["a", "b", ""]},
    {"NS": ["1", "2"]},
    {"BS": [b"a", b""]},
    {"M": {}},
    {"M": {"a": {"S": ""}, "": {"NULL": True}}},
    {"L": []},
    {"L": [{"S": "a"}, {"L": [{"BOOL": False}]}]},
    {"NULL": True},
    {"BOOL": True},
    {"BOOL": False},
]


@pytest.mark.parametrize("av", GOOD_VALUES)
def test_valid_values(av: dict[str, Any]) -> None:
    validate_value(av)
    assert normalize_value(av) == av


@pytest.mark.parametrize(
    "av, message",
    [
        ({}, EMPTY),
        ({"a": ""}, EMPTY),
        ({"S": None}, EMPTY),
        ({"M": {"a": {}}}, EMPTY),
        ({"L": [{}]}, EMPTY),
        ({"L": [{"a": {}}]}, EMPTY),
        ("not a dict", EMPTY),
        ({"S": "a", "N": "1"}, MANY),
        ({"S": "a", "BOOL": True}, MANY),
        ({"NULL": False}, INVALID + "Null attribute value types must have the value of true"),
        ({"NULL": "no"}, INVALID + "Null attribute value types must have the value of true"),
        ({"SS": []}, INVALID + "An string set  may not be empty"),
        ({"NS": []}, INVALID + "An number set  may not be empty"),
        ({"BS": []}, INVALID + "Binary sets should not be empty"),
        ({"SS": ["a", "a"]}, INVALID + "Input collection [a, a] contains duplicates."),
        ({"SS": ["a", "b", "a"]}, INVALID + "Input collection [a, b, a] contains duplicates."),
        (
            {"BS": [b"b", b"b"]},
            INVALID + "Input collection [Yg==, Yg==]of type BS contains duplicates.",
        ),
        ({"NS": ["1", "1"]}, "Input collection contains duplicates"),
        ({"NS": ["1", "1.0"]}, "Input collection contains duplicates"),
        ({"NS": ["1", ""]}, "The parameter cannot be converted to a numeric value"),
        ({"NS": ["1", "b"]}, "The parameter cannot be converted to a numeric value: b"),
        ({"N": ""}, "The parameter cannot be converted to a numeric value"),
        ({"S": "a", "N": "b"}, "The parameter cannot be converted to a numeric value: b"),
        ({"S": "", "N": ""}, "The parameter cannot be converted to a numeric value"),
        ({"N": "1e126"}, OVERFLOW),
        ({"N": "-1e-131"}, UNDERFLOW),
        ({"N": "1" * 39}, PRECISION),
        ({"M": {"x": {"N": "1e126"}}}, OVERFLOW),
        ({"L": [{"S": "a"}, {"SS": []}]}, INVALID + "An string set  may not be empty"),
    ],
)
def test_invalid_values(av: Any, message: str) -> None:
    assert message_of(validate_value, av) == message
    assert message_of(normalize_value, av) == message


@pytest.mark.parametrize(
    "av",
    [
        {"S": 5},
        {"S": b"x"},
        {"B": "YQ=="},
        {"B": 1},
        {"SS": "a"},
        {"SS": ["a", 1]},
        {"BS": ["YQ=="]},
        {"NS": "1"},
        {"M": []},
        {"M": {1: {"S": "a"}}},
        {"L": {}},
        {"BOOL": "true"},
        {"BOOL": 1},
    ],
)
def test_wrongly_typed_payloads_are_rejected(av: Any) -> None:
    message_of(validate_value, av)


def test_expression_value_context() -> None:
    message = message_of(validate_value, {"SS": []}, path=":b")
    assert message == (
        "ExpressionAttributeValues contains invalid value: "
        "One or more parameter values were invalid: An string set  may not be empty for key :b"
    )
    assert message_of(validate_value, {}, path=":v") == (
        f"ExpressionAttributeValues contains invalid value: {EMPTY} for key :v"
    )
    assert message_of(normalize_value, {"N": "x"}, path=":n").endswith("x for key :n")
    # An attribute name does not change the message: DynamoDB does not quote it.
    assert message_of(validate_value, {"SS": []}, path="attr") == (
        INVALID + "An string set  may not be empty"
    )


def _nest(levels: int, leaf: dict[str, Any], kind: str = "M") -> dict[str, Any]:
    value = leaf
    for _ in range(levels):
        value = {"M": {"k": value}} if kind == "M" else {"L": [value]}
    return value


@pytest.mark.parametrize("kind", ["M", "L"])
def test_nesting_limit(kind: str) -> None:
    validate_value(_nest(31, {"S": "deep"}, kind))
    assert message_of(validate_value, _nest(32, {"S": "deep"}, kind)) == NESTING
    validate_value(_nest(31, {"M": {}}, kind))  # an empty document adds no level below it


def test_normalize_value_canonicalizes() -> None:
    av = {
        "M": {
            "n": {"N": "1.50"},
            "ns": {"NS": ["1e2", "-0", "0.5"]},
            "b": {"B": bytearray(b"ab")},
            "bs": {"BS": [memoryview(b"x"), b"y"]},
            "l": {"L": [{"N": "007"}, {"S": "s", "N": None}]},
            "x": {"BOOL": True, "unknown": 1},
        }
    }
    out = normalize_value(av)
    assert out == {
        "M": {
            "n": {"N": "1.5"},
            "ns": {"NS": ["100", "0", "0.5"]},
            "b": {"B": b"ab"},
            "bs": {"BS": [b"x", b"y"]},
            "l": {"L": [{"N": "7"}, {"S": "s"}]},
            "x": {"BOOL": True},
        }
    }
    assert type(out["M"]["b"]["B"]) is bytes
    assert av["M"]["n"] == {"N": "1.50"}  # the input is untouched


# -- type, equality, order --------------------------------------------------------------


def test_type_of() -> None:
    for av in GOOD_VALUES:
        assert type_of(av) == next(iter(av))
    assert type_of({"junk": 1, "N": "1"}) == "N"
    assert message_of(type_of, {}) == EMPTY


@pytest.mark.parametrize(
    "a, b, same",
    [
        ({"S": "a"}, {"S": "a"}, True),
        ({"S": "a"}, {"S": "A"}, False),
        ({"S": "1"}, {"N": "1"}, False),
        ({"N": "1"}, {"N": "1.0"}, True),
        ({"N": "100"}, {"N": "1e2"}, True),
        ({"N": "-0"}, {"N": "0"}, True),
        ({"N": "1"}, {"N": "2"}, False),
        ({"B": b"a"}, {"B": bytearray(b"a")}, True),
        ({"B": b"a"}, {"S": "a"}, False),
        ({"BOOL": True}, {"BOOL": True}, True),
        ({"BOOL": True}, {"BOOL": False}, False),
        ({"NULL": True}, {"NULL": True}, True),
        ({"BOOL": True}, {"NULL": True}, False),
        ({"SS": ["a", "b"]}, {"SS": ["b", "a"]}, True),
        ({"SS": ["a", "b"]}, {"SS": ["a"]}, False),
        ({"SS": ["a"]}, {"L": [{"S": "a"}]}, False),
        ({"NS": ["1", "2.50"]}, {"NS": ["2.5", "1.0"]}, True),
        ({"NS": ["1", "2"]}, {"NS": ["1", "3"]}, False),
        ({"BS": [b"a", b"b"]}, {"BS": [b"b", b"a"]}, True),
        ({"BS": [b"a"]}, {"BS": [b"b"]}, False),
        (
            {"M": {"a": {"N": "1"}, "b": {"S": "x"}}},
            {"M": {"b": {"S": "x"}, "a": {"N": "1.0"}}},
            True,
        ),
        ({"M": {"a": {"N": "1"}}}, {"M": {"a": {"N": "1"}, "b": {"N": "1"}}}, False),
        ({"M": {"a": {"N": "1"}}}, {"M": {"b": {"N": "1"}}}, False),
        ({"M": {}}, {"M": {}}, True),
        ({"M": {}}, {"L": []}, False),
        ({"L": [{"N": "1"}, {"S": "a"}]}, {"L": [{"N": "1.0"}, {"S": "a"}]}, True),
        ({"L": [{"N": "1"}, {"S": "a"}]}, {"L": [{"S": "a"}, {"N": "1"}]}, False),
        ({"L": [{"N": "1"}]}, {"L": [{"N": "1"}, {"N": "1"}]}, False),
        (
            {"L": [{"M": {"x": {"SS": ["a", "b"]}}}]},
            {"L": [{"M": {"x": {"SS": ["b", "a"]}}}]},
            True,
        ),
    ],
)
def test_equals(a: dict[str, Any], b: dict[str, Any], same: bool) -> None:
    assert equals(a, b) is same
    assert equals(b, a) is same


@pytest.mark.parametrize(
    "a, b, order",
    [
        ({"S": "a"}, {"S": "b"}, -1),
        ({"S": "b"}, {"S": "a"}, 1),
        ({"S": "a"}, {"S": "a"}, 0),
        ({"S": "a"}, {"S": "ab"}, -1),
        ({"S": "Z"}, {"S": "a"}, -1),
        ({"S": ""}, {"S": "a"}, -1),
        # UTF-8 byte order, which is code point order (not UTF-16 order):
        ({"S": "\uffff"}, {"S": "\U0001f600"}, -1),
        ({"S": "\u00e9"}, {"S": "z"}, 1),
        ({"N": "2"}, {"N": "10"}, -1),
        ({"N": "-10"}, {"N": "-2"}, -1),
        ({"N": "1.0"}, {"N": "1"}, 0),
        ({"N": "1e-130"}, {"N": "0"}, 1),
        ({"N": "-1e125"}, {"N": "1e-130"}, -1),
        ({"B": b"\x00"}, {"B": b"\xff"}, -1),
        ({"B": b"\x7f"}, {"B": b"\x80"}, -1),  # unsigned
        ({"B": b"a"}, {"B": b"a\x00"}, -1),
        ({"B": b"ab"}, {"B": bytearray(b"ab")}, 0),
        ({"S": "1"}, {"N": "1"}, None),
        ({"B": b"a"}, {"S": "a"}, None),
        ({"BOOL": False}, {"BOOL": True}, None),
        ({"NULL": True}, {"NULL": True}, None),
        ({"SS": ["a"]}, {"SS": ["b"]}, None),
        ({"NS": ["1"]}, {"NS": ["2"]}, None),
        ({"L": []}, {"L": []}, None),
        ({"M": {}}, {"M": {}}, None),
    ],
)
def test_compare(a: dict[str, Any], b: dict[str, Any], order: int | None) -> None:
    assert compare(a, b) == order
    assert compare(b, a) == (None if order is None else -order)


# -- sizes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "av, size",
    [
        ({"S": ""}, 0),
        ({"S": "abc"}, 3),
        ({"S": "\u00e9"}, 2),
        ({"S": "\U0001f600"}, 4),
        ({"B": b""}, 0),
        ({"B": b"\x00\x01\x02"}, 3),
        ({"BOOL": True}, 1),
        ({"NULL": True}, 1),
        ({"N": "0"}, 1),
        ({"N": "1"}, 2),
        ({"N": "12"}, 2),
        ({"N": "123"}, 3),
        ({"N": "1.2"}, 3),  # 01.20: two base-100 digits
        ({"N": "12.3"}, 3),
        ({"N": "1.23"}, 3),
        ({"N": "1.234"}, 4),
        ({"N": "100"}, 2),
        ({"N": "-1"}, 3),  # negative numbers take one more byte
        ({"N": "12345678901234567890123456789012345678"}, 20),
        ({"N": "1.2345678901234567890123456789012345678"}, 21),
        ({"SS": ["a", "bc", ""]}, 3),
        ({"NS": ["1", "-1"]}, 5),
        ({"BS": [b"a", b"bc"]}, 3),
        ({"L": []}, 3),
        ({"M": {}}, 3),
        ({"L": [{"S": "ab"}, {"N": "1"}]}, 3 + (1 + 2) + (1 + 2)),
        ({"M": {"ab": {"S": "xyz"}, "c": {"BOOL": True}}}, 3 + (1 + 2 + 3) + (1 + 1 + 1)),
        ({"M": {"l": {"L": [{"NULL": True}]}}}, 3 + 1 + 1 + (3 + 1 + 1)),
    ],
)
def test_value_size(av: dict[str, Any], size: int) -> None:
    assert value_size(av) == size


def test_number_size_matches_pair_formula() -> None:
    """The measured rule: 1 + ceil(n/2), one more for an even count starting on an even
    power of ten, one more for negatives (zero: 1)."""
    rng = random.Random(99)
    for _ in range(2000):
        digits = str(rng.randint(1, 9)) + "".join(
            rng.choice("0123456789") for _ in range(rng.randint(0, 37))
        )
        exponent = rng.randint(-120, 80)
        negative = rng.random() < 0.5
        text = normalize_number(f"{'-' if negative else ''}{digits}e{exponent}")
        d = Decimal(text).normalize(NUMBER_CONTEXT)  # drop trailing zeros
        count = len(d.as_tuple().digits)
        adjusted = d.adjusted()
        expected = 1 + -(-count // 2) + (0 if count % 2 or adjusted % 2 else 1) + negative
        assert value_size({"N": text}) == expected, text


def test_item_size() -> None:
    item: dict[str, dict[str, Any]] = {
        "pk": {"S": "user#1"},
        "n\u00e9": {"N": "10"},
        "flags": {"SS": ["a", "b"]},
        "doc": {"M": {"k": {"L": [{"BOOL": False}]}}},
    }
    expected = (2 + 6) + (3 + 2) + (5 + 2) + (3 + 3 + (1 + 1 + 3 + (1 + 1)))
    assert item_size(item) == expected
    assert item_size({}) == 0
    assert values.MAX_ITEM_SIZE == 409_600
