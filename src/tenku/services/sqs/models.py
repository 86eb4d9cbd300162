"""Pure SQS logic: names, queue attributes, message attributes, MD5s, receipt handles.

Nothing here touches storage or time; the provider feeds it values and acts on answers.
Limits are the ones the SQS developer guide documents (1 MiB messages since 2025).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tenku.core.scope import Scope
from tenku.services.sqs.errors import invalid_parameter, missing_parameter, sqs_error

MAX_MESSAGE_BYTES = 1_048_576
MAX_BATCH_ENTRIES = 10
MAX_MESSAGE_ATTRIBUTES = 10
DEDUP_WINDOW_SECONDS = 300
PURGE_INTERVAL_SECONDS = 60
DELETE_RECREATE_SECONDS = 60
MAX_VISIBILITY_SECONDS = 43_200

_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
# XML 1.0 characters, the set SQS accepts in bodies and string attribute values.
_INVALID_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Attribute name -> (default, validator) for the attributes a caller may set.
_INT_RANGES: dict[str, tuple[int, int]] = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, MAX_MESSAGE_BYTES),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, MAX_VISIBILITY_SECONDS),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
DEFAULTS: dict[str, str] = {
    "DelaySeconds": "0",
    "MaximumMessageSize": str(MAX_MESSAGE_BYTES),
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "SqsManagedSseEnabled": "true",
}
FIFO_ONLY = ("ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
SETTABLE = (
    *_INT_RANGES,
    "Policy",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "SqsManagedSseEnabled",
    "FifoQueue",
    *FIFO_ONLY,
)
COMPUTED = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
)
READABLE = (*SETTABLE, *COMPUTED)
SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


@dataclass(slots=True)
class Queue:
    id: int
    scope: Scope
    name: str
    attributes: dict[str, str]
    tags: dict[str, str] = field(default_factory=dict)
    created: float = 0.0
    modified: float = 0.0
    last_purge: float | None = None

    @property
    def arn(self) -> str:
        return self.scope.arn("sqs", self.name)

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoQueue") == "true"

    def int_attr(self, name: str) -> int:
        return int(self.attributes.get(name, DEFAULTS.get(name, "0")))

    @property
    def content_dedup(self) -> bool:
        return self.attributes.get("ContentBasedDeduplication") == "true"

    @property
    def dedup_per_group(self) -> bool:
        return self.attributes.get("DeduplicationScope") == "messageGroup"

    @property
    def redrive(self) -> tuple[str, int] | None:
        """(dead-letter queue ARN, maxReceiveCount), when a redrive policy is set."""
        raw = self.attributes.get("RedrivePolicy")
        if not raw:
            return None
        policy = json.loads(raw)
        return str(policy["deadLetterTargetArn"]), int(policy["maxReceiveCount"])


def validate_queue_name(name: str, fifo: bool) -> None:
    if fifo or name.endswith(".fifo"):
        if not (fifo and _FIFO_QUEUE_NAME.match(name)):
            raise invalid_parameter(
                "QueueName",
                name,
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                "underscores, must end with .fifo suffix and be 1 to 80 in length.",
            )
    elif not _QUEUE_NAME.match(name):
        raise invalid_parameter(
            "QueueName",
            name,
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        )


def _bad_value(name: str) -> Exception:
    return sqs_error("InvalidAttributeValue", f"Invalid value for the parameter {name}.")


def normalize_queue_attributes(
    attributes: Mapping[str, str], *, fifo: bool, creating: bool
) -> dict[str, str]:
    """Check caller-supplied queue attributes; returns them in canonical string form.

    Redrive targets are checked by the provider, which can look the queue up.
    """
    result: dict[str, str] = {}
    for name, raw in attributes.items():
        value = str(raw)
        if name not in SETTABLE:
            raise sqs_error("InvalidAttributeName", f"Unknown Attribute {name}.")
        if name in _INT_RANGES:
            low, high = _INT_RANGES[name]
            if not re.fullmatch(r"-?\d+", value.strip()) or not low <= int(value) <= high:
                raise _bad_value(name)
            value = str(int(value))
        elif name in ("FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled"):
            if value.lower() not in ("true", "false"):
                raise _bad_value(name)
            value = value.lower()
            if name == "FifoQueue" and not creating:
                raise sqs_error("InvalidAttributeName", f"Unknown Attribute {name}.")
        elif (name == "DeduplicationScope" and value not in ("messageGroup", "queue")) or (
            name == "FifoThroughputLimit" and value not in ("perQueue", "perMessageGroupId")
        ):
            raise _bad_value(name)
        elif name == "RedrivePolicy" and value:
            value = _normalize_redrive_policy(value)
        elif name == "RedriveAllowPolicy" and value:
            value = _normalize_redrive_allow_policy(value)
        elif name == "Policy" and value:
            try:
                json.loads(value)
            except ValueError:
                raise _bad_value(name) from None
        if name in FIFO_ONLY and not fifo:
            raise sqs_error("InvalidAttributeName", f"Unknown Attribute {name}.")
        result[name] = value
    if (
        fifo
        and result.get("FifoThroughputLimit") == "perMessageGroupId"
        and (result.get("DeduplicationScope", "queue") != "messageGroup")
    ):
        raise sqs_error(
            "InvalidAttributeValue",
            "Invalid value for the parameter FifoThroughputLimit. Reason: "
            "perMessageGroupId is allowed only when DeduplicationScope is messageGroup.",
        )
    return result


def _normalize_redrive_policy(value: str) -> str:
    try:
        policy = json.loads(value)
        arn = policy["deadLetterTargetArn"]
        count = int(policy["maxReceiveCount"])
    except (ValueError, KeyError, TypeError):
        raise invalid_parameter(
            "RedrivePolicy",
            value,
            "Redrive policy is not a valid JSON map with deadLetterTargetArn and maxReceiveCount.",
        ) from None
    if not isinstance(arn, str) or not 1 <= count <= 1000:
        raise invalid_parameter(
            "RedrivePolicy", value, "Invalid value for maxReceiveCount: must be 1 to 1000."
        )
    return json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": count}, separators=(",", ":"))


def _normalize_redrive_allow_policy(value: str) -> str:
    try:
        policy = json.loads(value)
        permission = policy["redrivePermission"]
    except (ValueError, KeyError, TypeError):
        raise invalid_parameter("RedriveAllowPolicy", value, "Invalid JSON.") from None
    if permission not in ("allowAll", "denyAll", "byQueue"):
        raise invalid_parameter(
            "RedriveAllowPolicy", value, "redrivePermission must be allowAll, denyAll or byQueue."
        )
    sources = policy.get("sourceQueueArns", [])
    if permission == "byQueue" and not 1 <= len(sources) <= 10:
        raise invalid_parameter(
            "RedriveAllowPolicy", value, "sourceQueueArns must name 1 to 10 queues for byQueue."
        )
    if permission != "byQueue" and sources:
        raise invalid_parameter(
            "RedriveAllowPolicy", value, "sourceQueueArns is allowed only with byQueue."
        )
    return json.dumps(policy, separators=(",", ":"))


def redrive_allowed(dlq: Queue, source_arn: str) -> bool:
    raw = dlq.attributes.get("RedriveAllowPolicy")
    if not raw:
        return True
    policy = json.loads(raw)
    permission = policy["redrivePermission"]
    if permission == "denyAll":
        return False
    return permission == "allowAll" or source_arn in policy.get("sourceQueueArns", [])


# -- messages ---------------------------------------------------------------------------


def check_body(body: str | None) -> str:
    if not body:
        raise missing_parameter("MessageBody")
    bad = _INVALID_CHAR.search(body)
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
            if _INVALID_CHAR.search(text):
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


# -- receipt handles and URLs ----------------------------------------------------------


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


def queue_url(host: str, scope: Scope, name: str) -> str:
    return f"http://{host}/{scope.account}/{name}"


def parse_queue_url(url: str) -> tuple[str, str] | None:
    """(account, queue name) from a queue URL of any host; None when it is not one."""
    path = url.split("://", 1)[-1]
    parts = path.split("?", 1)[0].rstrip("/").split("/")
    if len(parts) < 3 or not parts[-2] or not parts[-1]:
        return None
    return parts[-2], parts[-1]


def sequence_number(seq: int) -> str:
    """A FIFO sequence number: 20 digits, increasing with the message's position."""
    return str(10**19 + seq)
