"""Pure SQS logic: names, attribute rules, message-attribute digests, receipt handles."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.sqs import messages, models


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ServiceError) as excinfo:
        call(*args, **kwargs)
    return excinfo.value.code


@pytest.mark.parametrize(
    "name, fifo, ok",
    [
        ("orders", False, True),
        ("a" * 80, False, True),
        ("a" * 81, False, False),
        ("with space", False, False),
        ("dots.not.allowed", False, False),
        ("", False, False),
        ("orders.fifo", True, True),
        ("a" * 75 + ".fifo", True, True),
        ("a" * 76 + ".fifo", True, False),
        ("orders.fifo", False, False),
        ("orders", True, False),
    ],
)
def test_queue_names(name: str, fifo: bool, ok: bool) -> None:
    if ok:
        models.validate_queue_name(name, fifo)
    else:
        assert code_of(models.validate_queue_name, name, fifo) == "InvalidParameterValue"


@pytest.mark.parametrize(
    "attributes, code",
    [
        ({"VisibilityTimeout": "43201"}, "InvalidAttributeValue"),
        ({"VisibilityTimeout": "-1"}, "InvalidAttributeValue"),
        ({"VisibilityTimeout": "ten"}, "InvalidAttributeValue"),
        ({"DelaySeconds": "901"}, "InvalidAttributeValue"),
        ({"MaximumMessageSize": "1023"}, "InvalidAttributeValue"),
        ({"MaximumMessageSize": "1048577"}, "InvalidAttributeValue"),
        ({"MessageRetentionPeriod": "59"}, "InvalidAttributeValue"),
        ({"ReceiveMessageWaitTimeSeconds": "21"}, "InvalidAttributeValue"),
        ({"Colour": "blue"}, "InvalidAttributeName"),
        ({"ContentBasedDeduplication": "true"}, "InvalidAttributeName"),
        ({"RedrivePolicy": "{not json"}, "InvalidParameterValue"),
        (
            {"RedrivePolicy": json.dumps({"deadLetterTargetArn": "a", "maxReceiveCount": 0})},
            "InvalidParameterValue",
        ),
        (
            {"RedriveAllowPolicy": json.dumps({"redrivePermission": "sometimes"})},
            "InvalidParameterValue",
        ),
        ({"Policy": "{"}, "InvalidAttributeValue"),
    ],
)
def test_bad_queue_attributes(attributes: dict[str, str], code: str) -> None:
    assert code_of(models.normalize_queue_attributes, attributes, fifo=False, creating=True) == code


def test_attributes_are_normalized() -> None:
    got = models.normalize_queue_attributes(
        {"VisibilityTimeout": "007", "FifoQueue": "TRUE", "ContentBasedDeduplication": "True"},
        fifo=True,
        creating=True,
    )
    assert got == {
        "VisibilityTimeout": "7",
        "FifoQueue": "true",
        "ContentBasedDeduplication": "true",
    }


def test_fifo_queue_attribute_cannot_change_after_creation() -> None:
    assert (
        code_of(models.normalize_queue_attributes, {"FifoQueue": "true"}, fifo=True, creating=False)
        == "InvalidAttributeName"
    )


def test_attributes_md5_matches_the_documented_layout() -> None:
    attributes = {
        "b": {"DataType": "Binary", "BinaryValue": b"\x01"},
        "a": {"DataType": "String", "StringValue": "x"},
    }
    layout = (
        b"\x00\x00\x00\x01a"
        + b"\x00\x00\x00\x06String"
        + b"\x01"
        + b"\x00\x00\x00\x01x"
        + b"\x00\x00\x00\x01b"
        + b"\x00\x00\x00\x06Binary"
        + b"\x02"
        + b"\x00\x00\x00\x01\x01"
    )
    assert messages.attributes_md5(attributes) == hashlib.md5(layout).hexdigest()
    assert messages.attributes_md5({}) is None


@pytest.mark.parametrize(
    "attributes",
    [
        {"n": {"DataType": "Number", "StringValue": "1e"}},
        {"s": {"DataType": "String", "StringValue": ""}},
        {"b": {"DataType": "Binary", "BinaryValue": b""}},
        {"t": {"DataType": "Text", "StringValue": "x"}},
        {"AWS.reserved": {"DataType": "String", "StringValue": "x"}},
        {"a..b": {"DataType": "String", "StringValue": "x"}},
        {".a": {"DataType": "String", "StringValue": "x"}},
        {f"k{i}": {"DataType": "String", "StringValue": "x"} for i in range(11)},
        {"l": {"DataType": "String", "StringListValues": ["a"]}},
    ],
)
def test_bad_message_attributes(attributes: dict[str, Any]) -> None:
    assert code_of(messages.check_message_attributes, attributes) == "InvalidParameterValue"


def test_message_attribute_size_counts_name_type_and_value() -> None:
    size = messages.check_message_attributes(
        {
            "ab": {"DataType": "Number", "StringValue": "12.5"},
            "c": {"DataType": "Binary", "BinaryValue": b"xyz"},
        }
    )
    assert size == (2 + 6 + 4) + (1 + 6 + 3)


@pytest.mark.parametrize(
    "body, code",
    [
        ("", "MissingParameter"),
        (None, "MissingParameter"),
        ("nul\x00", "InvalidMessageContents"),
        ("bell\x07", "InvalidMessageContents"),
        ("\ufffe", "InvalidMessageContents"),
    ],
)
def test_bad_bodies(body: str | None, code: str) -> None:
    assert code_of(messages.check_body, body) == code


def test_good_bodies() -> None:
    for body in ("tab\tnewline\n", "日本語", "emoji \U0001f600", "\ud7ff\ue000"):
        assert messages.check_body(body) == body


def test_receipt_handles_round_trip_and_reject_garbage() -> None:
    handle = messages.encode_receipt(42, "abc")
    assert messages.decode_receipt(handle) == (42, "abc")
    for garbage in ("", "nonsense", "dGVua3U6eDp5", "aGVsbG8="):
        assert messages.decode_receipt(garbage) is None


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://localhost:4566/000000000000/q", ("000000000000", "q")),
        ("https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo", ("123456789012", "q.fifo")),
        ("http://localhost:4566/000000000000/q/", ("000000000000", "q")),
        ("q", None),
        ("http://localhost:4566/", None),
    ],
)
def test_queue_urls(url: str, expected: tuple[str, str] | None) -> None:
    assert models.parse_queue_url(url) == expected


def test_select_message_attributes() -> None:
    stored = {"a.x": {}, "a.y": {}, "b": {}, "ab": {}}
    assert messages.select_message_attributes(stored, ["All"]) == stored
    assert messages.select_message_attributes(stored, [".*"]) == stored
    assert set(messages.select_message_attributes(stored, ["a.*"])) == {"a.x", "a.y"}
    assert set(messages.select_message_attributes(stored, ["b", "zz"])) == {"b"}
    assert messages.select_message_attributes(stored, None) == {}


def test_batch_id_rules() -> None:
    assert code_of(messages.check_batch_ids, [], "E") == "EmptyBatchRequest"
    assert (
        code_of(messages.check_batch_ids, [{"Id": str(i)} for i in range(11)], "E")
        == "TooManyEntriesInBatchRequest"
    )
    assert (
        code_of(messages.check_batch_ids, [{"Id": "a"}, {"Id": "a"}], "E")
        == "BatchEntryIdsNotDistinct"
    )
    assert code_of(messages.check_batch_ids, [{"Id": "a b"}], "E") == "InvalidBatchEntryId"
    messages.check_batch_ids([{"Id": "ok-1_x"}], "E")
