"""Pure logic of SQS queues: names, queue attributes, redrive policies, queue URLs.

Nothing here touches storage or time; the provider feeds it values and acts on answers.
Limits are the ones the SQS developer guide documents (1 MiB messages since 2025).
Message-level rules live in `messages.py`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from tenku.core.scope import Scope
from tenku.services.sqs.errors import invalid_parameter, sqs_error
from tenku.services.sqs.messages import MAX_MESSAGE_BYTES

DEDUP_WINDOW_SECONDS = 300
PURGE_INTERVAL_SECONDS = 60
DELETE_RECREATE_SECONDS = 60
MAX_VISIBILITY_SECONDS = 43_200

_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")

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


# -- access policies ------------------------------------------------------------------


def policy_with_statement(
    policy: str | None, queue_arn: str, label: str, accounts: list[str], actions: list[str]
) -> str:
    """The queue policy after AddPermission: one Allow statement whose Sid is `label`."""
    document = json.loads(policy or '{"Version": "2012-10-17"}')
    statements = document.setdefault("Statement", [])
    if any(s.get("Sid") == label for s in statements):
        raise invalid_parameter("Label", label, "Already exists.")
    if not accounts or not actions:
        raise sqs_error("MissingParameter", "The request must contain the parameter Actions.")
    statements.append(
        {
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in accounts]},
            "Action": [f"SQS:{action}" for action in actions],
            "Resource": queue_arn,
        }
    )
    document.setdefault("Id", f"{queue_arn}/SQSDefaultPolicy")
    return json.dumps(document, separators=(",", ":"))


def policy_without_statement(policy: str | None, label: str) -> str | None:
    """The queue policy after RemovePermission; None when no statement is left."""
    document = json.loads(policy or "{}")
    statements = document.get("Statement", [])
    kept = [s for s in statements if s.get("Sid") != label]
    if len(kept) == len(statements):
        raise invalid_parameter("Label", label, "can't find label on existing policy.")
    if not kept:
        return None
    document["Statement"] = kept
    return json.dumps(document, separators=(",", ":"))


# -- pagination -------------------------------------------------------------------------

T = TypeVar("T")


def paginate(
    items: Sequence[T], next_token: str | None, max_results: int | None
) -> tuple[Sequence[T], str | None]:
    """One page of a List* answer. Without MaxResults SQS answers up to 1,000 items and
    no token; with it, a token whenever more items follow."""
    if max_results is not None and not 1 <= max_results <= 1000:
        raise invalid_parameter(
            "MaxResults", max_results, "MaxResults must be an integer between 1 and 1000."
        )
    start = 0
    if next_token:
        try:
            start = max(int(json.loads(base64.urlsafe_b64decode(next_token))["offset"]), 0)
        except (ValueError, KeyError, TypeError):
            raise invalid_parameter("NextToken", next_token, "Invalid NextToken value.") from None
    limit = max_results or 1000
    token = None
    if max_results is not None and start + limit < len(items):
        token = base64.urlsafe_b64encode(json.dumps({"offset": start + limit}).encode()).decode()
    return items[start : start + limit], token


# -- queue URLs -----------------------------------------------------------------------


def queue_url(host: str, scope: Scope, name: str) -> str:
    return f"http://{host}/{scope.account}/{name}"


def parse_queue_url(url: str) -> tuple[str, str] | None:
    """(account, queue name) from a queue URL of any host; None when it is not one."""
    path = url.split("://", 1)[-1]
    parts = path.split("?", 1)[0].rstrip("/").split("/")
    if len(parts) < 3 or not parts[-2] or not parts[-1]:
        return None
    return parts[-2], parts[-1]
