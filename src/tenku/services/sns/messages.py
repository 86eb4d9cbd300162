"""What may be published: SNS's checks of a Publish (or PublishBatch entry) and the
normalised message that is stored for delivery.

Owns: the message, subject and MessageStructure rules, message-attribute validation
(names, the String/Number/Binary type prefixes, String.Array values), the 256 KB limit,
the FIFO group and deduplication id rules, and content-based deduplication ids.
Must not: touch storage or know subscribers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from tenku.core.errors import ServiceError
from tenku.services.sns.errors import invalid_parameter, invalid_value
from tenku.services.sns.models import Topic

MAX_MESSAGE_BYTES = 262_144
MAX_SUBJECT = 100
DEDUP_WINDOW_S = 300
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,256}$")
_FIFO_ID = re.compile(r"^[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}$")
_RESERVED_PREFIXES = ("aws.", "amazon.")
_ALLOWED_RESERVED = ("aws.sns.", "aws.mm.")


def normalize_attributes(raw: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, str]]:
    """Validate Publish's MessageAttributes; return them as {name: {"Type", "Value"}}
    (Binary values base64-encoded, as the SNS envelope carries them)."""
    out: dict[str, dict[str, str]] = {}
    for name, attribute in (raw or {}).items():
        _check_name(name)
        kind = attribute.get("DataType") or ""
        if not kind:
            raise invalid_value(
                f"The message attribute '{name}' must contain non-empty message attribute type."
            )
        base = kind.split(".", 1)[0]
        if base not in ("String", "Number", "Binary"):
            raise invalid_value(
                f"The message attribute '{name}' has an invalid message attribute type, the set "
                "of supported type prefixes is Binary, Number, and String."
            )
        string = attribute.get("StringValue")
        binary = attribute.get("BinaryValue")
        if string is None and binary is None:
            raise invalid_value(
                f"The message attribute '{name}' must contain non-empty message attribute value "
                f"for message attribute type '{base}'."
            )
        if base == "Binary":
            if binary is None:
                raise invalid_value(
                    f"The message attribute '{name}' with type 'Binary' must use field 'Binary'."
                )
            data = binary if isinstance(binary, bytes) else _b64(str(binary))
            out[name] = {"Type": kind, "Value": base64.b64encode(data).decode()}
            continue
        if string is None:
            raise invalid_value(
                f"The message attribute '{name}' with type '{base}' must use field 'String'."
            )
        if base == "Number":
            _check_number(name, string)
        elif kind == "String.Array":
            _check_array(name, string)
        out[name] = {"Type": kind, "Value": string}
    return out


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode()


def _check_name(name: str) -> None:
    lowered = name.lower()
    reserved = lowered.startswith(_RESERVED_PREFIXES) and not lowered.startswith(_ALLOWED_RESERVED)
    if (
        not _ATTRIBUTE_NAME.match(name)
        or name.startswith(".")
        or name.endswith(".")
        or ".." in name
        or reserved
    ):
        raise invalid_value(f"The message attribute name '{name}' is invalid.")


def _check_number(name: str, text: str) -> None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > Decimal("1e308"):
        raise invalid_value(f"Could not cast message attribute '{name}' value to number.")


def _check_array(name: str, text: str) -> None:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    ok = isinstance(value, list) and all(not isinstance(v, dict | list) for v in value)
    if not ok:
        raise invalid_parameter(
            f"Message attribute '{name}' with type 'String.Array' has an invalid value: "
            "the value must be a JSON array of strings, numbers, true, false or null"
        )


def attributes_size(attributes: dict[str, dict[str, str]]) -> int:
    total = 0
    for name, attribute in attributes.items():
        value = attribute["Value"]
        size = len(base64.b64decode(value)) if attribute["Type"].startswith("Binary") else None
        total += len(name.encode()) + len(attribute["Type"].encode())
        total += size if size is not None else len(value.encode())
    return total


def check_message(message: str | None, attributes: dict[str, dict[str, str]]) -> str:
    if not message:
        raise invalid_parameter("Empty message")
    if len(message.encode()) + attributes_size(attributes) > MAX_MESSAGE_BYTES:
        raise invalid_parameter("Message too long")
    return message


def check_subject(subject: str | None) -> str | None:
    if subject is None:
        return None
    ok = (
        0 < len(subject) <= MAX_SUBJECT
        and subject.isascii()
        and subject.isprintable()
        and not subject[0].isspace()
    )
    if not ok:
        raise invalid_parameter("Subject")
    return subject


def parse_structure(message: str, structure: str | None) -> dict[str, str] | None:
    """The per-protocol messages of a `MessageStructure=json` publish."""
    if structure is None:
        return None
    if structure != "json":
        raise invalid_parameter("MessageStructure")
    try:
        document = json.loads(message)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise invalid_parameter("Message Structure - JSON message body failed to parse")
    if "default" not in document:
        raise invalid_parameter("Message Structure - No default entry in JSON message body")
    return {
        str(k): v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
        for k, v in document.items()
    }


def check_fifo(
    topic: Topic, group_id: str | None, dedup_id: str | None, message: str
) -> str | None:
    """The deduplication id a FIFO publish uses (None for standard topics)."""
    if not topic.fifo:
        if dedup_id is not None:
            raise invalid_parameter(
                "MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
                "parameter that is not valid for this topic type"
            )
        _check_group_id(group_id)  # optional: forwarded to SQS standard queues (fair queues)
        return None
    if group_id is None:
        raise invalid_parameter("The MessageGroupId parameter is required for FIFO topics")
    _check_group_id(group_id)
    if dedup_id is None:
        if not topic.content_dedup:
            raise invalid_parameter(
                "The topic should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly"
            )
        return hashlib.sha256(message.encode()).hexdigest()
    if not _FIFO_ID.match(dedup_id):
        raise invalid_parameter(
            "MessageDeduplicationId Reason: MessageDeduplicationId can only contain "
            "alphanumeric characters and punctuation, and must be at most 128 characters long"
        )
    return dedup_id


def _check_group_id(group_id: str | None) -> None:
    if group_id is not None and not _FIFO_ID.match(group_id):
        raise invalid_parameter(
            "MessageGroupId Reason: MessageGroupId can only contain alphanumeric characters and "
            "punctuation, and must be at most 128 characters long"
        )


def prepare(
    topic: Topic,
    message: str | None,
    subject: str | None,
    structure: str | None,
    raw_attributes: dict[str, dict[str, Any]] | None,
    group_id: str | None,
    dedup_id: str | None,
) -> dict[str, Any]:
    """Every check of one publish; the message fields to store (without id and time)."""
    attributes = normalize_attributes(raw_attributes)
    text = check_message(message, attributes)
    per_protocol = parse_structure(text, structure)
    prepared: dict[str, Any] = {
        "message": text,
        "subject": check_subject(subject),
        "attributes": attributes,
    }
    if per_protocol is not None:
        prepared["structure"] = per_protocol
    dedup = check_fifo(topic, group_id, dedup_id, text)
    if group_id is not None:
        prepared["group"] = group_id
    if dedup is not None:
        prepared["dedup"] = dedup
    return prepared


def failure_entry(entry_id: str, error: ServiceError) -> dict[str, Any]:
    return {"Id": entry_id, "Code": error.code, "Message": error.message, "SenderFault": True}
