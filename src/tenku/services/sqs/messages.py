"""Pure logic of SQS messages: bodies, message attributes and their MD5s, batch entry
ids, receipt handles and FIFO sequence numbers. No storage, no time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import struct
from collections.abc import Mapping
from typing import Any

from tenku.services.sqs.errors import invalid_parameter, missing_parameter, sqs_error

MAX_MESSAGE_BYTES = 1_048_576
MAX_BATCH_ENTRIES = 10
MAX_MESSAGE_ATTRIBUTES = 10

_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")


@functools.cache
def _invalid_char() -> re.Pattern[str]:
    """Characters outside XML 1.0, which SQS refuses in bodies and string attributes.

    Compiled on first use: the pattern spans most of Unicode and costs milliseconds to
    compile, which start-up should not pay."""
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_body(body: str | None) -> str:
    if not body:
        raise missing_parameter("MessageBody")
    bad = _invalid_char().search(body)
    if bad:
        raise sqs_error(
            "InvalidMessageContents",
            f"Invalid binary character '#x{ord(bad.group()):X}' was found in the message body, "
            "the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | "
            "#xE000 to #xFFFD | #x10000 to #x10FFFF",
        )
    return body


def check_message_attributes(attributes: Mapping[str, Any], *, system: bool = False) -> int:
    """Validate message attributes; returns the bytes they count toward the size limit."""
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise invalid_parameter(
            "MessageAttributes",
            len(attributes),
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
            f"[{MAX_MESSAGE_ATTRIBUTES}].",
        )
    size = 0
    for name, value in attributes.items():
        if system:
            if name != "AWSTraceHeader":
                raise sqs_error(
                    "InvalidParameterValue",
                    f"Message system attribute name '{name}' is invalid.",
                )
        elif (
            not _ATTRIBUTE_NAME.match(name)
            or name.startswith(".")
            or name.endswith(".")
            or ".." in name
            or name.lower().startswith(("aws.", "amazon."))
        ):
            raise sqs_error(
                "InvalidParameterValue",
                f"Message (user) attribute '{name}' must contain a non-empty message attribute "
                "name and can only contain alphanumeric characters, hyphens, underscores and "
                "periods, and must not start or end with a period or contain consecutive periods.",
            )
        data_type = str(value.get("DataType") or "")
        base_type = data_type.split(".", 1)[0]
        if base_type not in ("String", "Number", "Binary"):
            raise sqs_error(
                "InvalidParameterValue",
                f"The type of message (user) attribute '{name}' is invalid. You must use only "
                "the following supported type prefixes: Binary, Number, String.",
            )
        if value.get("StringListValues") or value.get("BinaryListValues"):
            raise sqs_error(
                "InvalidParameterValue",
                f"Message (user) attribute '{name}' uses list values, which SQS has not "
                "implemented.",
            )
        if base_type == "Binary":
            payload = value.get("BinaryValue")
            if not payload:
                raise _empty_attribute(name, data_type)
            size += len(payload)
        else:
            text = value.get("StringValue")
            if text is None or text == "":
                raise _empty_attribute(name, data_type)
            if base_type == "Number" and not _is_number(text):
                raise sqs_error(
                    "InvalidParameterValue",
                    f"Could not cast message attribute '{name}' value to number.",
                )
            if _invalid_char().search(text):
                raise sqs_error(
                    "InvalidParameterValue",
                    f"Message (user) attribute '{name}' value contains invalid characters.",
                )
            size += len(text.encode())
        size += len(name.encode()) + len(data_type.encode())
    return size


def _empty_attribute(name: str, data_type: str) -> Exception:
    return sqs_error(
        "InvalidParameterValue",
        f"The message attribute '{name}' must contain non-empty message attribute value for "
        f"message attribute type '{data_type}'.",
    )


def _is_number(text: str) -> bool:
    return re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", text) is not None


def attributes_md5(attributes: Mapping[str, Any]) -> str | None:
    """MD5 of message attributes as SQS computes it (names sorted, length-prefixed)."""
    if not attributes:
        return None
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        data_type = str(value["DataType"])
        _update_length_prefixed(digest, name.encode())
        _update_length_prefixed(digest, data_type.encode())
        if "BinaryValue" in value and value.get("BinaryValue") is not None:
            digest.update(b"\x02")
            _update_length_prefixed(digest, bytes(value["BinaryValue"]))
        else:
            digest.update(b"\x01")
            _update_length_prefixed(digest, str(value["StringValue"]).encode())
    return digest.hexdigest()


def _update_length_prefixed(digest: Any, data: bytes) -> None:
    digest.update(struct.pack(">I", len(data)))
    digest.update(data)


def encode_attributes(attributes: Mapping[str, Any]) -> str | None:
    """Message attributes as stored: JSON, binary values base64-encoded."""
    if not attributes:
        return None
    stored = {}
    for name, value in attributes.items():
        item = {"DataType": value["DataType"]}
        if value.get("BinaryValue") is not None:
            item["BinaryValue"] = base64.b64encode(bytes(value["BinaryValue"])).decode()
        else:
            item["StringValue"] = value["StringValue"]
        stored[name] = item
    return json.dumps(stored, separators=(",", ":"))


def decode_attributes(stored: str | None) -> dict[str, dict[str, Any]]:
    if not stored:
        return {}
    attributes: dict[str, dict[str, Any]] = json.loads(stored)
    for value in attributes.values():
        if "BinaryValue" in value:
            value["BinaryValue"] = base64.b64decode(value["BinaryValue"])
    return attributes


def select_message_attributes(
    attributes: dict[str, dict[str, Any]], wanted: list[str] | None
) -> dict[str, dict[str, Any]]:
    """Apply ReceiveMessage's MessageAttributeNames (`All`, `.*`, `prefix.*`, exact names)."""
    if not wanted or not attributes:
        return {}
    if "All" in wanted or ".*" in wanted:
        return attributes
    prefixes = tuple(name[:-1] for name in wanted if name.endswith(".*"))
    exact = set(wanted)
    return {
        name: value
        for name, value in attributes.items()
        if name in exact or (prefixes and name.startswith(prefixes))
    }


def check_batch_ids(entries: list[dict[str, Any]], request_entry: str) -> None:
    if not entries:
        raise sqs_error(
            "EmptyBatchRequest", f"There should be at least one {request_entry} in the request."
        )
    if len(entries) > MAX_BATCH_ENTRIES:
        raise sqs_error(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. "
            f"You have sent {len(entries)}.",
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = str(entry.get("Id", ""))
        if not _BATCH_ID.match(entry_id):
            raise sqs_error(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and "
                "underscores. It can be at most 80 letters long.",
            )
        if entry_id in seen:
            raise sqs_error("BatchEntryIdsNotDistinct", f"Id {entry_id} repeated.")
        seen.add(entry_id)


# -- receipt handles ----------------------------------------------------------------


def encode_receipt(seq: int, nonce: str, queue_id: int | None = None) -> str:
    """A receipt handle; it names its queue, so another queue's handle is refused."""
    suffix = "" if queue_id is None else f":{queue_id}"
    return base64.urlsafe_b64encode(f"tenku:{seq}:{nonce}{suffix}".encode()).decode()


def decode_receipt(handle: str) -> tuple[int, str] | None:
    """(message seq, nonce) from a receipt handle; None when it is not one of ours."""
    parts = _receipt_parts(handle)
    return (int(parts[1]), parts[2]) if parts else None


def receipt_queue_id(handle: str) -> int | None:
    """The queue id a receipt handle was issued for (None for handles without one)."""
    parts = _receipt_parts(handle)
    return int(parts[3]) if parts and len(parts) == 4 else None


def _receipt_parts(handle: str) -> list[str] | None:
    try:
        parts = base64.urlsafe_b64decode(handle.encode()).decode().split(":")
        if parts[0] != "tenku" or len(parts) not in (3, 4):
            return None
        for number in (parts[1], *parts[3:]):
            int(number)
        return parts
    except (ValueError, UnicodeError):
        return None


def sequence_number(seq: int) -> str:
    """A FIFO sequence number: 20 digits, increasing with the message's position."""
    return str(10**19 + seq)
