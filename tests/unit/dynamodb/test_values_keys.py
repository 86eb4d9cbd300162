"""DynamoDB key values: empty/size rules and the order-preserving byte encoding."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.dynamodb.keys import sort_key_bytes, validate_key_value
from tenku.services.dynamodb.values import compare, normalize_number

HASH_TOO_BIG = (
    "One or more parameter values were invalid: "
    "Size of hashkey has exceeded the maximum size limit of2048 bytes"
)
RANGE_TOO_BIG = (
    "One or more parameter values were invalid: "
    "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
)


def message_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ServiceError) as excinfo:
        call(*args, **kwargs)
    assert excinfo.value.code == "ValidationException"
    return excinfo.value.message


# -- validate_key_value ---------------------------------------------------------------


@pytest.mark.parametrize("partition", [True, False])
def test_empty_key_values(partition: bool) -> None:
    assert message_of(validate_key_value, {"S": ""}, partition=partition, name="pk") == (
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty string value. Key: pk"
    )
    assert message_of(validate_key_value, {"B": b""}, partition=partition, name="sk") == (
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty binary value. Key: sk"
    )


def test_key_size_limits() -> None:
    validate_key_value({"S": "a" * 2048}, partition=True, name="pk")
    validate_key_value({"B": b"\x00" * 2048}, partition=True)
    assert message_of(validate_key_value, {"S": "a" * 2049}, partition=True) == HASH_TOO_BIG
    # Size is in UTF-8 bytes, not characters.
    assert message_of(validate_key_value, {"S": "\u00e9" * 1025}, partition=True) == HASH_TOO_BIG
    validate_key_value({"S": "a" * 1024}, partition=False)
    validate_key_value({"B": b"x" * 1024}, partition=False)
    assert message_of(validate_key_value, {"S": "a" * 1025}, partition=False) == RANGE_TOO_BIG
    assert message_of(validate_key_value, {"B": b"x" * 1025}, partition=False) == RANGE_TOO_BIG
    validate_key_value({"N": "-" + "9" * 38}, partition=False)
    validate_key_value({"S": "x"}, partition=True)


# -- sort_key_bytes -------------------------------------------------------------------


def test_string_and_binary_encodings() -> None:
    assert sort_key_bytes({"S": "abc"}) == b"abc"
    assert sort_key_bytes({"S": "\u00e9"}) == "\u00e9".encode()
    assert sort_key_bytes({"B": b"\x00\xff"}) == b"\x00\xff"
    assert sort_key_bytes({"B": bytearray(b"ab")}) == b"ab"
    assert type(sort_key_bytes({"B": bytearray(b"ab")})) is bytes


@pytest.mark.parametrize("av", [{"BOOL": True}, {"NULL": True}, {"SS": ["a"]}, {"M": {}}])
def test_non_key_types_have_no_encoding(av: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        sort_key_bytes(av)


def test_number_encoding_is_canonical() -> None:
    # Equal numbers encode equally whatever their spelling.
    for spellings in (["1", "1.0", "1e0", "0.1e1", "+1"], ["0", "-0", "0e5", "0.000"]):
        encodings = {sort_key_bytes({"N": text}) for text in spellings}
        assert len(encodings) == 1


SORTED_NUMBERS = [
    "-9.9999999999999999999999999999999999999E+125",
    "-1e125",
    "-123456789012345678901234567890",
    "-1000",
    "-101",
    "-100",
    "-12.5",
    "-12.34",
    "-12.3",
    "-12",
    "-1.25",
    "-1.2",
    "-1.05",
    "-1.01",
    "-1",
    "-0.99",
    "-0.5",
    "-1e-129",
    "-1e-130",
    "0",
    "1e-130",
    "1.5e-130",
    "1e-129",
    "0.5",
    "0.99",
    "1",
    "1.01",
    "1.05",
    "1.2",
    "1.25",
    "12",
    "12.3",
    "12.34",
    "12.5",
    "100",
    "101",
    "1000",
    "123456789012345678901234567890",
    "1e125",
    "9.9999999999999999999999999999999999999E+125",
]


def test_number_encoding_known_order() -> None:
    encoded = [sort_key_bytes({"N": text}) for text in SORTED_NUMBERS]
    assert encoded == sorted(encoded)
    assert len(set(encoded)) == len(encoded)
    for text in SORTED_NUMBERS:
        assert Decimal(text) == Decimal(normalize_number(text))


def _random_number(rng: random.Random) -> str:
    """Numbers crowded around shared prefixes so ties and prefix cases are common."""
    shape = rng.random()
    if shape < 0.1:
        return rng.choice(["0", "1", "-1", "10", "0.1", "-0.1"])
    count = rng.randint(1, 38) if shape < 0.5 else rng.randint(1, 4)
    alphabet = "0123456789" if shape < 0.7 else "019"
    digits = str(rng.randint(1, 9)) + "".join(rng.choice(alphabet) for _ in range(count - 1))
    adjusted = rng.randint(-130, 125) if shape < 0.6 else rng.randint(-3, 3)
    sign = "-" if rng.random() < 0.5 else ""
    return normalize_number(f"{sign}{digits[0]}.{digits[1:]}e{adjusted}")


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def test_number_encoding_matches_compare() -> None:
    rng = random.Random(20240601)
    numbers = [_random_number(rng) for _ in range(3000)]
    for _ in range(20000):
        a, b = rng.choice(numbers), rng.choice(numbers)
        left, right = {"N": a}, {"N": b}
        ea, eb = sort_key_bytes(left), sort_key_bytes(right)
        assert _sign((ea > eb) - (ea < eb)) == compare(left, right), (a, b)
    by_bytes = sorted(numbers, key=lambda text: sort_key_bytes({"N": text}))
    assert [Decimal(x) for x in by_bytes] == sorted(Decimal(x) for x in numbers)


def test_string_encoding_matches_compare() -> None:
    rng = random.Random(7)
    alphabet = ["a", "b", "Z", "\x00", "\u00e9", "\u20ac", "\uffff", "\U0001f600", "\U00010000"]
    strings = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(500)]
    for _ in range(5000):
        a, b = {"S": rng.choice(strings)}, {"S": rng.choice(strings)}
        ea, eb = sort_key_bytes(a), sort_key_bytes(b)
        assert (ea > eb) - (ea < eb) == compare(a, b)


def test_binary_encoding_matches_compare() -> None:
    rng = random.Random(8)
    blobs = [
        bytes(rng.choice([0, 1, 127, 128, 255]) for _ in range(rng.randint(0, 4)))
        for _ in range(300)
    ]
    for _ in range(5000):
        a, b = {"B": rng.choice(blobs)}, {"B": rng.choice(blobs)}
        ea, eb = sort_key_bytes(a), sort_key_bytes(b)
        assert (ea > eb) - (ea < eb) == compare(a, b)
